"""Small numbers (SPEC §4): in every aggregate shown to a role without access to persons, a cell under
the threshold is suppressed, and a total is hidden where it would reveal a suppressed cell. One rule,
on the ground floor, so that every screen that counts applies the same one."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Column:
    """A column of counts with the total under them, as a role without access to persons may see it."""

    cells: list[int | None]  # None: suppressed
    rest: int | None  # the suppressed cells together, where that sum may be shown
    has_rest: bool  # some cell was suppressed (show a "rest" line, with its sum or "< 5")
    total: int | None  # None: hidden, it would give a suppressed cell away


def suppress_column(values: Sequence[int], *, sees_persons: bool = False) -> Column:
    """Cells under the threshold are suppressed. Their sum is shown as one "rest" cell when it
    reaches the threshold itself, and then the total may be shown too (it reveals only the rest).
    When the rest stays under the threshold, rest and total are both hidden, since the total minus
    the shown cells would give it away."""
    if sees_persons:
        return Column(cells=list(values), rest=None, has_rest=False, total=sum(values))
    cells = [suppressed(v, sees_persons=False) for v in values]
    hidden = [v for v, cell in zip(values, cells, strict=True) if cell is None]
    if not hidden:
        return Column(cells=cells, rest=None, has_rest=False, total=sum(values))
    rest = sum(hidden)
    if rest >= SUPPRESSION_THRESHOLD:
        return Column(cells=cells, rest=rest, has_rest=True, total=sum(values))
    return Column(cells=cells, rest=None, has_rest=True, total=None)
