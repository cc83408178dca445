"""Retention (AVG art. 5(1)(e)): a period per kind of record, applied by `stijging tick`.

A round starts as a dry run: the tick counts, per kind, what has expired on a fixed reference date
and asks the privacy officer to approve. Once approved, each tick applies up to a batch per kind
(anonymise free text, delete what nothing needs, anonymise persons with nothing left to keep), adding
up what it did, until nothing that was expired on the reference date is left. What the figures count
(dates, statuses, scores, links) stays; an objection (art. 21) and the do-not-contact list stay too:
an attempt that recorded an objection is never deleted.

Like `subject.py`, this module reaches the other apps' tables inside its functions only.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone

from . import audit
from .models import (
    AuditAction,
    AuditEvent,
    RetentionKind,
    RetentionPolicy,
    RetentionRun,
    RetentionRunStatus,
    SubjectExport,
)
from .services import add_months

# Defaults in months, with their reasoning in docs/decisions/0006-privacy-desk-and-retention.md.
DEFAULT_MONTHS: dict[str, int] = {
    RetentionKind.CONTACTS: 12,
    RetentionKind.CONVERSATIONS: 60,
    RetentionKind.TRAJECTORIES: 60,
    RetentionKind.REFERRALS: 60,
    RetentionKind.PARTICIPANTS: 24,
    RetentionKind.ADDRESS_NOTES: 24,
    RetentionKind.AUDIT_EVENTS: 60,
    RetentionKind.EXPORTS: 1,
}
# Rows per kind per tick: a tick's statements stay short, so the pages keep their latency.
BATCH = 500
# Persons are anonymised one by one (about twenty statements, ~75 ms each on PostgreSQL): ten keep a
# batch's transaction near a second (benchmarks/retention.py measured 3.9 s for 25 under load).
PERSON_BATCH = 10
# A tick stops taking new batches after this many seconds; the next one continues.
BUDGET_SECONDS = 20.0
PERSONS = "persons"


def months_for(kind: str) -> int:
    policy = RetentionPolicy.objects.filter(kind=kind).values_list("months", flat=True).first()
    return policy if policy is not None else DEFAULT_MONTHS[kind]


def cutoffs(reference: datetime.date) -> dict[str, datetime.date]:
    periods = dict(RetentionPolicy.objects.values_list("kind", "months"))
    return {kind: add_months(reference, -periods.get(kind, default)) for kind, default in DEFAULT_MONTHS.items()}


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@dataclass(frozen=True)
class Step:
    """One kind of expired record: the rows still to do, and what to do with a batch of their ids."""

    name: str
    pending: Callable[[dict[str, datetime.date]], QuerySet]
    apply: Callable[[list[int]], int]
    batch: int = BATCH


def _contacts_attempts(c):
    from stijging.outreach.models import ContactAttempt, Outcome

    # An objection is the do-not-contact list's source: it stays whatever its age.
    return ContactAttempt.objects.filter(date__lt=c[RetentionKind.CONTACTS]).exclude(outcome=Outcome.OBJECTED)


def _contacts_attempts_apply(ids):
    from stijging.outreach.models import ContactAttempt

    return ContactAttempt.objects.filter(pk__in=ids).delete()[0]


def _contacts_appointments(c):
    from stijging.outreach.models import Appointment

    return Appointment.objects.filter(starts_at__lt=_start_of(c[RetentionKind.CONTACTS]))


def _contacts_appointments_apply(ids):
    from stijging.outreach.models import Appointment

    return Appointment.objects.filter(pk__in=ids).delete()[0]


def _held_persons():
    """Persons whose records retention leaves alone whatever their age: an open trajectory (the
    work goes on), an active restriction (art. 18: storage is exactly what is asked) or an open
    request (it is about these records)."""
    from stijging.trajectories.models import Trajectory

    from .models import Restriction, SubjectRequest

    return (
        Q(Exists(Trajectory.objects.not_closed().filter(person=OuterRef("person_id"))))
        | Q(Exists(Restriction.objects.active().filter(person=OuterRef("person_id"))))
        | Q(Exists(SubjectRequest.objects.open().filter(person=OuterRef("person_id"))))
    )


def _interviews(c):
    from stijging.conversations.models import DomainAnswer, Interview, MeldcodeSignal

    from .subject import MELDCODE_HOLD_YEARS

    texts = DomainAnswer.objects.filter(interview=OuterRef("pk")).filter(~Q(note="") | ~Q(help_question_text=""))
    meldcode_since = timezone.now() - datetime.timedelta(days=round(365.25 * MELDCODE_HOLD_YEARS))
    return (
        Interview.objects.filter(conversation__held_on__lt=c[RetentionKind.CONVERSATIONS])
        .filter(~Q(note="") | Q(Exists(texts)))
        .exclude(_held_persons())
        .exclude(
            Exists(
                MeldcodeSignal.objects.filter(conversation=OuterRef("conversation_id"), raised_at__gte=meldcode_since)
            )
        )
    )


def _interviews_apply(ids):
    from stijging.conversations.models import DomainAnswer, Interview, Proposal

    DomainAnswer.objects.filter(interview_id__in=ids).update(note="", help_question_text="")
    Proposal.objects.filter(answer__interview_id__in=ids).exclude(status="open").update(question="")
    return Interview.objects.filter(pk__in=ids).update(note="")


def _housing(c):
    from stijging.conversations.models import HousingAnswer

    return HousingAnswer.objects.filter(conversation__held_on__lt=c[RetentionKind.CONVERSATIONS]).filter(
        ~Q(defects_note="") | ~Q(move_reason="") | ~Q(neighbour_note="")
    )


def _housing_apply(ids):
    from stijging.conversations.models import HousingAnswer

    return HousingAnswer.objects.filter(pk__in=ids).update(defects_note="", move_reason="", neighbour_note="")


def _trajectories(c):
    from stijging.trajectories.models import Goal, JournalNote, Trajectory

    closed = Trajectory.objects.filter(status="closed", closed_at__lt=_start_of(c[RetentionKind.TRAJECTORIES])).exclude(
        _held_persons()
    )
    return closed.filter(
        ~Q(outcome_text="")
        | Q(Exists(Goal.objects.filter(trajectory=OuterRef("pk")).exclude(target="")))
        | Q(Exists(JournalNote.objects.filter(trajectory=OuterRef("pk"))))
    )


def _trajectories_apply(ids):
    from stijging.trajectories.models import Action, Goal, JournalNote, Trajectory

    Goal.objects.filter(trajectory_id__in=ids).update(target="")
    Action.objects.filter(trajectory_id__in=ids).update(description="")
    JournalNote.objects.filter(trajectory_id__in=ids).delete()
    Trajectory.objects.filter(pk__in=ids).update(outcome_text="")
    return len(ids)


def _referrals(c):
    from stijging.referrals.models import Referral

    return (
        Referral.objects.filter(closed_at__lt=_start_of(c[RetentionKind.REFERRALS]))
        .exclude(question="", code_text="")
        .exclude(_held_persons())
    )


def _referrals_apply(ids):
    from stijging.referrals.models import Referral, ReferralEvent

    ReferralEvent.objects.filter(referral_id__in=ids).update(code_text="")
    return Referral.objects.filter(pk__in=ids).update(question="", code_text="")


def _participants(c):
    from stijging.cohesion.models import Participant

    from .subject import ANONYMISED_NAME

    cutoff = c[RetentionKind.PARTICIPANTS]
    return (
        Participant.objects.exclude(name=ANONYMISED_NAME)
        .filter(created_at__lt=_start_of(cutoff))
        .annotate(last_hours=Max("hours__date"))
        .filter(Q(last_hours__isnull=True) | Q(last_hours__lt=cutoff))
    )


def _participants_apply(ids):
    from stijging.cohesion.models import Participant

    from .subject import ANONYMISED_NAME

    return Participant.objects.filter(pk__in=ids).update(
        name=ANONYMISED_NAME, phone="", email="", parent_name="", note="", person=None
    )


def _address_notes(c):
    from stijging.outreach.models import AddressNote

    return AddressNote.objects.filter(updated_at__lt=_start_of(c[RetentionKind.ADDRESS_NOTES]))


def _address_notes_apply(ids):
    from stijging.outreach.models import AddressNote

    return AddressNote.objects.filter(pk__in=ids).delete()[0]


def _exports(c):
    return SubjectExport.objects.filter(request__closed_at__lt=_start_of(c[RetentionKind.EXPORTS]))


def _exports_apply(ids):
    return SubjectExport.objects.filter(pk__in=ids).delete()[0]


def _audit_events(c):
    # Only sealed events: the chain must have covered an event before it may go.
    return AuditEvent.objects.filter(
        created_at__lt=_start_of(c[RetentionKind.AUDIT_EVENTS]), seal_seq__isnull=False
    ).order_by("seal_seq")


def _audit_events_apply(ids):
    return audit_events_expire(ids)


def _persons(c):
    """Persons with nothing left to keep: not living in a programme's area any more, no record
    younger than the longest period of the case records, not anonymised, no legal hold."""
    from stijging.conversations.models import Interview, MeldcodeSignal
    from stijging.referrals.models import Referral
    from stijging.registry.models import HouseholdMembership, Person
    from stijging.trajectories.models import Measurement, Trajectory

    from .models import Restriction, SubjectRequest
    from .subject import MELDCODE_HOLD_YEARS

    cutoff = min(c[RetentionKind.CONVERSATIONS], c[RetentionKind.TRAJECTORIES], c[RetentionKind.REFERRALS])
    person = OuterRef("pk")
    meldcode_since = timezone.now() - datetime.timedelta(days=round(365.25 * MELDCODE_HOLD_YEARS))
    return (
        Person.objects.filter(anonymised_at__isnull=True, created_at__lt=_start_of(cutoff))
        .exclude(
            Exists(
                HouseholdMembership.objects.filter(person=person).filter(
                    Q(end_date__isnull=True) | Q(end_date__gte=cutoff)
                )
            )
        )
        .exclude(Exists(Interview.objects.filter(person=person, conversation__held_on__gte=cutoff)))
        .exclude(
            Exists(
                Trajectory.objects.filter(person=person).filter(
                    Q(closed_at__isnull=True) | Q(closed_at__gte=_start_of(cutoff))
                )
            )
        )
        .exclude(
            Exists(
                Referral.objects.filter(person=person).filter(
                    Q(closed_at__isnull=True) | Q(closed_at__gte=_start_of(cutoff))
                )
            )
        )
        .exclude(Exists(Measurement.objects.filter(person=person, measured_on__gte=cutoff)))
        .exclude(Exists(MeldcodeSignal.objects.filter(persons=person, raised_at__gte=meldcode_since)))
        .exclude(Exists(SubjectRequest.objects.open().filter(person=person)))
        .exclude(Exists(Restriction.objects.active().filter(person=person)))
    )


def _persons_apply(ids):
    from .subject import anonymise_person

    for person_id in ids:
        counts = anonymise_person(person_id)
        audit.record(
            actor=None,
            action=AuditAction.ANONYMISE,
            object_type="registry.person",
            object_id=person_id,
            person_ids=[person_id],
            purpose="retention",
            detail={"counts": counts},
        )
    return len(ids)


STEPS: list[Step] = [
    Step("contact_attempts", _contacts_attempts, _contacts_attempts_apply),
    Step("appointments", _contacts_appointments, _contacts_appointments_apply),
    Step("interviews", _interviews, _interviews_apply),
    Step("housing_answers", _housing, _housing_apply),
    Step("trajectories", _trajectories, _trajectories_apply),
    Step("referrals", _referrals, _referrals_apply),
    Step("participants", _participants, _participants_apply),
    Step("address_notes", _address_notes, _address_notes_apply),
    Step(PERSONS, _persons, _persons_apply, batch=PERSON_BATCH),
    Step("exports", _exports, _exports_apply),
    Step("audit_events", _audit_events, _audit_events_apply),
]


def dry_run(reference: datetime.date) -> dict[str, int]:
    """How many records of each step have expired on the reference date (counts only)."""
    c = cutoffs(reference)
    return {step.name: step.pending(c).order_by().count() for step in STEPS}


@transaction.atomic
def audit_events_expire(ids: list[int]) -> int:
    """The one way audit events are ever deleted: sealed events past their retention, oldest first.
    Before deleting, it records the seal number and hash the remaining chain continues from, as an
    audit event of its own, so `audit.verify()` can still check every event that is left and an
    expiry is never mistaken for tampering."""
    events = list(AuditEvent.objects.filter(pk__in=ids, seal_seq__isnull=False).order_by("seal_seq"))
    if not events:
        return 0
    last = events[-1]
    # Delete only a contiguous start of the chain: an event may go only with all sealed before it.
    first_left = (
        AuditEvent.objects.filter(seal_seq__isnull=False)
        .order_by("seal_seq")
        .values_list("seal_seq", flat=True)
        .first()
    )
    if first_left is None or events[0].seal_seq != first_left:
        return 0
    audit.record(
        actor=None,
        action=AuditAction.DELETE,
        object_type="privacy.auditevent",
        purpose="retention",
        detail={audit.EXPIRY_KEY: {"seal_seq": last.seal_seq, "seal_hash": last.seal_hash}},
    )
    expiring = AuditEvent.objects.filter(seal_seq__lte=last.seal_seq, seal_seq__isnull=False)
    if connection.vendor == "postgresql":
        # The append-only trigger (migration privacy 0005) lets a delete through only inside this
        # transaction's own door: sealed events older than the moment set here, which must itself lie
        # a year or more in the past. Any retention period shorter than that is refused by the
        # database, whatever an admin sets.
        newest = expiring.aggregate(newest=Max("created_at"))["newest"]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('stijging.audit_retention_before', %s, true)",
                [(newest + datetime.timedelta(microseconds=1)).isoformat()],
            )
    return expiring.delete()[0]


# --- The tick's part ----------------------------------------------------------------------------


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(5117)")


def propose(today: datetime.date | None = None) -> RetentionRun | None:
    """Once a day, when no round is waiting or running: count what has expired and ask the privacy
    officers to approve."""
    today = today or timezone.localdate()
    with transaction.atomic():
        _lock()
        busy = RetentionRun.objects.filter(
            status__in=(RetentionRunStatus.PROPOSED, RetentionRunStatus.APPROVED)
        ).exists()
        if busy or RetentionRun.objects.filter(reference_date=today).exists():
            return None
        planned = dry_run(today)
        if not any(planned.values()):
            return None
        run = RetentionRun.objects.create(reference_date=today, planned=planned)
    _notify_privacy_officers(run)
    return run


def _notify_privacy_officers(run: RetentionRun) -> None:
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from stijging.accounts import notifications
    from stijging.accounts.models import User

    link = notifications.absolute_link(reverse("privacy:retention"))
    for user_id, email in (
        User.objects.filter(is_active=True, memberships__role="privacy_officer").distinct().values_list("pk", "email")
    ):
        notifications.queue(
            to=email,
            subject=_("Retention: a dry run waits for your approval"),
            body=_("Stijging counted the records whose retention period has ended. Check and approve:\n%(link)s")
            % {"link": link},
            dedup_key=f"retention:{run.pk}:{user_id}",
        )


def apply(budget_seconds: float = BUDGET_SECONDS) -> dict[str, int]:
    """Apply the approved round in bounded batches; mark it done when nothing is left."""
    started = time.monotonic()
    run = RetentionRun.objects.filter(status=RetentionRunStatus.APPROVED).order_by("created_at").first()
    if run is None:
        return {}
    c = cutoffs(run.reference_date)
    this_tick: dict[str, int] = {}
    finished = True
    for step in STEPS:
        while True:
            if time.monotonic() - started > budget_seconds:
                finished = False
                break
            with transaction.atomic():
                _lock()
                ids = list(step.pending(c).order_by("pk").values_list("pk", flat=True)[: step.batch])
                if not ids:
                    break
                n = step.apply(ids)
                this_tick[step.name] = this_tick.get(step.name, 0) + n
                run.refresh_from_db(fields=["done"])
                run.done = {**run.done, step.name: run.done.get(step.name, 0) + n}
                RetentionRun.objects.filter(pk=run.pk).update(done=run.done)
            if len(ids) < step.batch:
                break
        if not finished:
            break
    if finished:
        # Together, so that a run killed in between does not leave a finished round without its event.
        with transaction.atomic():
            RetentionRun.objects.filter(pk=run.pk).update(status=RetentionRunStatus.DONE, finished_at=timezone.now())
            audit.record(
                actor=None,
                action=AuditAction.UPDATE,
                obj=run,
                purpose="retention",
                detail={"done": run.done},
            )
    return this_tick


def tick() -> dict[str, object]:
    run = propose()
    return {"proposed": run.pk if run else None, "applied": apply()}


@transaction.atomic
def retention_run_decide(*, acting_user, run: RetentionRun, approve: bool) -> RetentionRun:
    """The privacy officer approves (or not) what the dry run counted."""
    from django.core.exceptions import PermissionDenied, ValidationError
    from django.utils.translation import gettext as _

    if not acting_user.has_role("privacy_officer"):
        raise PermissionDenied
    status = RetentionRunStatus.APPROVED if approve else RetentionRunStatus.REJECTED
    if not RetentionRun.objects.filter(pk=run.pk, status=RetentionRunStatus.PROPOSED).update(
        status=status, decided_by=acting_user, decided_at=timezone.now()
    ):
        raise ValidationError(_("This retention run was decided before."))
    run.refresh_from_db()
    audit.record(actor=acting_user, action=AuditAction.UPDATE, obj=run, purpose="retention", detail={"status": status})
    return run
