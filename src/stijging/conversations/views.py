"""Screens of the living-room conversation. Thin: parse a form, fetch through a scoped selector, call
one service, render.

The conversation page is made for a tablet in a living room. Each section is its own form, saved on
its own with HTMX (and as a plain form without JavaScript). A section save answers:

- 200 with the fresh section (new version, "saved"), or "saved earlier" when its key was seen before
  (a replay of a save that did arrive: never applied twice);
- 409 when someone saved the section after it was opened: the user's input stays in the fields, the
  values stored now are shown beside it, nothing is lost;
- 422 with the errors beside the fields;
- 401 (to a script) when the session has ended, so that static/js/conversation.js keeps the save on
  the device and sends it after the next login.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from stijging.concurrency import ConflictError, keep_input_after_conflict
from stijging.core.views_toolkit import CONFLICT_MESSAGE
from stijging.forms import add_service_errors as _add_errors
from stijging.privacy import audit
from stijging.privacy.access import deny_forbidden, deny_not_found, login_required
from stijging.privacy.models import AuditAction
from stijging.registry.models import Household

from . import access, selectors, services
from . import page as conversation_page
from .forms import (
    CohesionForm,
    ConversationStartForm,
    DomainsForm,
    HousingForm,
    LadderForm,
    MeldcodeForm,
    NewMemberForm,
    PresentMemberForm,
    SectionForm,
)
from .models import Conversation, HousingAnswer, Interview, ProposalStatus
from .page import InterviewBlock, Section
from .selectors import Instrument
from .services import COHESION_MIN_AGE

SECTION_HEADER = "X-Stijging-Section"
PROPOSALS_PER_PAGE = 25
PURPOSE = "conversation"


def _section_login_required(view):
    """A section save may come from a page that outlived its session. To a script (htmx, or the
    replay of a save kept on the device) that is a small 401, so the script keeps the save and asks
    for a new login; a plain form goes to the login page like any other page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            if request.htmx:
                return HttpResponse(b"login required", status=401, content_type="text/plain")
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


def _require_case_role(request, object_type: str, object_id) -> None:
    if not access.may_hold_conversations(request.user):
        raise deny_not_found(request, object_type, object_id)


def _audit_view(request, obj, person_ids, **detail) -> None:
    audit.record(
        actor=request.user, action=AuditAction.VIEW, obj=obj, person_ids=person_ids, purpose=PURPOSE, detail=detail
    )


# --- Starting a conversation ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def conversation_start(request, household_id: int):
    _require_case_role(request, "registry.household", household_id)
    try:
        household = selectors.household_for_start(request.user, household_id)
    except Household.DoesNotExist:
        raise deny_not_found(request, "registry.household", household_id) from None
    earlier = list(selectors.conversations_of_household(request.user, household))
    today = timezone.localdate()
    todays = next((c for c in earlier if c.held_on == today), None)
    if request.method == "GET" and todays is not None:
        # "Start a conversation" on a household visited today goes on with that visit.
        messages.info(request, _("This household already has a conversation today: here it is."))
        return redirect("conversations:conversation", pk=todays.pk)
    residence = selectors.current_residence(household)
    programme = residence.address.area.programme if residence else None
    members = [m.person for m in household.current_memberships]  # type: ignore[attr-defined]  # Prefetch(to_attr=...)
    workers = selectors.workers_of_programme(programme.pk if programme else None)
    if request.user not in workers:
        workers.insert(0, request.user)
    initial = {
        "held_on": timezone.localdate(),
        "workers": [str(request.user.pk)],
        "members_present": [str(p.pk) for p in members],
    }
    form = ConversationStartForm(
        request.POST or None, workers=workers, members=members, earlier=earlier, initial=initial, auto_id="start-%s"
    )
    if request.method == "POST" and form.is_valid():
        try:
            conversation = services.conversation_start(
                acting_user=request.user,
                household=household,
                held_on=form.cleaned_data["held_on"],
                workers=form.selected_workers(),
                members_present=form.selected_members(),
                informed=form.cleaned_data["informed"],
            )
        except services.ConversationExists as exists:
            messages.info(request, _("This household already has a conversation on that day: here it is."))
            return redirect("conversations:conversation", pk=exists.conversation.pk)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The conversation has started. Each part is saved on its own."))
            return redirect("conversations:conversation", pk=conversation.pk)
    _audit_view(request, household, [p.pk for p in members], page="start")
    return render(
        request,
        "conversations/start.html",
        {
            "form": form,
            "household": household,
            "residence": residence,
            "programme": programme,
            "earlier": earlier,
            # current_residence falls back to the last one: a household that left is said to have.
            "moved_away": residence if residence is not None and not residence.is_current() else None,
        },
        status=422 if form.errors else 200,
    )


# --- The conversation page --------------------------------------------------------------------------


@login_required
@require_GET
def conversation_detail(request, pk: int):
    _require_case_role(request, "conversations.conversation", pk)
    try:
        conversation = selectors.conversation_page(request.user, pk)
    except Conversation.DoesNotExist:
        raise deny_not_found(request, "conversations.conversation", pk) from None
    context = conversation_page.page_context(conversation)
    _audit_view(request, conversation, [b.person.pk for b in context["blocks"]])
    return render(request, "conversations/conversation.html", context)


def _respond_with_section(
    request, *, section: Section, block: InterviewBlock | None, status: int, conversation_pk: int, shows, person_ids
):
    """HTMX: the section alone (and its overview row, out of band). Without JavaScript: back to the
    page after a save; the whole page with this section in its state after a refusal.

    A refused save, or one saved earlier, writes nothing but shows the stored answers again: that
    is logged as a view (of the section, or of the whole page without JavaScript)."""
    if request.htmx:
        if section.state != "saved":
            _audit_view(request, shows, person_ids, section=section.kind, outcome=section.state)
        response = render(
            request,
            "conversations/_section_response.html",
            {"section": section, "block": block},
            status=status,
        )
        response[SECTION_HEADER] = section.html_id
        response["Cache-Control"] = "no-store"
        return response
    if status == 200:
        if section.state == "saved_earlier":
            messages.info(request, _("This part was saved earlier; it was not saved a second time."))
        else:
            messages.success(request, _("Saved: %(part)s.") % {"part": section.title})
        return redirect(reverse("conversations:conversation", args=[conversation_pk]) + f"#{section.html_id}")
    conversation = selectors.conversation_page(request.user, conversation_pk)
    context = conversation_page.page_context(
        conversation, shown=section, interview_pk=block.interview.pk if block else None
    )
    _audit_view(request, conversation, [b.person.pk for b in context["blocks"]], outcome=section.state)
    return render(request, "conversations/conversation.html", context, status=status)


def _shown_section(block: InterviewBlock, kind: str) -> Section:
    return next(s for s in block.sections if s.kind == kind)


@_section_login_required
@require_POST
def interview_section(request, pk: int, section: str):
    _require_case_role(request, "conversations.interview", pk)
    try:
        interview = selectors.interview_for(request.user, pk)
    except Interview.DoesNotExist:
        raise deny_not_found(request, "conversations.interview", pk) from None
    instrument = selectors.instrument_of(interview.conversation.instrument_version)
    age = interview.person.age_on(interview.conversation.held_on)
    if section == "cohesion" and age < COHESION_MIN_AGE:
        raise deny_not_found(request, "conversations.interview", pk)
    form = _bound_form(section, request.POST, interview, instrument, age)
    state, status = "invalid", 422
    if form.is_valid():
        try:
            _save(section, request.user, interview, form)
        except services.AlreadySaved:
            state, status = "saved_earlier", 200
        except ConflictError:
            state, status = "conflict", 409
        except ValidationError as error:
            if isinstance(form, DomainsForm) and hasattr(error, "error_dict"):
                form.add_service_errors(error.message_dict)
            else:
                _add_errors(form, error)
        else:
            state, status = "saved", 200
    now = selectors.interview_answers(interview)
    block = conversation_page.interview_block(now, instrument, relation="")
    if status == 200:
        shown = _shown_section(block, section)
        shown.state = state
        shown.saved_at = timezone.now()
    else:
        current = _shown_section(block, section)
        stored_now: dict[str, str] = {}
        if state == "conflict":
            stored_now = form.stored_differences(current.form)
            keep_input_after_conflict(form, current.form.initial["version"], CONFLICT_MESSAGE)
        shown = _section_from_form(section, form, current, state=state, stored=stored_now)
        block = conversation_page.interview_block(now, instrument, shown=shown)
    return _respond_with_section(
        request,
        section=shown,
        block=block,
        status=status,
        conversation_pk=interview.conversation_id,
        shows=interview,
        person_ids=[interview.person_id],
    )


def _bound_form(kind: str, data, interview: Interview, instrument: Instrument, age: int) -> SectionForm:
    """The section's form with the posted input (what is stored is read after the save)."""
    auto_id = f"i{interview.pk}-%s"
    if kind == "domains":
        return DomainsForm(
            data,
            auto_id=auto_id,
            version=interview.domains_version,
            domains=instrument.domains_for(age),
            levels=instrument.levels,
            answers={},
        )
    if kind == "ladder":
        return LadderForm(data, auto_id=auto_id, interview=interview, age=age, rungs=instrument.rungs)
    return CohesionForm(
        data, auto_id=auto_id, version=interview.cohesion_version, statements=instrument.statements, answers={}
    )


def _save(kind: str, user, interview: Interview, form: SectionForm) -> None:
    common = {
        "acting_user": user,
        "interview": interview,
        "version": form.cleaned_data["version"],
        "key": form.cleaned_data["key"],
    }
    if kind in ("domains", "ladder"):
        common["reason"] = form.cleaned_data.get("reason") or ""
    if kind == "domains":
        assert isinstance(form, DomainsForm)
        services.interview_save_domains(**common, answers=form.inputs())
    elif kind == "ladder":
        assert isinstance(form, LadderForm)
        services.interview_save_ladder(**common, **form.values())
    else:
        assert isinstance(form, CohesionForm)
        services.interview_save_cohesion(**common, values=form.values())


def _section_from_form(
    kind: str, form: SectionForm, current: Section, *, state: str, stored: dict[str, str]
) -> Section:
    """The section with the user's (refused) input in its fields."""
    section = Section(
        kind=kind,
        html_id=current.html_id,
        title=current.title,
        url=current.url,
        form=form,
        complete=current.complete,
        state=state,
        stored=stored,
    )
    if isinstance(form, DomainsForm):
        if isinstance(current.form, DomainsForm):
            form.answers = current.form.answers  # "answered" marks follow what is stored now
        section.rows = form.rows(stored)
    elif isinstance(form, CohesionForm):
        section.rows = form.rows(stored)
    elif isinstance(form, LadderForm):
        section.rung_options = form.rung_options()
    return section


@_section_login_required
@require_POST
def housing_section(request, pk: int):
    _require_case_role(request, "conversations.conversation", pk)
    try:
        housing = selectors.housing_for(request.user, pk)
    except HousingAnswer.DoesNotExist:
        raise deny_not_found(request, "conversations.conversation", pk) from None
    instrument = selectors.instrument_of(housing.conversation.instrument_version)
    form = HousingForm(request.POST, auto_id=f"h{housing.pk}-%s", housing=housing, defects=instrument.defects)
    state, status = "invalid", 422
    if form.is_valid():
        try:
            services.housing_save(
                acting_user=request.user,
                housing=housing,
                version=form.cleaned_data["version"],
                key=form.cleaned_data["key"],
                **form.values(),
            )
        except services.AlreadySaved:
            state, status = "saved_earlier", 200
        except ConflictError:
            state, status = "conflict", 409
        except ValidationError as error:
            _add_errors(form, error)
        else:
            state, status = "saved", 200
    now = selectors.housing_now(housing)
    current = conversation_page.housing_section(now, instrument)
    # Whose answers a view of the section shows (only logged when nothing was written).
    person_ids = [] if state == "saved" else list(now.conversation.members_present.values_list("pk", flat=True))
    if status == 200:
        current.state = state
        current.saved_at = timezone.now()
        shown = current
    else:
        stored_now: dict[str, str] = {}
        if state == "conflict":
            stored_now = form.stored_differences(current.form)
            keep_input_after_conflict(form, now.version, CONFLICT_MESSAGE)
        shown = _section_from_form("housing", form, current, state=state, stored=stored_now)
    return _respond_with_section(
        request, section=shown, block=None, status=status, conversation_pk=pk, shows=now, person_ids=person_ids
    )


# --- A member joins during the visit ----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def member_add(request, pk: int):
    _require_case_role(request, "conversations.conversation", pk)
    try:
        conversation = selectors.conversation_for(request.user, pk)
    except Conversation.DoesNotExist:
        raise deny_not_found(request, "conversations.conversation", pk) from None
    waiting = selectors.members_not_interviewed(conversation)
    posted = request.POST if request.method == "POST" else None
    which = request.POST.get("which", "new") if posted is not None else None
    present_form = PresentMemberForm(
        posted if which == "present" else None, members=waiting, on=conversation.held_on, auto_id="present-%s"
    )
    new_form = NewMemberForm(
        posted if which == "new" else None, initial={"member_since": conversation.held_on}, auto_id="new-%s"
    )
    interview = None
    if which == "present" and present_form.is_valid():
        try:
            interview = services.conversation_add_present_member(
                acting_user=request.user, conversation=conversation, person=present_form.selected()
            )
        except ValidationError as error:
            _add_errors(present_form, error)
    elif which == "new" and new_form.is_valid():
        try:
            interview = services.member_add_during_visit(
                acting_user=request.user,
                conversation=conversation,
                relation=new_form.cleaned_data["relation"],
                member_since=new_form.cleaned_data["member_since"],
                **new_form.person_fields(),
            )
        except ValidationError as error:
            _add_errors(new_form, error)
    if interview is not None:
        messages.success(
            request, _("%(name)s takes part in the conversation now.") % {"name": interview.person.full_name}
        )
        return redirect(reverse("conversations:conversation", args=[conversation.pk]) + f"#interview-{interview.pk}")
    _audit_view(request, conversation, [p.pk for p in waiting], page="member_add")
    invalid = bool(present_form.errors or new_form.errors)
    return render(
        request,
        "conversations/member_add.html",
        {"conversation": conversation, "present_form": present_form, "new_form": new_form, "waiting": waiting},
        status=422 if invalid else 200,
    )


# --- Meldcode ----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def meldcode(request, pk: int):
    _require_case_role(request, "conversations.conversation", pk)
    try:
        conversation = selectors.conversation_for(request.user, pk)
    except Conversation.DoesNotExist:
        raise deny_not_found(request, "conversations.conversation", pk) from None
    persons = selectors.interviewed_persons(conversation)
    form = MeldcodeForm(request.POST or None, persons=persons, on=conversation.held_on, auto_id="meldcode-%s")
    if request.method == "POST" and form.is_valid():
        services.meldcode_raise(
            acting_user=request.user,
            conversation=conversation,
            kind=form.cleaned_data["kind"],
            persons=form.selected_persons(),
        )
        messages.warning(request, _("The meldcode signal was recorded. The case managers have been alerted."))
        return redirect(reverse("conversations:conversation", args=[conversation.pk]) + "#meldcode-flags")
    _audit_view(request, conversation, [p.pk for p in persons], page="meldcode")
    return render(
        request,
        "conversations/meldcode.html",
        {"conversation": conversation, "form": form},
        status=422 if form.errors else 200,
    )


# --- Proposed help trajectories ---------------------------------------------------------------------


@login_required
@require_GET
def proposals(request):
    if not access.may_list_proposals(request.user):
        raise deny_forbidden(request, "view:proposals")
    status = request.GET.get("status", "")
    if status not in ProposalStatus.values:
        status = ""
    page = Paginator(selectors.proposals_for(request.user, status=status), PROPOSALS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = list(page.object_list)
    audit.record(
        actor=request.user,
        action=AuditAction.LIST,
        object_type="conversations.proposal",
        person_ids=[p.person_id for p in rows],
        purpose="trajectories",
        detail={"status": status, "page": page.number},
    )
    return render(
        request,
        "conversations/proposals.html",
        {
            "page": page,
            "rows": rows,
            "status": status,
            "statuses": ProposalStatus.choices,
            "query": f"status={status}" if status else "",
            "sees_all": access.sees_all_proposals(request.user),
        },
    )
