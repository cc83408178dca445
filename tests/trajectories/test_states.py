"""Every allowed and every forbidden transition of the trajectory state machine (trajectories/states.py)."""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import ValidationError

from stijging.privacy.models import AuditEvent
from stijging.trajectories import services, states
from stijging.trajectories.models import Trajectory, TrajectoryEvent
from stijging.trajectories.states import TrajectoryStatus

from .factories import open_trajectory

ALL = list(itertools.product(TrajectoryStatus.values, TrajectoryStatus.values))
ALLOWED = sorted(states.TRANSITIONS)
FORBIDDEN = [pair for pair in ALL if pair not in states.TRANSITIONS]


def _at(world, status: str) -> Trajectory:
    trajectory = open_trajectory(world.own, world)
    extra = {"outcome": "goal_reached"} if status == TrajectoryStatus.CLOSED else {}
    Trajectory.objects.filter(pk=trajectory.pk).update(
        status=status, closed_at=trajectory.opened_at if extra else None, **extra
    )
    trajectory.refresh_from_db()
    return trajectory


@pytest.mark.parametrize("from_status,to_status", ALLOWED)
def test_allowed_transition_is_taken_timestamped_and_audited(world, from_status, to_status):
    trajectory = _at(world, from_status)
    before = AuditEvent.objects.count()
    services.trajectory_transition(
        acting_user=world.user("case_manager"),
        trajectory=trajectory,
        version=trajectory.version,
        to_status=to_status,
        outcome="goal_reached" if to_status == "closed" else "",
    )
    trajectory.refresh_from_db()
    assert trajectory.status == to_status
    event = TrajectoryEvent.objects.filter(trajectory=trajectory).order_by("-id").first()
    assert (event.from_status, event.to_status) == (from_status, to_status)
    assert event.at is not None
    assert (to_status == "closed") == (trajectory.closed_at is not None)
    assert AuditEvent.objects.count() == before + 1


@pytest.mark.parametrize("from_status,to_status", FORBIDDEN)
def test_forbidden_transition_is_refused(world, from_status, to_status):
    trajectory = _at(world, from_status)
    with pytest.raises(ValidationError):
        services.trajectory_transition(
            acting_user=world.user("case_manager"),
            trajectory=trajectory,
            version=trajectory.version,
            to_status=to_status,
            outcome="goal_reached",
        )
    trajectory.refresh_from_db()
    assert trajectory.status == from_status


def test_closing_needs_an_outcome_and_other_needs_a_short_text(world):
    trajectory = open_trajectory(world.own, world)
    manager = world.user("case_manager")
    with pytest.raises(ValidationError):
        services.trajectory_transition(acting_user=manager, trajectory=trajectory, version=1, to_status="closed")
    with pytest.raises(ValidationError):
        services.trajectory_transition(
            acting_user=manager, trajectory=trajectory, version=1, to_status="closed", outcome="other"
        )
    services.trajectory_transition(
        acting_user=manager,
        trajectory=trajectory,
        version=1,
        to_status="closed",
        outcome="other",
        outcome_text="Verhuisd naar familie",
    )
    assert trajectory.outcome_text == "Verhuisd naar familie"


def test_a_stale_transition_is_refused(world):
    trajectory = open_trajectory(world.own, world)
    manager = world.user("case_manager")
    services.trajectory_transition(acting_user=manager, trajectory=trajectory, version=1, to_status="active")
    stale = Trajectory.objects.get(pk=trajectory.pk)
    stale.version = 1
    with pytest.raises(services.ConflictError):
        services.trajectory_transition(acting_user=manager, trajectory=stale, version=1, to_status="paused")
