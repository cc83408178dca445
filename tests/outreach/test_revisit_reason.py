"""A revisit records its kind of reason (issue 14 item 5: revisits by reason), chosen in the form
where it is planned; the monitoring splits the revisits figure by it (tests/monitoring)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from stijging.outreach import services
from stijging.outreach.models import Appointment


def _post(client, world, language="en", **extra):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    return client.post(
        reverse("outreach:appointment_create", args=[world.own.household.pk]),
        {
            "date": tomorrow,
            "time": "10:30",
            "duration_minutes": 60,
            "worker": world.user("fieldworker").pk,
            "kind": "revisit",
            "reason": "Terugkomen op de schulden",
            **extra,
        },
        HTTP_ACCEPT_LANGUAGE=language,
    )


def test_a_revisit_is_planned_with_its_kind_of_reason(world, login):
    client = login(world.user("fieldworker"))
    response = _post(client, world, reason_category="help_question")
    assert response.status_code == 302, response.content.decode()[:500]
    revisit = Appointment.objects.get(household=world.own.household, kind="revisit")
    assert (revisit.reason_category, revisit.reason) == ("help_question", "Terugkomen op de schulden")


def test_a_revisit_without_a_kind_of_reason_is_refused_with_a_dutch_message(world, login):
    client = login(world.user("fieldworker"))
    response = _post(client, world, language="nl")
    assert response.status_code == 400
    assert not Appointment.objects.filter(household=world.own.household, kind="revisit").exists()
    assert response.context["appointment_form"].errors["reason_category"] == ["Kies de soort reden voor het herbezoek."]
    with translation.override("nl"):
        assert (
            translation.gettext("Choose the kind of reason for the revisit.")
            == "Kies de soort reden voor het herbezoek."
        )


def test_the_service_refuses_an_unknown_kind_and_drops_it_on_a_first_visit(world):
    worker = world.user("fieldworker")
    starts = timezone.now() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError):
        services.appointment_plan(
            acting_user=worker,
            household=world.own.household,
            worker=worker,
            starts_at=starts,
            kind="revisit",
            reason="x",
            reason_category="gossip",
        )
    visit = services.appointment_plan(
        acting_user=worker,
        household=world.own.household,
        worker=worker,
        starts_at=starts,
        kind="visit",
        reason_category="papers",
    )
    assert visit.reason_category is None
