"""Is a person's baseline already compared against? The follow-up measurements that answer that
live on the floor above (trajectories), which conversations may not import (ENGINEERING.md,
layout): the trajectories app registers a check here at start-up, as registry/panels.py does for
pages."""

from __future__ import annotations

import datetime
from collections.abc import Callable

# check(person_id) → the date of the person's first follow-up measurement, or None
_follow_up_checks: list[Callable[[int], datetime.date | None]] = []


def register_follow_up_check(check: Callable[[int], datetime.date | None]) -> None:
    if check not in _follow_up_checks:
        _follow_up_checks.append(check)


def first_follow_up(person_id: int) -> datetime.date | None:
    dates = [date for date in (check(person_id) for check in _follow_up_checks) if date is not None]
    return min(dates) if dates else None
