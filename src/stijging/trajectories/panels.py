"""Extension points of the trajectory page and the caseload, for the referrals floor above
(see stijging/panels.py): "referrals waiting on a partner" on the caseload, the referral list on the
trajectory page, and the referrals on a person's timeline."""

from __future__ import annotations

from stijging.panels import Panel, Slot

__all__ = ["Panel", "caseload", "trajectory", "timeline"]

caseload = Slot("trajectories.caseload")  # provider(user)
trajectory = Slot("trajectories.trajectory")  # provider(user, trajectory)
# provider(user, person) -> list of TimelineEntry (see selectors.timeline_of); not a Panel.
timeline: list = []


def register_caseload_panel(provider) -> None:
    caseload.register(provider)


def register_trajectory_panel(provider) -> None:
    trajectory.register(provider)


def register_timeline_source(provider) -> None:
    if provider not in timeline:
        timeline.append(provider)


def caseload_panels(user) -> list[Panel]:
    return caseload.panels(user)


def trajectory_panels(user, trajectory_obj) -> list[Panel]:
    return trajectory.panels(user, trajectory_obj)
