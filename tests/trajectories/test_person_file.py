"""A person's help and rise on the registry's person page, the household's one plan, and the timeline."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from stijging.conversations.models import Interview
from stijging.privacy.models import AuditAction, AuditEvent
from stijging.trajectories import services
from stijging.trajectories.selectors import rise_of

from ..conversations.factories import conversation_of, held_conversation
from ..referrals.factories import send_referral
from .factories import case_manager_of, domain, open_trajectory


def _baseline_and_rise(world, *, baseline_rung=2, latest_rung=3):
    site = world.own
    conversation_of(site, world)
    trajectory = open_trajectory(site, world)
    # The conversation the trajectory came from is the baseline: rung and scores of the adult.
    interview = Interview.objects.filter(person=site.adult).order_by("pk").first()
    Interview.objects.filter(pk=interview.pk).update(rung=baseline_rung)
    gezondheid = domain("gezondheid")
    interview.domain_answers.update_or_create(domain=gezondheid, defaults={"score": 2, "non_answer": ""})
    services.measurement_record(
        acting_user=case_manager_of(site, world),
        person=site.adult,
        programme_id=site.programme.pk,
        measured_on=timezone.localdate(),
        rung=latest_rung,
        scores=[services.ScoreInput(gezondheid, 4)],
    )
    return trajectory


def test_the_person_page_shows_baseline_to_latest_rung_and_the_change_per_domain(world, login):
    _baseline_and_rise(world)
    client = login(world.user("case_manager"))
    response = client.get(reverse("registry:person", args=[world.own.adult.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "risen 1 rung" in html
    rise = rise_of(world.user("case_manager"), world.own.adult)
    assert (rise.baseline.rung, rise.latest.rung, rise.rung_change) == (2, 3, 1)
    change = next(d for d in rise.domains if d.domain.code == "gezondheid")
    assert (change.baseline, change.latest, change.change) == (2, 4, 2)


def test_a_decline_and_not_applicable_are_shown_not_hidden(world, login):
    _baseline_and_rise(world, baseline_rung=4, latest_rung=3)
    client = login(world.user("case_manager"))
    assert "declined" in client.get(reverse("registry:person", args=[world.own.adult.pk])).content.decode()
    Interview.objects.filter(person=world.own.adult).update(rung=None, rung_non_answer="not_applicable")
    rise = rise_of(world.user("case_manager"), world.own.adult)
    assert rise.rung_change is None and rise.baseline.rung_non_answer == "not_applicable"


def test_the_household_page_brings_the_members_trajectories_together_as_one_plan(world, login):
    trajectory = open_trajectory(world.own, world)
    client = login(world.user("fieldworker"))
    html = client.get(reverse("registry:household", args=[world.own.household.pk])).content.decode()
    assert "One household, one plan" in html
    assert reverse("trajectories:trajectory", args=[trajectory.pk]) in html
    coordinator = trajectory.case_manager
    assert (coordinator.get_full_name() or coordinator.email) in html


def test_the_timeline_puts_conversation_trajectory_measurement_and_referral_in_order_and_is_audited(
    world, login, django_assert_max_num_queries
):
    _baseline_and_rise(world)
    send_referral(world.own, world)
    client = login(world.user("case_manager"))
    url = reverse("trajectories:timeline", args=[world.own.adult.pk])
    # AUTH + person (scoped), interviews, trajectories (+ events, actions, notes, goals, domains),
    # measurements (+ scores), referral events, the rise (baseline, answers, measurements, scores,
    # codes, domains), audit insert.
    with django_assert_max_num_queries(3 + 20):
        response = client.get(url)
    assert response.status_code == 200
    kinds = [entry.kind for entry in response.context["entries"]]
    assert {"conversation", "trajectory", "measurement", "referral"} <= set(kinds)
    dates = [entry.when for entry in response.context["entries"]]
    assert dates == sorted(dates, reverse=True)
    event = AuditEvent.objects.filter(action=AuditAction.VIEW, purpose="timeline").latest("id")
    assert event.person_ids == [world.own.adult.pk]


def test_a_partner_sees_no_rise_panel_and_no_timeline(world, login):
    send_referral(world.own, world)
    client = login(world.user("partner"))
    assert client.get(reverse("trajectories:timeline", args=[world.own.adult.pk])).status_code == 404


def test_the_measurement_baseline_is_the_first_conversation_not_the_latest(world):
    site = world.own
    # One conversation per visit: the first visit a month ago, the second today.
    held_conversation(site, world.user("fieldworker"), held_on=timezone.localdate() - datetime.timedelta(days=30))
    open_trajectory(site, world)
    first = Interview.objects.filter(person=site.adult).order_by("pk").first()
    Interview.objects.filter(pk=first.pk).update(rung=2)
    later = held_conversation(site, world.user("fieldworker"), held_on=timezone.localdate())
    Interview.objects.filter(conversation=later, person=site.adult).update(rung=5)
    assert rise_of(world.user("case_manager"), site.adult).baseline.rung == 2
