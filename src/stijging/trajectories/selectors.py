"""Reused reads of trajectories, already scoped by `visible_to(user)` and already joined."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from stijging.accounts.models import Role, User
from stijging.cohesion.selectors import Volunteering, volunteering_of
from stijging.conversations.models import (
    BaselineRevision,
    Conversation,
    DomainAnswer,
    Interview,
    MeldcodeSignal,
    Proposal,
    ProposalStatus,
)
from stijging.instruments.models import Domain, InstrumentVersion, RungNonAnswer
from stijging.privacy.models import Restriction
from stijging.registry.models import HouseholdResidence, Person, full_name_of
from stijging.registry.selectors import person_programme_id

from .models import INACTIVITY_DAYS, Action, ActionStatus, JournalNote, Measurement, Trajectory, TrajectoryEvent
from .states import TrajectoryStatus

CASELOAD_LIMIT = 50


def trajectory_for(user, pk: int) -> Trajectory:
    return Trajectory.objects.visible_to(user).select_related("person").get(pk=pk)


def trajectory_page(user, pk: int) -> Trajectory:
    """The trajectory with everything its page shows, in a fixed number of queries."""
    return (
        Trajectory.objects.visible_to(user)
        # AVG art. 18: a restricted person's trajectory is read-only (the page says so, offers no form).
        .annotate(restricted=Exists(Restriction.objects.active().filter(person=OuterRef("person_id"))))
        .select_related("person", "programme", "case_manager", "source_proposal__domain")
        .prefetch_related(
            "goals__domain",
            Prefetch("actions", queryset=Action.objects.select_related("owner").order_by("status", "due_date", "id")),
            Prefetch("notes", queryset=JournalNote.objects.select_related("author")),
            Prefetch("events", queryset=TrajectoryEvent.objects.select_related("by")),
        )
        .get(pk=pk)
    )


def action_for(user, pk: int) -> Action:
    return Action.objects.select_related("trajectory").get(pk=pk, trajectory__in=Trajectory.objects.visible_to(user))


def open_proposal_for(user, pk: int) -> Proposal:
    """A proposal the user may see and that is still open, or Proposal.DoesNotExist."""
    return Proposal.objects.visible_to(user).select_related("person", "domain").get(pk=pk, status=ProposalStatus.OPEN)


def proposal_exists_for(user, pk: int) -> bool:
    return Proposal.objects.visible_to(user).filter(pk=pk).exists()


def person_for(user, pk: int) -> Person:
    return Person.objects.visible_to(user).get(pk=pk)


def programme_of_person(user, person: Person, on: datetime.date | None = None) -> int | None:
    """The programme (among the user's case programmes) where the person lives now, by their current
    household's current address; None when they live in none of them."""
    on = on or timezone.localdate()
    programme_ids = user.programme_ids_with({Role.FIELDWORKER, Role.CASE_MANAGER})
    residence = (
        HouseholdResidence.objects.filter(
            household__memberships__person=person,
            household__memberships__end_date__isnull=True,
            start_date__lte=on,
            address__area__programme_id__in=programme_ids,
        )
        .exclude(end_date__lte=on)
        .select_related("address__area")
        .order_by("-start_date")
        .first()
    )
    return residence.address.area.programme_id if residence else None


def case_managers_of(programme_id: int) -> QuerySet[User]:
    return (
        User.objects.filter(is_active=True, memberships__programme_id=programme_id, memberships__role=Role.CASE_MANAGER)
        .distinct()
        .order_by("first_name", "last_name", "email")
    )


def programme_colleagues(programme_id: int) -> QuerySet[User]:
    """Who may own an action: the case roles of the programme."""
    return (
        User.objects.filter(
            is_active=True,
            is_service_account=False,  # an API client's account owns no action
            memberships__programme_id=programme_id,
            memberships__role__in=[Role.CASE_MANAGER, Role.FIELDWORKER],
        )
        .distinct()
        .order_by("first_name", "last_name", "email")
    )


def current_domains_qs() -> QuerySet[Domain]:
    """The life domains of the newest published instrument version (one query when evaluated)."""
    newest = InstrumentVersion.objects.filter(published_at__isnull=False).order_by("-number").values("pk")[:1]
    return Domain.objects.filter(version_id=Subquery(newest)).order_by("order")


def current_domains() -> list[Domain]:
    return list(current_domains_qs())


@dataclass(frozen=True)
class Baseline:
    """The person's nulmeting (baseline): the rung and scores of their first interview."""

    held_on: datetime.date | None
    rung: int | None
    rung_non_answer: str
    scores: dict[int, int | None]  # domain id → score (None: a non-answer)

    @property
    def rung_non_answer_display(self) -> str:
        """Why there is no rung, in words (the stored code is never shown)."""
        return str(dict(RungNonAnswer.choices).get(self.rung_non_answer, "")) if self.rung_non_answer else ""


def baseline_of(person: Person, programme_id: int) -> Baseline:
    """The baseline is the programme's own: another programme's conversation is not its record."""
    interview = (
        Interview.objects.filter(person=person, conversation__programme_id=programme_id)
        .select_related("conversation")
        .prefetch_related(
            Prefetch("domain_answers", queryset=DomainAnswer.objects.only("domain_id", "score", "interview_id"))
        )
        .order_by("conversation__held_on", "pk")
        .first()
    )
    if interview is None:
        return Baseline(None, None, "", {})
    return Baseline(
        interview.conversation.held_on,
        interview.rung,
        interview.rung_non_answer,
        {a.domain_id: a.score for a in interview.domain_answers.all()},
    )


def first_measurement_on(person_id: int) -> datetime.date | None:
    """The day of the person's first follow-up measurement (not scoped: it only tells the
    conversation that its baseline is compared against, never what was measured)."""
    return (
        Measurement.objects.filter(person_id=person_id)
        .order_by("measured_on")
        .values_list("measured_on", flat=True)
        .first()
    )


def baseline_revisions_of(person: Person) -> list[BaselineRevision]:
    """Changes to the person's baseline made after a follow-up measurement, newest first."""
    return list(BaselineRevision.objects.filter(person=person).select_related("changed_by").order_by("-changed_at"))


def measurements_of(user, person: Person) -> list[Measurement]:
    return list(
        Measurement.objects.visible_to(user).filter(person=person).select_related("by").prefetch_related("scores")
    )


# --- The caseload --------------------------------------------------------------------------------


class CaseloadTrajectory(NamedTuple):
    """A trajectory row of the caseload: only the columns its lists show (no model instances)."""

    pk: int
    person_id: int
    person_name: str
    status: str
    status_label: str
    last_activity_at: datetime.datetime
    next_measurement_on: datetime.date | None


class CaseloadAction(NamedTuple):
    pk: int
    trajectory_id: int
    person_id: int
    person_name: str
    description: str
    due_date: datetime.date
    owner_name: str


class CaseloadSignal(NamedTuple):
    pk: int
    conversation_id: int
    household_name: str
    kind: str
    kind_label: str
    raised_at: datetime.datetime


@dataclass(frozen=True)
class Caseload:
    trajectories: list[CaseloadTrajectory]
    trajectories_total: int
    overdue_actions: list[CaseloadAction]
    measurements_due: list[CaseloadTrajectory]
    inactive: list[CaseloadTrajectory]
    meldcode_signals: list[CaseloadSignal]
    # The list of all trajectories pages, sorts and searches (the urgent lists above it do not).
    page: int = 1
    pages: int = 1
    sort: str = "activity"
    query: str = ""


def _labels(model, field: str) -> dict[str, str]:
    """A choice field's labels, translated once per call (not get_FOO_display per row)."""
    return {str(value): str(label) for value, label in model._meta.get_field(field).flatchoices}


_TRAJECTORY_COLUMNS = (
    "pk",
    "person_id",
    "person__given_names",
    "person__tussenvoegsel",
    "person__family_name",
    "status",
    "last_activity_at",
    "next_measurement_on",
)


def _trajectory_rows(queryset: QuerySet[Trajectory], labels: dict[str, str]) -> list[CaseloadTrajectory]:
    return [
        CaseloadTrajectory(
            pk, person_id, full_name_of(given, tussen, family), status, labels.get(status, status), at, due
        )
        for pk, person_id, given, tussen, family, status, at, due in queryset.values_list(*_TRAJECTORY_COLUMNS)
    ]


# How the list of all trajectories can be sorted (the urgent lists keep their own order).
CASELOAD_SORTS = {
    "activity": ("-last_activity_at", "pk"),
    "quiet": ("last_activity_at", "pk"),
    "name": ("person__family_name", "person__given_names", "pk"),
    "status": ("status", "-last_activity_at", "pk"),
}


def caseload_of(
    user, today: datetime.date | None = None, *, page: int = 1, sort: str = "activity", query: str = ""
) -> Caseload:
    """A case manager's caseload: one query per list (plus one count), whatever its size. The rows
    are tuples of the shown columns, not model instances: at region scale building ~800 instances
    per page cost more than the SQL. The list of all trajectories comes a page at a time, sorted and
    optionally narrowed to a name."""
    today = today or timezone.localdate()
    mine = Trajectory.objects.visible_to(user).filter(case_manager=user).not_closed()
    status_labels = _labels(Trajectory, "status")
    sort = sort if sort in CASELOAD_SORTS else "activity"
    query = query.strip()[:100]
    listed = mine
    for word in query.split():
        listed = listed.filter(Q(person__family_name__icontains=word) | Q(person__given_names__icontains=word))
    page = max(page, 1)
    offset = (page - 1) * CASELOAD_LIMIT
    trajectories = _trajectory_rows(
        listed.order_by(*CASELOAD_SORTS[sort])[offset : offset + CASELOAD_LIMIT], status_labels
    )
    # A first page that is not full is the whole list: no count needed.
    total = len(trajectories) if page == 1 and len(trajectories) < CASELOAD_LIMIT else listed.count()
    overdue_actions = [
        CaseloadAction(
            pk,
            trajectory_id,
            person_id,
            full_name_of(given, tussen, family),
            description,
            due_date,
            f"{first_name or ''} {last_name or ''}".strip() or (email or ""),
        )
        for pk, trajectory_id, person_id, given, tussen, family, description, due_date, first_name, last_name, email in (
            Action.objects.filter(status=ActionStatus.OPEN, due_date__lt=today, trajectory__in=mine)
            .order_by("due_date", "id")
            .values_list(
                "pk",
                "trajectory_id",
                "trajectory__person_id",
                "trajectory__person__given_names",
                "trajectory__person__tussenvoegsel",
                "trajectory__person__family_name",
                "description",
                "due_date",
                "owner__first_name",
                "owner__last_name",
                "owner__email",
            )[:CASELOAD_LIMIT]
        )
    ]
    measurements_due = _trajectory_rows(
        mine.filter(next_measurement_on__lte=today).order_by("next_measurement_on")[:CASELOAD_LIMIT], status_labels
    )
    quiet_since = timezone.now() - datetime.timedelta(days=INACTIVITY_DAYS)
    inactive = _trajectory_rows(
        mine.filter(last_activity_at__lt=quiet_since).order_by("last_activity_at")[:CASELOAD_LIMIT], status_labels
    )
    kind_labels = _labels(MeldcodeSignal, "kind")
    signals = [
        CaseloadSignal(pk, conversation_id, household_name, kind, kind_labels.get(kind, kind), raised_at)
        for pk, conversation_id, household_name, kind, raised_at in (
            MeldcodeSignal.objects.filter(
                acknowledged_at__isnull=True, conversation__in=Conversation.objects.visible_to(user)
            )
            .order_by("raised_at")
            .values_list("pk", "conversation_id", "conversation__household__name", "kind", "raised_at")[:CASELOAD_LIMIT]
        )
    ]
    pages = max(1, -(-total // CASELOAD_LIMIT))
    return Caseload(
        trajectories, total, overdue_actions, measurements_due, inactive, signals, min(page, pages), pages, sort, query
    )


def open_trajectories_of(user, owner: User) -> QuerySet[Trajectory]:
    return (
        Trajectory.objects.visible_to(user)
        .filter(
            case_manager=owner, status__in=[TrajectoryStatus.OPEN, TrajectoryStatus.ACTIVE, TrajectoryStatus.PAUSED]
        )
        .select_related("person")
        .order_by("person__family_name", "pk")
    )


# --- The person's file ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DomainChange:
    domain: Domain
    baseline: int | None
    latest: int | None

    @property
    def change(self) -> int | None:
        if self.baseline is None or self.latest is None:
            return None
        return self.latest - self.baseline


@dataclass(frozen=True)
class Rise:
    """Baseline → latest: the rung and each domain; "not applicable" shown as such, never hidden."""

    baseline: Baseline
    latest: Measurement | None
    domains: list[DomainChange]

    @property
    def rung_change(self) -> int | None:
        if self.latest is None or self.baseline.rung is None or self.latest.rung is None:
            return None
        return self.latest.rung - self.baseline.rung


def rise_of(user, person: Person, programme_id: int | None = None) -> Rise:
    """Baseline (first interview) → latest measurement, per domain matched by its code, so a newer
    instrument version still compares with the baseline's. `programme_id` is the person's programme
    when the caller has it already (registry.selectors.person_programme_id, two queries)."""
    # The person lives in one of the user's programmes (callers fetched them through visible_to):
    # that programme's baseline is the one to compare with.
    if programme_id is None:
        programme_id = person_programme_id(person.pk) or 0
    baseline = baseline_of(person, programme_id)
    history = measurements_of(user, person)
    latest = history[0] if history else None
    latest_scores = {s.domain_id: s.score for s in latest.scores.all()} if latest else {}
    codes = dict(Domain.objects.filter(pk__in=set(baseline.scores) | set(latest_scores)).values_list("pk", "code"))
    baseline_by_code = {codes[pk]: score for pk, score in baseline.scores.items() if pk in codes}
    latest_by_code = {codes[pk]: score for pk, score in latest_scores.items() if pk in codes}
    domains = [
        DomainChange(domain=d, baseline=baseline_by_code.get(d.code), latest=latest_by_code.get(d.code))
        for d in current_domains()
        if d.code in baseline_by_code or d.code in latest_by_code
    ]
    return Rise(baseline=baseline, latest=latest, domains=domains)


def trajectories_of_person(user, person: Person) -> list[Trajectory]:
    return list(
        Trajectory.objects.visible_to(user)
        .filter(person=person)
        .select_related("case_manager")
        .prefetch_related("goals__domain")
        .order_by("-opened_at")
    )


def trajectories_of_household(user, household) -> list[Trajectory]:
    """The current members' trajectories: the household's one plan."""
    return list(
        Trajectory.objects.visible_to(user)
        .filter(
            person__household_memberships__household=household, person__household_memberships__end_date__isnull=True
        )
        .select_related("person", "case_manager")
        .prefetch_related("goals__domain")
        .order_by("status", "person__date_of_birth")
        .distinct()
    )


@dataclass(frozen=True)
class TimelineEntry:
    when: datetime.date
    kind: str
    text: str
    url: str = ""


def timeline_of(user, person: Person) -> list[TimelineEntry]:
    """Conversations, trajectories and their steps, actions, measurements and journal notes of one
    person, newest first; the floor above adds its own (referrals) through panels.timeline."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from . import panels

    entries: list[TimelineEntry] = []
    for interview in Interview.objects.visible_to(user).filter(person=person).select_related("conversation"):
        entries.append(
            TimelineEntry(
                interview.conversation.held_on,
                "conversation",
                _("Living-room conversation"),
                reverse("conversations:conversation", args=[interview.conversation_id]),
            )
        )
    trajectories = list(
        Trajectory.objects.visible_to(user)
        .filter(person=person)
        .prefetch_related(
            Prefetch("events", queryset=TrajectoryEvent.objects.order_by("at")),
            Prefetch("actions", queryset=Action.objects.order_by("due_date")),
            Prefetch("notes", queryset=JournalNote.objects.select_related("author")),
            "goals__domain",
        )
    )
    for trajectory in trajectories:
        url = reverse("trajectories:trajectory", args=[trajectory.pk])
        for event in trajectory.events.all():
            entries.append(
                TimelineEntry(
                    timezone.localtime(event.at).date(),
                    "trajectory",
                    _("Trajectory: %(status)s") % {"status": event.get_to_status_display()},
                    url,
                )
            )
        for goal in trajectory.goals.all():
            entries.append(
                TimelineEntry(
                    timezone.localtime(goal.created_at).date(),
                    "goal",
                    _("Goal (%(domain)s): %(target)s") % {"domain": goal.domain.name, "target": goal.target},
                    url,
                )
            )
        for action in trajectory.actions.all():
            entries.append(
                TimelineEntry(
                    timezone.localtime(action.done_at).date() if action.done_at else action.due_date,
                    "action",
                    _("Action (%(status)s): %(text)s")
                    % {"status": action.get_status_display(), "text": action.description},
                    url,
                )
            )
        for note in trajectory.notes.all():
            entries.append(
                TimelineEntry(
                    timezone.localtime(note.created_at).date(),
                    "note",
                    _("Journal note by %(author)s") % {"author": note.author},
                    url,
                )
            )
    for measurement in measurements_of(user, person):
        entries.append(
            TimelineEntry(
                measurement.measured_on,
                "measurement",
                _("Follow-up measurement, rung %(rung)s")
                % {"rung": measurement.rung or measurement.get_rung_non_answer_display()},
                reverse("trajectories:measurement", args=[person.pk]),
            )
        )
    for source in panels.timeline:
        entries.extend(source(user, person))
    return sorted(entries, key=lambda e: e.when, reverse=True)


# --- Volunteering: a hint for the ladder ----------------------------------------------------------

UNPAID_WORK_RUNG = 4


def volunteering_hint(trajectory: Trajectory, today: datetime.date | None = None) -> Volunteering | None:
    """Regular volunteering (from the neighbourhood track, only where the person agreed to link their
    volunteer record) of a person whose last known rung is below 4 (onbetaald werk): a hint for the
    case manager, never a change of the rung — that takes a follow-up measurement."""
    volunteering = volunteering_of([trajectory.person_id], today).get(trajectory.person_id)
    if volunteering is None or not volunteering.regular:
        return None
    rung = (
        Measurement.objects.filter(person_id=trajectory.person_id, programme_id=trajectory.programme_id)
        .filter(rung__isnull=False)
        .order_by("-measured_on", "-pk")
        .values_list("rung", flat=True)
        .first()
    )
    if rung is None:
        rung = (
            Interview.objects.filter(person_id=trajectory.person_id, conversation__programme_id=trajectory.programme_id)
            .filter(rung__isnull=False)
            .order_by("-conversation__held_on", "-pk")
            .values_list("rung", flat=True)
            .first()
        )
    return None if rung is not None and rung >= UNPAID_WORK_RUNG else volunteering
