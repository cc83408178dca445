"""Reminders of due actions and due measurements: one e-mail per user per day, counts and a link only."""

from __future__ import annotations

import datetime

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
