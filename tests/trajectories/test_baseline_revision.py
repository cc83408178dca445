"""A baseline changed after a follow-up measurement asks a reason, keeps the previous values, and
shows on the trajectory (issue 19): the social-rise figure never shifts silently."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from stijging.conversations.models import BaselineRevision, Interview
from stijging.privacy.models import AuditAction, AuditEvent
from stijging.trajectories import services

from ..conversations.factories import held_conversation
from .factories import open_trajectory

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def measured(world):
    """Anna's conversation (months ago, rung 2) is the baseline; a follow-up measurement since."""
    site = world.own
    fieldworker = world.user("fieldworker")
    conversation = held_conversation(site, fieldworker, held_on=timezone.localdate() - datetime.timedelta(days=200))
    interview = conversation.interviews.get(person=site.adult)
    Interview.objects.filter(pk=interview.pk).update(rung=2)
    trajectory = open_trajectory(site, world)
    services.measurement_record(
        acting_user=world.user("case_manager"),
        person=site.adult,
        programme_id=site.programme.pk,
        measured_on=timezone.localdate() - datetime.timedelta(days=10),
        rung=4,
        scores=[],
    )
    return Interview.objects.get(pk=interview.pk), trajectory


def _ladder(client, interview, key, **extra):
    data = {"version": interview.ladder_version, "key": key, "rung": "3", "note": ""} | extra
    return client.post(reverse("conversations:interview_section", args=[interview.pk, "ladder"]), data, **HX)


def test_changing_a_measured_baseline_asks_a_reason_and_keeps_the_previous_values(world, login, measured):
    interview, trajectory = measured
    worker = login(world.user("fieldworker"))
    response = _ladder(worker, interview, "baseline-key-1")
    assert response.status_code == 422
    assert 'name="reason"' in response.content.decode()
    interview.refresh_from_db()
    assert interview.rung == 2  # unchanged without a reason
    assert not BaselineRevision.objects.exists()

    response = _ladder(worker, interview, "baseline-key-2", reason="Rung verkeerd aangeklikt")
    assert response.status_code == 200
    interview.refresh_from_db()
    assert interview.rung == 3
    revision = BaselineRevision.objects.get()
    assert (revision.previous, revision.reason) == ({"rung": 2, "rung_non_answer": ""}, "Rung verkeerd aangeklikt")
    assert AuditEvent.objects.filter(
        action=AuditAction.UPDATE, detail__baseline_revision=revision.pk, person_ids=[interview.person_id]
    ).exists()

    # The trajectory says that its baseline changed, when, by whom, why, and what it was.
    page = login(world.user("case_manager")).get(reverse("trajectories:trajectory", args=[trajectory.pk]))
    html = page.content.decode()
    assert 'id="baseline-changed"' in html
    assert "Rung verkeerd aangeklikt" in html and "rung 2" in html


def test_a_baseline_without_a_follow_up_or_an_unchanged_save_asks_nothing(world, login):
    site = world.own
    conversation = held_conversation(site, world.user("fieldworker"))
    interview = conversation.interviews.get(person=site.adult)
    worker = login(world.user("fieldworker"))
    assert _ladder(worker, interview, "no-follow-up-1").status_code == 200
    assert not BaselineRevision.objects.exists()


def test_saving_a_measured_baseline_with_the_same_values_asks_no_reason(world, login, measured):
    interview, _trajectory = measured
    worker = login(world.user("fieldworker"))
    assert _ladder(worker, interview, "same-values-1", rung="2", note="Alleen een notitie").status_code == 200
    assert not BaselineRevision.objects.exists()
