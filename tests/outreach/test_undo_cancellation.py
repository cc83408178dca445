"""Undoing a cancelled appointment (issue 19): the same day only, and not when something was recorded
for the household since (the visit could otherwise be planned twice)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from stijging.outreach import services
from stijging.outreach.models import Appointment


@pytest.fixture
def fieldworker(world, login):
    return login(world.user("fieldworker"))


def test_the_undo_is_refused_after_a_contact_attempt_since_the_cancellation(world, fieldworker):
    appointment = world.own.appointment
    url = reverse("outreach:appointment_status", args=[appointment.pk])
    assert fieldworker.post(url, {"version": 1, "status": "cancelled"}).status_code == 302
    services.attempt_record(
        acting_user=world.user("fieldworker"),
        household=world.own.household,
        date=timezone.localdate(),
        channel="phone",
        outcome="not_home",
    )
    response = fieldworker.post(url, {"version": 2, "status": "planned"}, follow=True)
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"
    assert "after the cancellation" in response.content.decode()


def test_the_undo_still_works_when_nothing_happened_since(world, fieldworker):
    appointment = world.own.appointment
    url = reverse("outreach:appointment_status", args=[appointment.pk])
    fieldworker.post(url, {"version": 1, "status": "cancelled"})
    fieldworker.post(url, {"version": 2, "status": "planned"})
    assert Appointment.objects.get(pk=appointment.pk).status == "planned"
