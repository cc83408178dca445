"""Small numbers (SPEC §4): in every aggregate shown to a role without access to persons, a cell under
the threshold is suppressed, and a total is hidden where it would reveal a suppressed cell. One rule,
on the ground floor, so that every screen that counts applies the same one."""

from __future__ import annotations

from collections.abc import Iterable

SUPPRESSION_THRESHOLD = 5


def suppressed(value: int | None, *, sees_persons: bool) -> int | None:
    """None (shown as "< 5") for a cell under the threshold — zero included, since "nobody here" is a
    disclosure too — shown to a role without access to persons."""
    if value is None or sees_persons:
        return value
    return None if value < SUPPRESSION_THRESHOLD else value


def total_or_none(cells: Iterable[int | None], total: int) -> int | None:
    """The total, unless a cell it sums was suppressed (it would give that cell away)."""
    return None if any(cell is None for cell in cells) else total
