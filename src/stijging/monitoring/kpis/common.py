"""What every family of figures shares: the period, the rounding of a rate, the area filter,
age on a date."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db.models import Q
from django.utils import timezone

from stijging.registry.models import Programme


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


def _in_area(prefix: str, area_id: int | None) -> Q:
    """The area filter of every figure (SPEC §7): the whole programme, or one of its areas."""
    return Q() if area_id is None else Q(**{f"{prefix}area_id": area_id})


def _age_on(born: datetime.date, on: datetime.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _one_decimal(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
