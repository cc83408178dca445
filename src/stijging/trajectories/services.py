"""Writes of the trajectories floor. Each is one transaction with its audit event (convention 2);
editable records carry a version and a stale save raises ConflictError (convention 6)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from stijging.accounts.models import CASE_ROLES, Role
from stijging.concurrency import ConflictError
from stijging.conversations.models import Proposal, ProposalStatus
from stijging.instruments.models import Domain, NonAnswer, RungNonAnswer
from stijging.privacy import audit
from stijging.privacy import services as privacy_services
from stijging.privacy.models import AuditAction, Consent, ConsentPurpose, LegalGround
from stijging.registry.access import require_person_still_in

from . import states
from .models import (
    Action,
    ActionStatus,
    Goal,
    JournalNote,
    Measurement,
    MeasurementScore,
    Trajectory,
    TrajectoryEvent,
)
from .states import ClosingOutcome, TrajectoryStatus

__all__ = ["ConflictError"]

PURPOSE = "trajectory"


def _is_case_manager(user, programme_id: int) -> bool:
    return bool(user.is_active and programme_id in user.programme_ids_with({Role.CASE_MANAGER}))


def _touch(trajectory: Trajectory) -> None:
    now = timezone.now()
    Trajectory.objects.filter(pk=trajectory.pk).update(last_activity_at=now)
    trajectory.last_activity_at = now


def _refuse_if_closed(trajectory: Trajectory) -> None:
    if trajectory.status == TrajectoryStatus.CLOSED:
        raise ValidationError(_("This trajectory is closed."))
    privacy_services.refuse_if_restricted(trajectory.person_id)


def _refuse_if_moved_away(trajectory: Trajectory) -> None:
    """Once the person lives in another programme's area, the trajectory can only be closed (with a
    note and its actions wrapped up), nothing new is added (decision 0003)."""
    require_person_still_in(trajectory.person_id, trajectory.programme_id)


def _require_basis_for_help(person, legal_ground: LegalGround | None) -> None:
    """Help is given on the person's consent to receive it (a parent's under 16), or on a ground from
    the privacy officer's closed list — never on nothing."""
    if legal_ground is not None:
        if not legal_ground.active:
            raise ValidationError({"legal_ground": _("This legal ground is no longer in use.")})
        return
    if not Consent.objects.active().filter(person=person, purpose=ConsentPurpose.RECEIVE_HELP).exists():
        raise ValidationError(
            {
                "legal_ground": _(
                    "There is no consent to receive help for this person. Record the consent first, or "
                    "choose the legal ground the help rests on."
                )
            }
        )


def _audit(acting_user, action: str, obj, trajectory: Trajectory, **detail) -> None:
    audit.record(
        actor=acting_user,
        action=action,
        obj=obj,
        person_ids=[trajectory.person_id],
        purpose=PURPOSE,
        detail={"trajectory_id": trajectory.pk, **detail},
    )


@transaction.atomic
def trajectory_open(
    *,
    acting_user,
    person,
    programme_id: int,
    case_manager,
    follow_up_interval_days: int,
    proposal: Proposal | None = None,
    legal_ground: LegalGround | None = None,
) -> Trajectory:
    """Open a trajectory for a person, directly or from a proposal (which is then taken up)."""
    require_person_still_in(person.pk, programme_id)
    if programme_id not in acting_user.programme_ids_with(CASE_ROLES):
        raise ValidationError(_("You do not work in this programme."))
    privacy_services.refuse_if_restricted(person.pk)
    if not _is_case_manager(case_manager, programme_id):
        raise ValidationError({"case_manager": _("This user is not a case manager of the programme.")})
    _require_basis_for_help(person, legal_ground)
    if proposal is not None:
        if proposal.person_id != person.pk:
            raise ValidationError(_("This proposal is for another person."))
        # Conditional: of two case managers opening the same proposal at once, one wins.
        if not Proposal.objects.filter(pk=proposal.pk, status=ProposalStatus.OPEN).update(
            status=ProposalStatus.TAKEN_UP
        ):
            raise ValidationError(_("This proposal has already been taken up or declined."))
        proposal.status = ProposalStatus.TAKEN_UP
    now = timezone.now()
    trajectory = Trajectory.objects.create(
        person=person,
        programme_id=programme_id,
        case_manager=case_manager,
        legal_ground=legal_ground,
        follow_up_interval_days=follow_up_interval_days,
        next_measurement_on=timezone.localdate() + datetime.timedelta(days=follow_up_interval_days),
        source_proposal=proposal,
        opened_by=acting_user,
        opened_at=now,
        last_activity_at=now,
    )
    TrajectoryEvent.objects.create(
        trajectory=trajectory, from_status="", to_status=TrajectoryStatus.OPEN, by=acting_user
    )
    _audit(
        acting_user,
        AuditAction.CREATE,
        trajectory,
        trajectory,
        proposal_id=proposal.pk if proposal else None,
        case_manager_id=case_manager.pk,
    )
    return trajectory


@transaction.atomic
def trajectory_transition(
    *, acting_user, trajectory: Trajectory, version: int, to_status: str, outcome: str = "", outcome_text: str = ""
) -> Trajectory:
    """Move a trajectory along its state machine (states.TRANSITIONS); closing needs an outcome."""
    from_status = trajectory.status
    if not states.allowed(from_status, to_status):
        raise ValidationError(
            {
                "to_status": _("A trajectory cannot go from %(from)s to %(to)s.")
                % {"from": TrajectoryStatus(from_status).label, "to": TrajectoryStatus(to_status).label}
            }
        )
    if to_status != TrajectoryStatus.CLOSED:
        _refuse_if_moved_away(trajectory)
    outcome_text = outcome_text.strip()
    if to_status == TrajectoryStatus.CLOSED:
        if outcome not in ClosingOutcome.values:
            raise ValidationError({"outcome": _("Choose the outcome to close the trajectory.")})
        if outcome == ClosingOutcome.OTHER and not outcome_text:
            raise ValidationError({"outcome_text": _("Say in short what the outcome was.")})
        if outcome != ClosingOutcome.OTHER:
            outcome_text = ""
    else:
        outcome, outcome_text = "", ""
    now = timezone.now()
    changes = {
        "status": to_status,
        "outcome": outcome,
        "outcome_text": outcome_text[:200],
        "closed_at": now if to_status == TrajectoryStatus.CLOSED else None,
        "last_activity_at": now,
        "version": version + 1,
    }
    if not Trajectory.objects.filter(pk=trajectory.pk, version=version, status=from_status).update(**changes):
        raise ConflictError
    for name, value in changes.items():
        setattr(trajectory, name, value)
    TrajectoryEvent.objects.create(
        trajectory=trajectory, from_status=from_status, to_status=to_status, by=acting_user, at=now, outcome=outcome
    )
    _audit(
        acting_user,
        AuditAction.UPDATE,
        trajectory,
        trajectory,
        transition=f"{from_status}>{to_status}",
        outcome=outcome,
    )
    return trajectory


@transaction.atomic
def goal_add(*, acting_user, trajectory: Trajectory, domain: Domain, target: str, target_score: int) -> Goal:
    _refuse_if_closed(trajectory)
    _refuse_if_moved_away(trajectory)
    if not target.strip():
        raise ValidationError({"target": _("Describe the goal.")})
    if not 1 <= target_score <= 5:
        raise ValidationError({"target_score": _("A target score is between 1 and 5.")})
    goal = Goal.objects.create(trajectory=trajectory, domain=domain, target=target.strip(), target_score=target_score)
    _touch(trajectory)
    _audit(acting_user, AuditAction.CREATE, goal, trajectory, domain=domain.code)
    return goal


@transaction.atomic
def action_add(*, acting_user, trajectory: Trajectory, description: str, owner, due_date: datetime.date) -> Action:
    _refuse_if_closed(trajectory)
    _refuse_if_moved_away(trajectory)
    if not description.strip():
        raise ValidationError({"description": _("Describe the action.")})
    action = Action.objects.create(
        trajectory=trajectory, description=description.strip(), owner=owner, due_date=due_date
    )
    _touch(trajectory)
    _audit(acting_user, AuditAction.CREATE, action, trajectory, owner_id=owner.pk)
    return action


@transaction.atomic
def action_set_status(*, acting_user, action: Action, version: int, status: str) -> Action:
    if status not in ActionStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    trajectory = action.trajectory
    _refuse_if_closed(trajectory)
    done_at = timezone.now() if status == ActionStatus.DONE else None
    if not Action.objects.filter(pk=action.pk, version=version).update(
        status=status, done_at=done_at, version=version + 1
    ):
        raise ConflictError
    action.status, action.done_at, action.version = status, done_at, version + 1
    _touch(trajectory)
    _audit(acting_user, AuditAction.UPDATE, action, trajectory, status=status)
    return action


@transaction.atomic
def journal_note_add(*, acting_user, trajectory: Trajectory, text: str) -> JournalNote:
    if not text.strip():
        raise ValidationError({"text": _("Write the note.")})
    privacy_services.refuse_if_restricted(trajectory.person_id)
    note = JournalNote.objects.create(trajectory=trajectory, text=text.strip(), author=acting_user)
    _touch(trajectory)
    _audit(acting_user, AuditAction.CREATE, note, trajectory)
    return note


@dataclass(frozen=True)
class ScoreInput:
    domain: Domain
    score: int | None
    non_answer: str = ""


@transaction.atomic
def measurement_record(
    *,
    acting_user,
    person,
    programme_id: int,
    measured_on: datetime.date,
    rung: int | None,
    rung_non_answer: str = "",
    scores: list[ScoreInput],
) -> Measurement:
    """A follow-up measurement. A missing answer is never a score: each gap says why. Makes the next
    measurement of the person's open trajectories due one interval later."""
    require_person_still_in(person.pk, programme_id)
    privacy_services.refuse_if_restricted(person.pk)
    errors: dict[str, str] = {}
    if measured_on > timezone.localdate():
        errors["measured_on"] = _("A measurement cannot be dated in the future.")
    if (rung is None) == (not rung_non_answer):
        errors["rung"] = _("Choose a rung, or say why there is none.")
    elif rung is not None and not 1 <= rung <= 6:
        errors["rung"] = _("A rung is between 1 and 6.")
    elif rung_non_answer and rung_non_answer not in RungNonAnswer.values:
        errors["rung"] = _("Unknown reason.")
    for item in scores:
        if (item.score is None) == (not item.non_answer) or (
            item.non_answer and item.non_answer not in NonAnswer.values
        ):
            errors[f"domain_{item.domain.code}"] = _("Choose a score, or say why there is none.")
    if errors:
        raise ValidationError(errors)
    measurement = Measurement.objects.create(
        person=person,
        programme_id=programme_id,
        measured_on=measured_on,
        by=acting_user,
        rung=rung,
        rung_non_answer="" if rung is not None else rung_non_answer,
    )
    MeasurementScore.objects.bulk_create(
        [
            MeasurementScore(
                measurement=measurement,
                domain=item.domain,
                score=item.score,
                non_answer="" if item.score is not None else item.non_answer,
            )
            for item in scores
        ]
    )
    now = timezone.now()
    for trajectory in Trajectory.objects.filter(person=person).not_closed().only("pk", "follow_up_interval_days"):
        Trajectory.objects.filter(pk=trajectory.pk).update(
            next_measurement_on=measured_on + datetime.timedelta(days=trajectory.follow_up_interval_days),
            last_activity_at=now,
        )
    audit.record(
        actor=acting_user,
        action=AuditAction.CREATE,
        obj=measurement,
        person_ids=[person.pk],
        purpose=PURPOSE,
        detail={"domains": len(scores)},
    )
    return measurement


@transaction.atomic
def caseload_hand_over(*, acting_user, trajectories: list[Trajectory], to_user) -> int:
    """Hand trajectories to a colleague: each must be a case manager of the trajectory's programme."""
    if not trajectories:
        raise ValidationError({"trajectories": _("Choose the trajectories to hand over.")})
    for trajectory in trajectories:
        if not _is_case_manager(to_user, trajectory.programme_id):
            raise ValidationError({"to_user": _("This colleague is not a case manager of every programme concerned.")})
    moved = 0
    now = timezone.now()
    for trajectory in trajectories:
        from_id = trajectory.case_manager_id
        moved += Trajectory.objects.filter(pk=trajectory.pk).update(
            case_manager=to_user, version=F("version") + 1, last_activity_at=now
        )
        _audit(acting_user, AuditAction.UPDATE, trajectory, trajectory, handed_from=from_id, handed_to=to_user.pk)
    return moved


def trajectory_record_activity(*, trajectory: Trajectory) -> None:
    """Something happened around the trajectory on another floor (a referral): it is not inactive.
    No audit of its own: the caller's write is audited."""
    _touch(trajectory)
