"""Writes of outreach. Each recomputes the household's derived status in the same transaction and
writes its audit event."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stijging.concurrency import ConflictError
from stijging.privacy import audit
from stijging.privacy.models import AuditAction
from stijging.registry.access import case_programme_for, require_household_not_restricted, require_still_lives_in
from stijging.registry.models import Address, Household, HouseholdMembership
from stijging.registry.selectors import household_programme_id

from . import status as status_rules
from .models import (
    AddressNote,
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    ContactAttempt,
    HouseholdOutreach,
    Outcome,
    OutreachStatus,
    RevisitReason,
)


def _member_ids(household: Household) -> list[int]:
    return list(
        HouseholdMembership.objects.filter(household=household, end_date__isnull=True).values_list(
            "person_id", flat=True
        )
    )


def recompute_status(household: Household) -> HouseholdOutreach:
    """Derive the status from the attempts and appointments (status.derive) and keep the result.

    Only the records of the programme the household lives in now count: a household that moved in
    from another programme's area has not been approached here yet. An objection (AVG art. 21) made
    anywhere stays respected."""
    programme_id = household_programme_id(household.pk)
    rows = ContactAttempt.objects.filter(household=household).values_list("date", "outcome", "id", "programme_id")
    facts = [
        status_rules.AttemptFact(date=d, outcome=o, order=i)
        for d, o, i, p in rows
        if p == programme_id or o == Outcome.OBJECTED
    ]
    planned = Appointment.objects.filter(
        programme_id__in=[programme_id] if programme_id is not None else [],
        household=household,
        status=AppointmentStatus.PLANNED,
        starts_at__gte=timezone.now() - datetime.timedelta(hours=12),
    ).exists()
    value = status_rules.derive(facts, has_planned_appointment=planned)
    row, _created = HouseholdOutreach.objects.update_or_create(
        household=household,
        defaults={
            "status": value,
            "attempts": len(facts),
            "last_attempt_on": max((f.date for f in facts), default=None),
            "do_not_contact": value == OutreachStatus.OBJECTED,
            "updated_at": timezone.now(),
        },
    )
    if value == OutreachStatus.OBJECTED:
        # An objection takes the household out of every agenda at once.
        Appointment.objects.filter(household=household, status=AppointmentStatus.PLANNED).update(
            status=AppointmentStatus.CANCELLED
        )
    return row


def _require_contactable(household: Household) -> None:
    state = HouseholdOutreach.objects.filter(household=household).first()
    if state is not None and state.do_not_contact:
        raise ValidationError(_("This household objected (AVG art. 21): it may not be contacted."))


@transaction.atomic
def attempt_record(
    *, acting_user, household: Household, date: datetime.date, channel: str, outcome: str, note: str = ""
) -> ContactAttempt:
    if date > timezone.localdate():
        raise ValidationError({"date": _("A contact attempt cannot be in the future.")})
    programme_id = case_programme_for(acting_user, household.pk)
    if outcome != Outcome.OBJECTED:
        # An objection is the resident stopping processing: always recorded.
        require_household_not_restricted(household.pk)
        _require_contactable(household)
    attempt = ContactAttempt.objects.create(
        household=household,
        programme_id=programme_id,
        date=date,
        channel=channel,
        outcome=outcome,
        worker=acting_user,
        note=note,
    )
    recompute_status(household)
    audit.record(
        actor=acting_user,
        action=AuditAction.CREATE,
        obj=attempt,
        person_ids=_member_ids(household),
        purpose="outreach",
        detail={"household_id": household.pk, "outcome": outcome},
    )
    return attempt


@transaction.atomic
def conversation_held(*, acting_user, household: Household, date: datetime.date, conversation_id: int) -> None:
    """A held conversation settles outreach (called by the conversations app)."""
    ContactAttempt.objects.create(
        household=household,
        programme_id=case_programme_for(acting_user, household.pk),
        date=date,
        channel="other",
        outcome=Outcome.HELD,
        worker=acting_user,
        note=f"conversation #{conversation_id}",
    )
    Appointment.objects.filter(
        household=household,
        status=AppointmentStatus.PLANNED,
        kind=AppointmentKind.VISIT,
        starts_at__date__lte=date,
    ).update(status=AppointmentStatus.DONE)
    recompute_status(household)


@transaction.atomic
def appointment_plan(
    *,
    acting_user,
    household: Household,
    worker,
    starts_at: datetime.datetime,
    duration_minutes: int = 60,
    kind: str = AppointmentKind.VISIT,
    reason: str = "",
    reason_category: str | None = None,
    note: str = "",
    source_conversation_id: int | None = None,
) -> Appointment:
    programme_id = case_programme_for(acting_user, household.pk)
    require_household_not_restricted(household.pk)
    _require_contactable(household)
    if kind == AppointmentKind.REVISIT and not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the revisit.")})
    if reason_category and reason_category not in RevisitReason.values:
        raise ValidationError({"reason_category": _("Choose the kind of reason for the revisit.")})
    appointment = Appointment.objects.create(
        household=household,
        programme_id=programme_id,
        worker=worker,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        kind=kind,
        reason=reason,
        reason_category=(reason_category or None) if kind == AppointmentKind.REVISIT else None,
        note=note,
        source_conversation_id=source_conversation_id,
    )
    recompute_status(household)
    audit.record(
        actor=acting_user,
        action=AuditAction.CREATE,
        obj=appointment,
        person_ids=_member_ids(household),
        purpose="outreach",
        detail={"household_id": household.pk, "kind": kind, "worker_id": worker.pk},
    )
    return appointment


def _happened_since(appointment: Appointment) -> bool:
    """Whether a contact attempt or another appointment was recorded for the household after this
    appointment was cancelled: then undoing the cancellation could plan the visit twice."""
    since = appointment.cancelled_at
    if since is None:
        return False
    return (
        ContactAttempt.objects.filter(household_id=appointment.household_id, created_at__gt=since).exists()
        or Appointment.objects.filter(household_id=appointment.household_id, created_at__gt=since)
        .exclude(pk=appointment.pk)
        .exists()
    )


@transaction.atomic
def appointment_set_status(*, acting_user, appointment: Appointment, version: int, status: str) -> Appointment:
    if status not in (AppointmentStatus.DONE, AppointmentStatus.CANCELLED, AppointmentStatus.PLANNED):
        raise ValidationError(_("Unknown status."))
    if status != AppointmentStatus.CANCELLED:
        # Cancelling stays possible after a move (the visit will not happen); nothing else does.
        require_still_lives_in(appointment.household_id, appointment.programme_id)
        require_household_not_restricted(appointment.household_id)
    if status == AppointmentStatus.PLANNED:
        # Setting a cancelled or done appointment back to planned is planning it again: a household
        # that objected is never planned, whichever way the appointment comes about.
        _require_contactable(appointment.household)
    undo = appointment.status == AppointmentStatus.CANCELLED and status == AppointmentStatus.PLANNED
    if undo and not appointment.cancellation_undoable:
        raise ValidationError(_("A cancellation can only be undone on the day it was made; plan a new appointment."))
    if undo and _happened_since(appointment):
        raise ValidationError(
            _("Something was recorded for this household after the cancellation; plan a new appointment instead.")
        )
    cancelled_at = timezone.now() if status == AppointmentStatus.CANCELLED else None
    if not Appointment.objects.filter(pk=appointment.pk, version=version).update(
        status=status, version=version + 1, cancelled_at=cancelled_at
    ):
        raise ConflictError
    appointment.refresh_from_db()
    recompute_status(appointment.household)
    audit.record(
        actor=acting_user,
        action=AuditAction.UPDATE,
        obj=appointment,
        person_ids=_member_ids(appointment.household),
        purpose="outreach",
        detail={"status": status, "undid_cancellation": True} if undo else {"status": status},
    )
    return appointment


@transaction.atomic
def address_note_save(
    *,
    acting_user,
    address: Address,
    version: int | None,
    safety_note: str,
    interpreter_needed: bool,
    interpreter_language: str,
) -> AddressNote:
    if not interpreter_needed:
        interpreter_language = ""
    note = AddressNote.objects.filter(address=address).first()
    if note is None:
        note = AddressNote.objects.create(
            address=address,
            safety_note=safety_note,
            interpreter_needed=interpreter_needed,
            interpreter_language=interpreter_language,
            updated_by=acting_user,
        )
    else:
        if version is None or not AddressNote.objects.filter(pk=note.pk, version=version).update(
            safety_note=safety_note,
            interpreter_needed=interpreter_needed,
            interpreter_language=interpreter_language,
            updated_by=acting_user,
            updated_at=timezone.now(),
            version=version + 1,
        ):
            raise ConflictError
        note.refresh_from_db()
    audit.record(
        actor=acting_user, action=AuditAction.UPDATE, obj=note, purpose="outreach", detail={"address_id": address.pk}
    )
    return note
