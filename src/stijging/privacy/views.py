"""The privacy officer's screens: the audit log and the closed list of legal grounds."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from stijging.concurrency import keep_input_after_conflict

from . import audit, selectors, services
from .access import deny_not_found, role_required
from .forms import AuditFilterForm, LegalGroundForm
from .models import AuditAction, LegalGround

PRIVACY_OFFICER = "privacy_officer"


@role_required(PRIVACY_OFFICER)
def audit_log(request):
    form = AuditFilterForm(request.GET or None)
    # Only the filters actually filled in (a bound form with only ?page= is still a plain list).
    filters = {key: value for key, value in form.cleaned_data.items() if value} if form.is_valid() else {}
    events = selectors.audit_events(**filters)
    page = Paginator(events.select_related(None), 50).get_page(request.GET.get("page"))
    # Fetch the page before logging this reading: the paginator counted the rows already, and the new
    # event would otherwise push the oldest row of the page out of the slice.
    page.object_list = list(page.object_list)
    # Reading the log is itself logged: the log names persons, by id.
    audit.record(
        actor=request.user,
        action=AuditAction.SEARCH if filters else AuditAction.LIST,
        object_type="privacy.auditevent",
        person_ids=[filters["person_id"]] if filters.get("person_id") else [],
        purpose="audit",
        detail={key: str(value) for key, value in filters.items()},
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "privacy/audit_log.html", {"form": form, "page": page, "query": query.urlencode()})


@role_required(PRIVACY_OFFICER)
def legal_ground_list(request):
    return render(request, "privacy/legal_ground_list.html", {"grounds": selectors.legal_grounds()})


@role_required(PRIVACY_OFFICER)
@require_http_methods(["GET", "POST"])
def legal_ground_edit(request, pk: int | None = None):
    ground = None
    if pk is not None:
        ground = LegalGround.objects.filter(pk=pk).first()
        if ground is None:
            raise deny_not_found(request, "privacy.legalground", pk)
    initial = (
        {
            "code": ground.code,
            "title": ground.title,
            "article": ground.article,
            "description": ground.description,
            "active": ground.active,
            "version": ground.version,
        }
        if ground
        else {"active": True}
    )
    form = LegalGroundForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.legal_ground_save(
                acting_user=request.user,
                ground=ground,
                version=data.get("version"),
                code=data["code"],
                title=data["title"],
                article=data["article"],
                description=data["description"],
                active=data["active"],
            )
        except services.ConflictError:
            assert ground is not None  # only an existing ground has a version to conflict with
            ground.refresh_from_db()
            keep_input_after_conflict(
                form,
                ground.version,
                _(
                    "Someone else changed this legal ground after you opened it. Your input is kept; "
                    "check it against the list and save again."
                ),
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("The legal ground was saved."))
            return redirect("privacy:legal_grounds")
    return render(request, "privacy/legal_ground_form.html", {"form": form, "ground": ground})
