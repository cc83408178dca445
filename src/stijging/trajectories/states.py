"""The trajectory's state machine: every allowed transition in this one table (ENGINEERING.md, convention 5).

Anything not listed is refused. A closed trajectory stays closed: new help is a new trajectory, so that
the uptake and outcome figures count each trajectory once.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TrajectoryStatus(models.TextChoices):
    OPEN = "open", _("open")
    ACTIVE = "active", _("active")
    PAUSED = "paused", _("paused")
    CLOSED = "closed", _("closed")


class ClosingOutcome(models.TextChoices):
    GOAL_REACHED = "goal_reached", _("goal reached")
    PARTLY_REACHED = "partly_reached", _("goal partly reached")
    NOT_REACHED = "not_reached", _("goal not reached")
    MOVED_AWAY = "moved_away", _("moved away")
    REFUSED = "refused", _("help refused")
    OTHER = "other", _("other")


S = TrajectoryStatus

# (from, to): allowed. Closing needs an outcome (checked in the service).
TRANSITIONS: frozenset[tuple[str, str]] = frozenset(
    {
        (S.OPEN, S.ACTIVE),
        (S.OPEN, S.CLOSED),
        (S.ACTIVE, S.PAUSED),
        (S.ACTIVE, S.CLOSED),
        (S.PAUSED, S.ACTIVE),
        (S.PAUSED, S.CLOSED),
    }
)

OPEN_STATUSES = frozenset({S.OPEN, S.ACTIVE, S.PAUSED})


def allowed(from_status: str, to_status: str) -> bool:
    return (from_status, to_status) in TRANSITIONS


def next_statuses(from_status: str) -> list[str]:
    return [to for (frm, to) in sorted(TRANSITIONS) if frm == from_status]
