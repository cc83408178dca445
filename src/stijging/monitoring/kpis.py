"""The programme's figures, each defined once, exactly as SPEC §4 says (docs/kpis.md has a worked
example). Every screen, report and API takes its figures from here.

The reference period is the programme's period (up to today) unless a filter narrows it; the
reference date for "in scope" is the end of that period.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from stijging.conversations.models import Conversation, DomainAnswer, Interview
from stijging.registry.models import Address, Household, HouseholdResidence, Programme

# SPEC §4 "Small numbers": a cell under this is suppressed for roles without access to persons.
SUPPRESSION_THRESHOLD = 5


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


def _lives_in_programme_on(programme: Programme, on: datetime.date) -> Q:
    return Q(
        Exists(
            HouseholdResidence.objects.filter(
                household=OuterRef("pk"),
                address__area__programme=programme,
                start_date__lte=on,
            ).filter(Q(end_date__isnull=True) | Q(end_date__gt=on))
        )
    )


def households_in_scope(programme: Programme, period: Period) -> QuerySet[Household]:
    """Households registered as living, on the reference date, at an address in the programme's areas."""
    return Household.objects.filter(_lives_in_programme_on(programme, period.end))


def _held_in(period: Period) -> Q:
    return Q(held_on__gte=period.start, held_on__lte=period.end)


@dataclass(frozen=True)
class Participation:
    in_scope: int
    reached: int
    rate: Decimal | None
    target: int
    residential_addresses: int
    addresses_without_household: int


def participation(programme: Programme, period: Period) -> Participation:
    """Households reached (≥ 1 held conversation in the period) ÷ households in scope."""
    in_scope = households_in_scope(programme, period)
    held = Conversation.objects.filter(_held_in(period), household=OuterRef("pk"))
    counts = in_scope.aggregate(n=Count("pk"), reached=Count("pk", filter=Q(Exists(held))))
    on = period.end
    addresses = Address.objects.filter(area__programme=programme, retired_on__isnull=True)
    occupied = Exists(
        HouseholdResidence.objects.filter(address=OuterRef("pk"), start_date__lte=on).filter(
            Q(end_date__isnull=True) | Q(end_date__gt=on)
        )
    )
    address_counts = addresses.aggregate(n=Count("pk"), empty=Count("pk", filter=~Q(occupied)))
    return Participation(
        in_scope=counts["n"],
        reached=counts["reached"],
        rate=rate(counts["reached"], counts["n"]),
        target=programme.target_participation,
        residential_addresses=address_counts["n"],
        addresses_without_household=address_counts["empty"],
    )


def _interviews(programme: Programme, period: Period) -> QuerySet[Interview]:
    """Interviews in conversations held in the period with households of this programme."""
    return Interview.objects.filter(
        Exists(
            Conversation.objects.filter(
                _held_in(period),
                pk=OuterRef("conversation_id"),
                household__residences__address__area__programme=programme,
            )
        )
    )


@dataclass(frozen=True)
class Visits:
    persons_visited: int
    persons_with_help_question: int
    help_question_share: Decimal | None


def visits(programme: Programme, period: Period) -> Visits:
    """Persons visited: members, children included, with an interview in a held conversation in the
    period. Persons with at least one help question among them."""
    interviews = _interviews(programme, period)
    visited = interviews.values("person_id").distinct().count()
    with_question = (
        interviews.filter(Exists(DomainAnswer.objects.filter(interview=OuterRef("pk"), help_question=True)))
        .values("person_id")
        .distinct()
        .count()
    )
    return Visits(
        persons_visited=visited,
        persons_with_help_question=with_question,
        help_question_share=rate(with_question, visited),
    )


def suppressed(value: int | None, *, sees_persons: bool) -> int | None:
    """None (shown as "< 5") for a cell under the threshold — zero included, since "nobody here" is a
    disclosure too — shown to a role without access to persons."""
    if value is None or sees_persons:
        return value
    return None if value < SUPPRESSION_THRESHOLD else value
