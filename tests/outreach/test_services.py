import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from stijging.concurrency import ConflictError
from stijging.outreach import services
from stijging.outreach.models import Appointment, AppointmentStatus, HouseholdOutreach, OutreachStatus
from stijging.privacy.models import AuditAction, AuditEvent


def status(household) -> str:
    return HouseholdOutreach.objects.get(household=household).status


def test_two_failed_attempts_and_an_appointment_make_the_status_appointment(world):
    worker, household = world.user("fieldworker"), world.own.household
    Appointment.objects.filter(household=household).delete()  # start from a household without a plan
    today = timezone.localdate()
    services.attempt_record(acting_user=worker, household=household, date=today, channel="doorbell", outcome="not_home")
    assert status(household) == OutreachStatus.ATTEMPTED
    services.attempt_record(acting_user=worker, household=household, date=today, channel="phone", outcome="unreachable")
    appointment = services.appointment_plan(
        acting_user=worker, household=household, worker=worker, starts_at=timezone.now() + datetime.timedelta(days=2)
    )
    assert status(household) == OutreachStatus.APPOINTMENT
    assert HouseholdOutreach.objects.get(household=household).attempts == 2
    event = AuditEvent.objects.filter(object_type="outreach.appointment").latest("id")
    assert event.action == AuditAction.CREATE and event.object_id == str(appointment.pk)
    assert set(event.person_ids) == {world.own.adult.pk, world.own.child.pk}


def test_an_objection_cancels_planned_appointments_and_blocks_further_contact(world):
    worker, household = world.user("fieldworker"), world.own.household
    # The world fixture planned one appointment for this household.
    services.attempt_record(
        acting_user=worker, household=household, date=timezone.localdate(), channel="doorbell", outcome="objected"
    )
    state = HouseholdOutreach.objects.get(household=household)
    assert state.status == OutreachStatus.OBJECTED and state.do_not_contact
    assert not Appointment.objects.filter(household=household, status=AppointmentStatus.PLANNED).exists()
    with pytest.raises(ValidationError):
        services.attempt_record(
            acting_user=worker, household=household, date=timezone.localdate(), channel="phone", outcome="not_home"
        )
    with pytest.raises(ValidationError):
        services.appointment_plan(
            acting_user=worker,
            household=household,
            worker=worker,
            starts_at=timezone.now() + datetime.timedelta(days=1),
        )


def test_a_held_conversation_settles_outreach_and_closes_the_visit(world):
    worker, household = world.user("fieldworker"), world.own.household
    services.conversation_held(acting_user=worker, household=household, date=timezone.localdate(), conversation_id=7)
    assert status(household) == OutreachStatus.REACHED


def test_an_attempt_in_the_future_is_refused(world):
    with pytest.raises(ValidationError):
        services.attempt_record(
            acting_user=world.user("fieldworker"),
            household=world.own.household,
            date=timezone.localdate() + datetime.timedelta(days=1),
            channel="letter",
            outcome="not_home",
        )


def test_a_revisit_needs_a_reason(world):
    worker = world.user("fieldworker")
    with pytest.raises(ValidationError):
        services.appointment_plan(
            acting_user=worker,
            household=world.own.household,
            worker=worker,
            starts_at=timezone.now() + datetime.timedelta(days=1),
            kind="revisit",
        )


def test_a_stale_appointment_status_change_is_refused(world):
    appointment = world.own.appointment
    worker = world.user("fieldworker")
    services.appointment_set_status(acting_user=worker, appointment=appointment, version=1, status="done")
    with pytest.raises(ConflictError):
        services.appointment_set_status(acting_user=worker, appointment=appointment, version=1, status="cancelled")
    appointment.refresh_from_db()
    assert appointment.status == "done"


def test_the_address_note_is_versioned(world):
    worker = world.user("fieldworker")
    note = services.address_note_save(
        acting_user=worker,
        address=world.own.address,
        version=None,
        safety_note="Grote hond",
        interpreter_needed=True,
        interpreter_language="Arabisch",
    )
    services.address_note_save(
        acting_user=worker,
        address=world.own.address,
        version=note.version,
        safety_note="Hond is weg",
        interpreter_needed=False,
        interpreter_language="Arabisch",
    )
    with pytest.raises(ConflictError):
        services.address_note_save(
            acting_user=worker,
            address=world.own.address,
            version=note.version,
            safety_note="oud",
            interpreter_needed=False,
            interpreter_language="",
        )
    note.refresh_from_db()
    assert (note.safety_note, note.interpreter_language) == ("Hond is weg", "")


def test_a_cancelled_appointment_of_a_household_that_objected_cannot_be_set_back_to_planned(world, login):
    """The objection is checked on every (re)planning, also the status form's (issue 12, item 6)."""
    from django.urls import reverse

    worker, household = world.user("fieldworker"), world.own.household
    appointment = world.own.appointment
    services.attempt_record(
        acting_user=worker, household=household, date=timezone.localdate(), channel="doorbell", outcome="objected"
    )
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED

    with pytest.raises(ValidationError, match="objected"):
        services.appointment_set_status(
            acting_user=worker, appointment=appointment, version=appointment.version, status=AppointmentStatus.PLANNED
        )
    # Through the page: a clear message, nothing changed, no server error.
    client = login(worker)
    response = client.post(
        reverse("outreach:appointment_status", args=[appointment.pk]),
        {"status": AppointmentStatus.PLANNED, "version": appointment.version},
        follow=True,
    )
    assert response.status_code == 200
    assert "objected" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert status(household) == OutreachStatus.OBJECTED
    # Marking it done or leaving it cancelled is still possible: only planning is refused.
    services.appointment_set_status(
        acting_user=worker, appointment=appointment, version=appointment.version, status=AppointmentStatus.CANCELLED
    )
