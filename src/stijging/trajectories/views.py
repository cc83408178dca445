"""Trajectory screens. Thin: parse a form, fetch through a scoped selector, call one service, render."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from stijging.accounts.models import User
from stijging.conversations.models import Proposal
from stijging.core.views_toolkit import record_read, run_service_on_button, run_service_on_form, visible_or_404
from stijging.links import row_link
from stijging.privacy import audit
from stijging.privacy.access import deny_forbidden, deny_not_found, login_required
from stijging.privacy.models import AuditAction
from stijging.registry import selectors as registry_selectors

from . import access, panels, selectors, services, states
from .forms import (
    ActionForm,
    ActionStatusForm,
    GoalForm,
    HandOverForm,
    MeasurementForm,
    NoteForm,
    TrajectoryOpenForm,
    TransitionForm,
)
from .models import DEFAULT_FOLLOW_UP_DAYS, ActionStatus, Trajectory


def _managed_trajectory(request, pk: int) -> Trajectory:
    """The trajectory a POST acts on: scoped, without the page's prefetches, and only for one who
    manages its programme (else a 404, audited)."""
    return visible_or_404(
        request,
        selectors.trajectory_for,
        pk,
        "trajectories.trajectory",
        allowed=access.may_read_trajectories(request.user),
        permits=lambda trajectory: access.may_manage(request.user, trajectory.programme_id),
    )


# --- Opening --------------------------------------------------------------------------------------


def _open(request, person, proposal: Proposal | None):
    programme_id = selectors.programme_of_person(request.user, person)
    if programme_id is None:
        raise deny_not_found(request, "registry.person", person.pk)
    case_managers = selectors.case_managers_of(programme_id)
    initial = {"follow_up_interval_days": DEFAULT_FOLLOW_UP_DAYS}
    if access.may_manage(request.user, programme_id):
        initial["case_manager"] = request.user.pk
    form = TrajectoryOpenForm(request.POST or None, case_managers=case_managers, initial=initial)
    if request.method == "POST":
        opened = run_service_on_form(
            request,
            form,
            lambda data: services.trajectory_open(
                acting_user=request.user,
                person=person,
                programme_id=programme_id,
                case_manager=data["case_manager"],
                follow_up_interval_days=data["follow_up_interval_days"],
                proposal=proposal,
                legal_ground=data["legal_ground"],
            ),
            success=_("The trajectory was opened."),
            then=lambda trajectory: redirect("trajectories:trajectory", pk=trajectory.pk),
        )
        if opened:
            return opened
    record_read(request, person, purpose="trajectory")
    return render(
        request,
        "trajectories/open.html",
        {"form": form, "person": person, "proposal": proposal},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def open_for_person(request, pk: int):
    if not access.may_open_trajectories(request.user):
        raise deny_not_found(request, "registry.person", pk)
    return _open(request, visible_or_404(request, selectors.person_for, pk, "registry.person"), None)


@login_required
@require_http_methods(["GET", "POST"])
def open_from_proposal(request, pk: int):
    if not access.may_open_trajectories(request.user):
        raise deny_not_found(request, "conversations.proposal", pk)
    try:
        proposal = selectors.open_proposal_for(request.user, pk)
    except Proposal.DoesNotExist:
        if selectors.proposal_exists_for(request.user, pk):
            messages.info(request, _("This proposal has already been taken up or declined."))
            return redirect("conversations:proposals")
        raise deny_not_found(request, "conversations.proposal", pk) from None
    return _open(request, proposal.person, proposal)


# --- The trajectory page --------------------------------------------------------------------------


def _page_context(request, trajectory: Trajectory, **forms) -> dict:
    manages = access.may_manage(request.user, trajectory.programme_id)
    owners = selectors.programme_colleagues(trajectory.programme_id)
    domains = selectors.current_domains_qs()
    context = {
        "trajectory": trajectory,
        "person": trajectory.person,
        "goals": list(trajectory.goals.all()),
        "actions": list(trajectory.actions.all()),
        "notes": list(trajectory.notes.all()),
        "events": list(trajectory.events.all()),
        "manages": manages,
        "panels": panels.trajectory_panels(request.user, trajectory),
        "today": timezone.localdate(),
        "action_statuses": ActionStatus.choices,
        "volunteering": selectors.volunteering_hint(trajectory) if manages else None,
        "baseline_revisions": selectors.baseline_revisions_of(trajectory.person),
    }
    # `restricted` is annotated by selectors.trajectory_page (AVG art. 18).
    if manages and not trajectory.is_closed and not trajectory.restricted:  # type: ignore[attr-defined]
        context["transition_form"] = forms.get("transition_form") or TransitionForm(
            initial={"version": trajectory.version}, next_statuses=states.next_statuses(trajectory.status)
        )
        # After a move only closing is left (decision 0003): no forms the services would refuse.
        context["moved_away"] = not registry_selectors.person_lives_in_programme(
            trajectory.person_id, trajectory.programme_id
        )
        if not context["moved_away"]:
            context.update(
                goal_form=forms.get("goal_form") or GoalForm(domains=domains),
                action_form=forms.get("action_form") or ActionForm(owners=owners, initial={"owner": request.user.pk}),
                note_form=forms.get("note_form") or NoteForm(),
            )
    return context


@login_required
def trajectory_detail(request, pk: int):
    trajectory = visible_or_404(
        request,
        selectors.trajectory_page,
        pk,
        "trajectories.trajectory",
        allowed=access.may_read_trajectories(request.user),
    )
    record_read(request, trajectory, purpose="trajectory")
    return render(request, "trajectories/trajectory.html", _page_context(request, trajectory))


def _rerender(request, trajectory_pk: int, **forms):
    trajectory = selectors.trajectory_page(request.user, trajectory_pk)
    record_read(request, trajectory, purpose="trajectory")
    return render(request, "trajectories/trajectory.html", _page_context(request, trajectory, **forms), status=400)


def _step(request, pk: int, form, service, *, success: str, form_name: str):
    """A step on the trajectory page: run it, back to the page; refused, the page again with the form."""
    done = run_service_on_form(
        request, form, service, success=success, then=lambda _result: redirect("trajectories:trajectory", pk=pk)
    )
    return done or _rerender(request, pk, **{form_name: form})


@login_required
@require_POST
def transition(request, pk: int):
    trajectory = _managed_trajectory(request, pk)
    return _step(
        request,
        pk,
        TransitionForm(request.POST, next_statuses=states.next_statuses(trajectory.status)),
        lambda data: services.trajectory_transition(
            acting_user=request.user,
            trajectory=trajectory,
            version=data["version"],
            to_status=data["to_status"],
            outcome=data["outcome"],
            outcome_text=data["outcome_text"],
        ),
        success=_("The status was changed."),
        form_name="transition_form",
    )


@login_required
@require_POST
def goal_add(request, pk: int):
    trajectory = _managed_trajectory(request, pk)
    return _step(
        request,
        pk,
        GoalForm(request.POST, domains=selectors.current_domains_qs()),
        lambda data: services.goal_add(acting_user=request.user, trajectory=trajectory, **data),
        success=_("The goal was added."),
        form_name="goal_form",
    )


@login_required
@require_POST
def action_add(request, pk: int):
    trajectory = _managed_trajectory(request, pk)
    return _step(
        request,
        pk,
        ActionForm(request.POST, owners=selectors.programme_colleagues(trajectory.programme_id)),
        lambda data: services.action_add(acting_user=request.user, trajectory=trajectory, **data),
        success=_("The action was added."),
        form_name="action_form",
    )


@login_required
@require_POST
def action_status(request, pk: int):
    action = visible_or_404(
        request,
        selectors.action_for,
        pk,
        "trajectories.action",
        allowed=access.may_read_trajectories(request.user),
        permits=lambda action: access.may_manage(request.user, action.trajectory.programme_id),
    )
    form = ActionStatusForm(request.POST)
    if not form.is_valid():
        return _rerender(request, action.trajectory_id)
    return run_service_on_button(
        request,
        lambda: services.action_set_status(
            acting_user=request.user,
            action=action,
            version=form.cleaned_data["version"],
            status=form.cleaned_data["status"],
        ),
        success=_("The action was updated."),
        then=redirect("trajectories:trajectory", pk=action.trajectory_id),
    )


@login_required
@require_POST
def note_add(request, pk: int):
    trajectory = _managed_trajectory(request, pk)
    return _step(
        request,
        pk,
        NoteForm(request.POST),
        lambda data: services.journal_note_add(acting_user=request.user, trajectory=trajectory, text=data["text"]),
        success=_("The note was added."),
        form_name="note_form",
    )


# --- Measurements ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def measurement(request, pk: int):
    if not access.has_caseload(request.user):
        raise deny_not_found(request, "registry.person", pk)
    person = visible_or_404(request, selectors.person_for, pk, "registry.person")
    programme_id = selectors.programme_of_person(request.user, person)
    if programme_id is None or not access.may_manage(request.user, programme_id):
        raise deny_not_found(request, "registry.person", pk)
    domains = [d for d in selectors.current_domains() if d.applies_to(person.age)]
    baseline = selectors.baseline_of(person, programme_id)
    form = MeasurementForm(request.POST or None, domains=domains)

    def record(data):
        rung, rung_non_answer = form.split(data["rung"])
        return services.measurement_record(
            acting_user=request.user,
            person=person,
            programme_id=programme_id,
            measured_on=data["measured_on"],
            rung=rung,
            rung_non_answer=rung_non_answer,
            scores=[services.ScoreInput(d, *form.split(data[f"domain_{d.code}"])) for d in domains],
        )

    if request.method == "POST":
        recorded = run_service_on_form(
            request,
            form,
            record,
            success=_("The follow-up measurement was recorded."),
            then=lambda _result: redirect("trajectories:measurement", pk=person.pk),
        )
        if recorded:
            return recorded
    history = selectors.measurements_of(request.user, person)
    record_read(request, person, purpose="measurement")
    rows = [
        {
            "field": form[f"domain_{d.code}"],
            "baseline": baseline.scores.get(d.pk),
            "latest": next((s.score for s in history[0].scores.all() if s.domain_id == d.pk), None)
            if history
            else None,
        }
        for d in domains
    ]
    return render(
        request,
        "trajectories/measurement.html",
        {
            "form": form,
            "person": person,
            "baseline": baseline,
            "rows": rows,
            "history": history,
            "latest": history[0] if history else None,
        },
        status=400 if form.errors else 200,
    )


# --- The caseload ---------------------------------------------------------------------------------


@login_required
def caseload(request):
    if not access.has_caseload(request.user):
        raise deny_forbidden(request, "view:caseload")
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        page = 1
    load = selectors.caseload_of(
        request.user, page=page, sort=request.GET.get("sort", "activity"), query=request.GET.get("q", "")
    )
    person_ids = {t.person_id for t in load.trajectories} | {a.person_id for a in load.overdue_actions}
    audit.record(
        actor=request.user,
        action=AuditAction.LIST,
        object_type="trajectories.caseload",
        person_ids=person_ids,
        purpose="trajectory",
    )
    return render(
        request,
        "trajectories/caseload.html",
        {
            "load": load,
            "panels": panels.caseload_panels(request.user),
            "today": timezone.localdate(),
            # Row links reversed once per page and filled in per row (the `fill` filter).
            "trajectory_url": row_link("trajectories:trajectory"),
            "measurement_url": row_link("trajectories:measurement"),
            "conversation_url": row_link("conversations:conversation"),
            "sorts": [
                ("activity", _("latest activity first")),
                ("quiet", _("longest without activity first")),
                ("name", _("name")),
                ("status", _("status")),
            ],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def hand_over(request):
    if not access.has_caseload(request.user):
        raise deny_forbidden(request, "view:hand_over")
    programme_ids = request.user.programme_ids_with(access.MANAGE_ROLES)
    colleagues = (
        User.objects.filter(
            is_active=True, memberships__programme_id__in=programme_ids, memberships__role="case_manager"
        )
        .exclude(pk=request.user.pk)
        .distinct()
        .order_by("first_name", "last_name", "email")
    )
    mine = selectors.open_trajectories_of(request.user, request.user)
    form = HandOverForm(request.POST or None, colleagues=colleagues, trajectories=mine)
    if request.method == "POST":
        handed_over = run_service_on_form(
            request,
            form,
            lambda data: services.caseload_hand_over(
                acting_user=request.user, trajectories=list(data["trajectories"]), to_user=data["to_user"]
            ),
            success=lambda moved: _("%(count)d trajectories were handed over.") % {"count": moved},
            then=lambda _moved: redirect("trajectories:caseload"),
        )
        if handed_over:
            return handed_over
    audit.record(
        actor=request.user,
        action=AuditAction.LIST,
        object_type="trajectories.caseload",
        person_ids=[t.person_id for t in mine],
        purpose="hand_over",
    )
    return render(request, "trajectories/hand_over.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def timeline(request, pk: int):
    """A person's file in order: conversations, trajectories and their steps, actions, measurements,
    journal notes and referrals."""
    if not access.has_caseload(request.user) and not request.user.has_role("fieldworker"):
        raise deny_not_found(request, "registry.person", pk)
    person = visible_or_404(request, selectors.person_for, pk, "registry.person")
    entries = selectors.timeline_of(request.user, person)
    record_read(request, person, purpose="timeline")
    return render(
        request,
        "trajectories/timeline.html",
        {"person": person, "entries": entries, "rise": selectors.rise_of(request.user, person)},
    )
