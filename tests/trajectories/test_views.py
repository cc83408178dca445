"""Trajectory screens, as the case manager uses them; query counts with the queries named."""

from __future__ import annotations

import datetime

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from stijging.conversations.models import ProposalStatus
from stijging.privacy.models import AuditAction, AuditEvent
from stijging.trajectories import selectors
from stijging.trajectories.models import Action, Goal, JournalNote, Measurement, Trajectory

from ..referrals.factories import send_referral
from .factories import case_manager_of, domain, open_trajectory, proposal_of

AUTH = 3  # session, user, memberships


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_opening_from_a_proposal_takes_it_up(world):
    proposal = proposal_of(world.own, world)
    client = client_for(world.user("case_manager"))
    assert client.get(reverse("trajectories:open_from_proposal", args=[proposal.pk])).status_code == 200
    response = client.post(
        reverse("trajectories:open_from_proposal", args=[proposal.pk]),
        {"case_manager": world.user("case_manager").pk, "follow_up_interval_days": 90},
    )
    trajectory = Trajectory.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "trajectories:trajectory", args=[trajectory.pk]
    )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.TAKEN_UP
    assert trajectory.source_proposal == proposal
    assert AuditEvent.objects.filter(object_type="trajectories.trajectory", action=AuditAction.CREATE).exists()
    # A second opening of the same proposal goes back to the list, opening nothing.
    again = client.post(
        reverse("trajectories:open_from_proposal", args=[proposal.pk]),
        {"case_manager": world.user("case_manager").pk, "follow_up_interval_days": 90},
    )
    assert again.status_code == 302 and Trajectory.objects.count() == 1


def test_a_fieldworker_opens_a_trajectory_for_a_case_manager(world):
    client = client_for(world.user("fieldworker"))
    response = client.post(
        reverse("trajectories:open", args=[world.own.adult.pk]),
        {"case_manager": world.user("case_manager").pk, "follow_up_interval_days": 60},
    )
    assert response.status_code == 302
    assert Trajectory.objects.get().case_manager == world.user("case_manager")


def test_only_a_case_manager_may_own_a_trajectory(world):
    client = client_for(world.user("case_manager"))
    response = client.post(
        reverse("trajectories:open", args=[world.own.adult.pk]),
        {"case_manager": world.user("fieldworker").pk, "follow_up_interval_days": 60},
    )
    assert response.status_code == 400
    assert not Trajectory.objects.exists()


def test_goals_actions_notes_and_status_through_the_page(world):
    trajectory = open_trajectory(world.own, world)
    manager = world.user("case_manager")
    client = client_for(manager)
    assert (
        client.post(
            reverse("trajectories:goal_add", args=[trajectory.pk]),
            {"domain": domain().pk, "target": "Schulden op een rij", "target_score": 4},
        ).status_code
        == 302
    )
    assert (
        client.post(
            reverse("trajectories:action_add", args=[trajectory.pk]),
            {"description": "Afspraak schuldhulp", "owner": manager.pk, "due_date": "2026-12-01"},
        ).status_code
        == 302
    )
    action = Action.objects.get()
    assert (
        client.post(
            reverse("trajectories:action_status", args=[action.pk]), {"version": 1, "status": "done"}
        ).status_code
        == 302
    )
    assert client.post(reverse("trajectories:note_add", args=[trajectory.pk]), {"text": "Gebeld."}).status_code == 302
    assert (
        client.post(
            reverse("trajectories:transition", args=[trajectory.pk]), {"version": 1, "to_status": "active"}
        ).status_code
        == 302
    )
    trajectory.refresh_from_db()
    action.refresh_from_db()
    assert (Goal.objects.count(), JournalNote.objects.count(), action.status, trajectory.status) == (
        1,
        1,
        "done",
        "active",
    )
    # A stale status change is refused with a message, nothing overwritten.
    stale = client.post(reverse("trajectories:transition", args=[trajectory.pk]), {"version": 1, "to_status": "paused"})
    assert stale.status_code == 400
    trajectory.refresh_from_db()
    assert trajectory.status == "active"


def test_a_measurement_is_recorded_and_moves_the_next_one(world):
    trajectory = open_trajectory(world.own, world)
    client = client_for(world.user("case_manager"))
    page = client.get(reverse("trajectories:measurement", args=[world.own.adult.pk]))
    data = {"measured_on": timezone.localdate().isoformat(), "rung": "3"}
    for name in page.context["form"].fields:
        if name.startswith("domain_"):
            data[name] = "4" if name.endswith("gezondheid") else "not_discussed"
    response = client.post(reverse("trajectories:measurement", args=[world.own.adult.pk]), data)
    assert response.status_code == 302
    measurement = Measurement.objects.get()
    assert measurement.rung == 3
    assert measurement.scores.filter(score__isnull=True).exists()
    trajectory.refresh_from_db()
    assert trajectory.next_measurement_on == timezone.localdate() + datetime.timedelta(days=90)


def test_handing_over_a_caseload(world):
    trajectory = open_trajectory(world.own, world)
    from ..accounts.factories import MembershipFactory, UserFactory

    colleague = UserFactory(email="colleague-cm@example.test")
    MembershipFactory(user=colleague, programme=world.own.programme, role="case_manager")
    client = client_for(world.user("case_manager"))
    response = client.post(
        reverse("trajectories:hand_over"), {"to_user": colleague.pk, "trajectories": [trajectory.pk]}
    )
    assert response.status_code == 302
    trajectory.refresh_from_db()
    assert trajectory.case_manager == colleague


def test_the_caseload_shows_overdue_actions_due_measurements_and_waiting_referrals(
    world, django_assert_max_num_queries
):
    trajectory = open_trajectory(world.own, world)
    manager = case_manager_of(world.own, world)
    Action.objects.create(
        trajectory=trajectory, description="Te laat", owner=manager, due_date=datetime.date(2026, 1, 1)
    )
    Trajectory.objects.filter(pk=trajectory.pk).update(
        next_measurement_on=datetime.date(2026, 1, 1), last_activity_at=timezone.now() - datetime.timedelta(days=60)
    )
    send_referral(world.own, world)
    Trajectory.objects.filter(pk=trajectory.pk).update(last_activity_at=timezone.now() - datetime.timedelta(days=60))
    client = client_for(manager)
    # auth (3) + trajectories + overdue actions + measurements due + inactive + meldcode signals
    # + referrals waiting on a partner + audit insert
    with django_assert_max_num_queries(AUTH + 7):
        response = client.get(reverse("trajectories:caseload"))
    body = response.content.decode()
    assert "Te laat" in body
    assert world.partner_organisation.name in body
    load = response.context["load"]
    assert [t.pk for t in load.measurements_due] == [trajectory.pk]
    assert [t.pk for t in load.inactive] == [trajectory.pk]


def test_the_caseload_pages_sorts_and_searches_the_whole_list(world, monkeypatch, django_assert_max_num_queries):
    from stijging.registry.models import HouseholdMembership

    from ..registry.factories import MemberFactory, PersonFactory

    monkeypatch.setattr(selectors, "CASELOAD_LIMIT", 2)
    site = world.own
    names = ["Zeeman", "Aarts", "Mertens"]
    for name in names:
        person = PersonFactory(given_names="Kees", family_name=name)
        MemberFactory(household=site.household, person=person)
        open_trajectory(site, world, person=person)
    assert HouseholdMembership.objects.filter(household=site.household).count() >= 3
    client = client_for(case_manager_of(site, world))
    url = reverse("trajectories:caseload")
    # auth (3) + the page of trajectories + their count + overdue actions + measurements due +
    # inactive + meldcode signals + referrals waiting on a partner + audit insert
    with django_assert_max_num_queries(AUTH + 8):
        first = client.get(url, {"sort": "name"}).context["load"]
    second = client.get(url, {"sort": "name", "page": "2"}).context["load"]
    assert (first.pages, first.trajectories_total) == (2, 3)
    assert [t.person_name for t in first.trajectories] == ["Kees Aarts", "Kees Mertens"]
    assert [t.person_name for t in second.trajectories] == ["Kees Zeeman"]
    found = client.get(url, {"q": "zee"}).context["load"]
    assert [t.person_name for t in found.trajectories] == ["Kees Zeeman"] and found.trajectories_total == 1
    # Nonsense in the address bar gives the first page, sorted by activity.
    odd = client.get(url, {"sort": "x; drop", "page": "abc"}).context["load"]
    assert (odd.page, odd.sort) == (1, "activity")


def test_trajectory_page_queries(world, django_assert_max_num_queries):
    trajectory = open_trajectory(world.own, world)
    send_referral(world.own, world)
    client = client_for(world.user("case_manager"))
    # auth (3) + trajectory (joined) + goals + actions + notes + events + audit + referrals panel
    # + the form choice lists (domains, owners) + the volunteering hint (linked volunteer hours; only
    # when they are regular also the latest rung — tests/cohesion/test_views.py has that case)
    # + the changes to the person's baseline after a follow-up measurement + whether the person still
    # lives in the programme (for the forms a case manager is offered)
    with django_assert_max_num_queries(AUTH + 12):
        assert client.get(reverse("trajectories:trajectory", args=[trajectory.pk])).status_code == 200


def test_measurement_page_queries(world, django_assert_max_num_queries):
    open_trajectory(world.own, world)
    client = client_for(world.user("case_manager"))
    # auth (3) + person + programme + domains + baseline interview + its answers + history + scores + audit
    with django_assert_max_num_queries(AUTH + 8):
        assert client.get(reverse("trajectories:measurement", args=[world.own.adult.pk])).status_code == 200


def test_a_partner_never_sees_a_trajectory_or_the_caseload(world):
    trajectory = open_trajectory(world.own, world)
    client = client_for(world.user("partner"))
    assert client.get(reverse("trajectories:trajectory", args=[trajectory.pk])).status_code == 404
    assert client.get(reverse("trajectories:caseload")).status_code == 403
