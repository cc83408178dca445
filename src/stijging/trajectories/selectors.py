"""Reused reads of trajectories, already scoped by `visible_to(user)` and already joined."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet, Subquery
from django.utils import timezone

from stijging.accounts.models import Role, User
from stijging.conversations.models import (
    Conversation,
    Domain,
    DomainAnswer,
    InstrumentVersion,
    Interview,
    MeldcodeSignal,
    Proposal,
    ProposalStatus,
)
from stijging.registry.models import HouseholdResidence, Person

from .models import INACTIVITY_DAYS, Action, ActionStatus, JournalNote, Measurement, Trajectory, TrajectoryEvent
from .states import TrajectoryStatus

CASELOAD_LIMIT = 50


def trajectory_for(user, pk: int) -> Trajectory:
    return Trajectory.objects.visible_to(user).select_related("person").get(pk=pk)


def trajectory_page(user, pk: int) -> Trajectory:
    """The trajectory with everything its page shows, in a fixed number of queries."""
    return (
        Trajectory.objects.visible_to(user)
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
    """The person's nulmeting: the rung and scores of their latest interview."""

    held_on: datetime.date | None
    rung: int | None
    rung_non_answer: str
    scores: dict[int, int | None]  # domain id → score (None: a non-answer)


def baseline_of(person: Person) -> Baseline:
    interview = (
        Interview.objects.filter(person=person)
        .select_related("conversation")
        .prefetch_related(
            Prefetch("domain_answers", queryset=DomainAnswer.objects.only("domain_id", "score", "interview_id"))
        )
        .order_by("-conversation__held_on", "-pk")
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


def measurements_of(user, person: Person) -> list[Measurement]:
    return list(
        Measurement.objects.visible_to(user).filter(person=person).select_related("by").prefetch_related("scores")
    )


# --- The caseload --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Caseload:
    trajectories: list[Trajectory]
    trajectories_total: int
    overdue_actions: list[Action]
    measurements_due: list[Trajectory]
    inactive: list[Trajectory]
    meldcode_signals: list[MeldcodeSignal]


def caseload_of(user, today: datetime.date | None = None) -> Caseload:
    """A case manager's caseload: one query per list (plus one count), whatever its size."""
    today = today or timezone.localdate()
    mine = Trajectory.objects.visible_to(user).filter(case_manager=user).not_closed()
    trajectories = list(mine.select_related("person").order_by("status", "-last_activity_at")[:CASELOAD_LIMIT])
    total = len(trajectories) if len(trajectories) < CASELOAD_LIMIT else mine.count()
    overdue_actions = list(
        Action.objects.filter(status=ActionStatus.OPEN, due_date__lt=today, trajectory__in=mine)
        .select_related("trajectory__person", "owner")
        .order_by("due_date", "id")[:CASELOAD_LIMIT]
    )
    measurements_due = list(
        mine.filter(next_measurement_on__lte=today)
        .select_related("person")
        .order_by("next_measurement_on")[:CASELOAD_LIMIT]
    )
    quiet_since = timezone.now() - datetime.timedelta(days=INACTIVITY_DAYS)
    inactive = list(
        mine.filter(last_activity_at__lt=quiet_since)
        .select_related("person")
        .order_by("last_activity_at")[:CASELOAD_LIMIT]
    )
    signals = list(
        MeldcodeSignal.objects.filter(
            acknowledged_at__isnull=True, conversation__in=Conversation.objects.visible_to(user)
        )
        .select_related("conversation__household")
        .order_by("raised_at")[:CASELOAD_LIMIT]
    )
    return Caseload(trajectories, total, overdue_actions, measurements_due, inactive, signals)


def open_trajectories_of(user, owner: User) -> QuerySet[Trajectory]:
    return (
        Trajectory.objects.visible_to(user)
        .filter(
            case_manager=owner, status__in=[TrajectoryStatus.OPEN, TrajectoryStatus.ACTIVE, TrajectoryStatus.PAUSED]
        )
        .select_related("person")
        .order_by("person__family_name", "pk")
    )
