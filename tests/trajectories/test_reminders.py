"""Reminders of due actions and due measurements: one e-mail per user per day, counts and a link only."""

from __future__ import annotations

import datetime

from django.urls import reverse

from stijging.accounts.models import OutgoingEmail
from stijging.trajectories import periodic
from stijging.trajectories.models import Action, Trajectory

from .factories import open_trajectory


def test_one_reminder_per_user_per_day(world):
    trajectory = open_trajectory(world.own, world)
    manager = world.user("case_manager")
    Action.objects.create(
        trajectory=trajectory, description="Bellen met Anna", owner=manager, due_date=datetime.date(2026, 11, 1)
    )
    Trajectory.objects.filter(pk=trajectory.pk).update(next_measurement_on=datetime.date(2026, 11, 1))
    today = datetime.date(2026, 11, 25)
    assert periodic.send_reminders(today) == 1
    assert periodic.send_reminders(today) == 0
    email = OutgoingEmail.objects.get()
    assert email.to == manager.email
    assert "1 action(s) and 1 follow-up measurement(s)" in email.body
    assert "Anna" not in email.body and "Bellen" not in email.body
    assert periodic.send_reminders(today + datetime.timedelta(days=1)) == 1


def test_nothing_due_sends_nothing(world):
    open_trajectory(world.own, world)
    assert periodic.send_reminders(datetime.date(2026, 11, 25)) == 0


def test_a_project_worker_is_linked_to_the_trajectories_of_their_actions_not_to_the_caseload(world, login):
    """The caseload is the case manager's: a project worker owning an action gets links they can open."""
    trajectory = open_trajectory(world.own, world)
    other = open_trajectory(world.own, world, world.own.child)
    worker = world.user("fieldworker")
    Action.objects.create(
        trajectory=trajectory, description="Bellen met Anna", owner=worker, due_date=datetime.date(2026, 11, 20)
    )
    # Someone else's action on another trajectory is not in the worker's e-mail.
    Action.objects.create(
        trajectory=other, description="x", owner=world.user("case_manager"), due_date=datetime.date(2026, 11, 20)
    )
    assert periodic.send_reminders(datetime.date(2026, 11, 25)) == 2
    email = OutgoingEmail.objects.get(to=worker.email)
    link = reverse("trajectories:trajectory", args=[trajectory.pk])
    assert f"{link}#actions-heading" in email.body
    assert reverse("trajectories:caseload") not in email.body
    assert "Anna" not in email.body and "Bellen" not in email.body
    assert reverse("trajectories:trajectory", args=[other.pk]) not in email.body
    client = login(worker)
    assert client.get(link).status_code == 200
    assert client.get(reverse("trajectories:caseload")).status_code == 403


def test_a_case_manager_owning_an_action_keeps_the_caseload_link(world):
    trajectory = open_trajectory(world.own, world)
    manager = world.user("case_manager")
    Action.objects.create(trajectory=trajectory, description="x", owner=manager, due_date=datetime.date(2026, 11, 1))
    periodic.send_reminders(datetime.date(2026, 11, 25))
    body = OutgoingEmail.objects.get(to=manager.email).body
    assert reverse("trajectories:caseload") in body
    assert reverse("trajectories:trajectory", args=[trajectory.pk]) not in body
