"""One way to write a view: the plumbing every app's screens share, written once (issue 17, item 3).

A view stays thin and explicit (ENGINEERING.md, convention 1): it parses a form, fetches through a
scoped selector, calls one service and renders. What was copied into every app around those steps
lives here instead:

- `visible_or_404`: a scoped selector's answer or a 404 that is audited as a refused access, so an
  object outside the user's scope and one that does not exist look the same.
- `run_service_on_form`: form valid → service → the service's refusals mapped onto the form →
  success message and redirect. `None` means "re-render the page with this form", which the view
  does itself (with status 400), because only the view knows its page.
- `run_service_on_button`: the same for a POST without a page of its own (a button, a status
  select): refusals become messages and the user always goes back to the page they came from.
- `CONFLICT_MESSAGE`: the one sentence a stale save gets (src/stijging/concurrency.py).
- `record_read`: the audit event of reading a person's record, with the arguments every view wrote
  out by hand.

Every floor's views may import this module (tests/test_floors.py lists it as a library): it imports
only Django, the shared form and concurrency helpers and the ground floor (privacy).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy

from stijging.concurrency import ConflictError, keep_input_after_conflict
from stijging.forms import add_service_errors
from stijging.privacy import audit
from stijging.privacy.access import deny_not_found
from stijging.privacy.models import AuditAction

# Lazy: a module constant is made once, at import, in whatever language is active then. One
# sentence for every record: it says what happened (nothing was saved) and what to do, whether the
# input is kept on a form or the user pressed a button.
CONFLICT_MESSAGE = gettext_lazy(
    "Someone else changed this after you opened it. Nothing was saved; check what is shown now and try again."
)


def visible_or_404[T](
    request: HttpRequest,
    selector: Callable[[Any, Any], T | None],
    key: int | str,
    object_type: str,
    *,
    allowed: bool = True,
    permits: Callable[[T], bool] | None = None,
) -> T:
    """`selector(request.user, key)` — a scoped selector that answers None or raises DoesNotExist
    for what the user may not see — or a 404.

    The 404 goes through `deny_not_found`, so the refused access is audited, and a foreign object
    answers exactly like a missing one (nothing leaks about what exists). `allowed=False` (the
    user's role may not read this kind of object at all) answers the same 404 without asking the
    selector; `permits(found)` is the app's rule on the object itself (may this user act on it
    here?), answered by the same 404 when it says no.
    """
    if allowed:
        try:
            found = selector(request.user, key)
        except ObjectDoesNotExist:
            found = None
        if found is not None and (permits is None or permits(found)):
            return found
    raise deny_not_found(request, object_type, key)


def _map_refusal(form, error: Exception, current_version: Callable[[], int] | None) -> None:
    """The service's known refusals, onto the form; the user's input stays in it."""
    if isinstance(error, ConflictError):
        if current_version is None:
            form.add_error(None, CONFLICT_MESSAGE)
        else:
            # The next save goes against the version now stored, beside the input kept.
            keep_input_after_conflict(form, current_version(), CONFLICT_MESSAGE)
    elif isinstance(error, ValidationError):
        add_service_errors(form, error)
    else:  # PermissionDenied: the service's own access rule said no; its text says why.
        form.add_error(None, str(error))


def run_service_on_form[T](
    request: HttpRequest,
    form,
    service: Callable[[dict[str, Any]], T],
    *,
    success: str | Callable[[T], str],
    then: Callable[[T], HttpResponse],
    current_version: Callable[[], int] | None = None,
) -> HttpResponse | None:
    """Validate `form`, call `service(form.cleaned_data)` and answer `then(result)` with the
    success message; or answer None, and the view re-renders its page with `form` and status 400.

    A refusal of the service lands on the form, never as a 500: a ValidationError on the field it
    names (else above the form), a PermissionDenied above the form, a ConflictError (a stale save)
    as CONFLICT_MESSAGE. Give `current_version` (a function reading the version stored now) where
    the form carries a version the user can save again against; without it the form keeps its old
    version and the next save is refused again until the page is reloaded.

    `success` is a text, or a function of the result for a message that names it.
    """
    if not form.is_valid():
        return None
    try:
        result = service(form.cleaned_data)
    except (ConflictError, ValidationError, PermissionDenied) as error:
        _map_refusal(form, error, current_version)
        return None
    messages.success(request, success(result) if callable(success) else success)
    return then(result)


def run_service_on_button(
    request: HttpRequest,
    service: Callable[[], Any],
    *,
    success: str,
    then: HttpResponse,
) -> HttpResponse:
    """Call `service()` for a POST that has no page of its own, and answer `then` (the page the
    button was on) whatever happened: the success message, or the refusal as error messages — one
    per sentence of a ValidationError, CONFLICT_MESSAGE for a stale save."""
    try:
        service()
    except ConflictError:
        messages.error(request, CONFLICT_MESSAGE)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    except PermissionDenied as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success)
    return then


def record_read(
    request: HttpRequest,
    obj,
    *,
    purpose: str,
    person_ids: Iterable[int] | None = None,
    action: str = AuditAction.VIEW,
    detail: dict | None = None,
) -> None:
    """Audit that the user read `obj` (ENGINEERING.md, convention 4). Called by the view after its
    access checks passed and before it renders, so a refused read is never logged as a read.

    The persons concerned default to the object itself when it is a person, else its `person_id`:
    the two shapes of every record page; pass `person_ids` for anything else (a list, a household).
    """
    if person_ids is None:
        if obj._meta.label_lower == "registry.person":
            person_ids = [obj.pk]
        else:
            person_id = getattr(obj, "person_id", None)
            person_ids = [person_id] if person_id else []
    audit.record(actor=request.user, action=action, obj=obj, person_ids=person_ids, purpose=purpose, detail=detail)
