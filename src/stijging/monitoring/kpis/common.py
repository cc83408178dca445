"""What every family of figures shares: the period, the rounding of a rate, the area filter,
age on a date."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db.models import Q
from django.utils import timezone

from stijging.registry.models import Programme

# Rows that several figures are counted from, fetched once while they are computed together
# (rows_shared): the monthly series is counted from the same rows as social rise and priority
# handling, and the programme home computes all three for one period and area.
_shared_rows: ContextVar[dict | None] = ContextVar("kpis_shared_rows", default=None)


@contextmanager
def rows_shared() -> Iterator[None]:
    """Within the block, rows fetched through `shared` with the same key are fetched once. Only for
    figures computed at one moment (monitoring.figures.programme_figures): nothing is kept after."""
    token = _shared_rows.set({})
    try:
        yield
    finally:
        _shared_rows.reset(token)


def shared[T](key: tuple, fetch: Callable[[], T]) -> T:
    """`fetch()`, or within rows_shared the rows an earlier call with the same key fetched."""
    memo = _shared_rows.get()
    if memo is None:
        return fetch()
    if key not in memo:
        memo[key] = fetch()
    return memo[key]


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date  # inclusive; also the reference date for "in scope"


def programme_period(programme: Programme, today: datetime.date | None = None) -> Period:
    today = today or timezone.localdate()
    end = min(programme.end_date, today) if programme.end_date else today
    return Period(start=programme.start_date, end=max(end, programme.start_date))


def rate(numerator: int, denominator: int) -> Decimal | None:
    """A percentage with one decimal, or None when there is nothing to divide by."""
    if not denominator:
        return None
    return (Decimal(100) * numerator / denominator).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def on_local_days(field: str, period: Period) -> Q:
    """A moment (`field`, a timestamp) on one of the period's days, local time: the same rows as
    `field__date__gte/lte`, written as a range of the column itself. The planner can estimate a range
    of the column (and use its indexes), not a date taken from it: it took a region's year of
    trajectories for 0.2 % of them and checked every one against an area's persons (1 s a query)."""
    zone = timezone.get_current_timezone()
    first = datetime.datetime.combine(period.start, datetime.time.min, tzinfo=zone)
    after = datetime.datetime.combine(period.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    return Q(**{f"{field}__gte": first, f"{field}__lt": after})


def _in_area(prefix: str, area_id: int | None) -> Q:
    """The area filter of every figure (SPEC §7): the whole programme, or one of its areas."""
    return Q() if area_id is None else Q(**{f"{prefix}area_id": area_id})


def _age_on(born: datetime.date, on: datetime.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _one_decimal(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
