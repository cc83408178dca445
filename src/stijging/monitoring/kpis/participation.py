"""Participation: households in scope and reached, persons visited (SPEC §4)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from stijging.conversations.models import (
    Conversation,
    DomainAnswer,
    Interview,
)
from stijging.outreach.models import Appointment, AppointmentKind, AppointmentStatus, RevisitReason
from stijging.registry.models import Address, Household, HouseholdResidence, Programme
from stijging.registry.selectors import current_on

from .common import Period, _in_area, on_local_days, rate


def _lives_in_programme_on(programme: Programme, on: datetime.date, area_id: int | None = None) -> Q:
    return Q(
        Exists(
            HouseholdResidence.objects.filter(
                current_on(on),
                _in_area("address__", area_id),
                household=OuterRef("pk"),
                address__area__programme=programme,
            )
        )
    )


def households_in_scope(programme: Programme, period: Period, area_id: int | None = None) -> QuerySet[Household]:
    """Households registered as living, on the reference date, at an address in the programme's areas
    (or in the one area asked for)."""
    return Household.objects.filter(_lives_in_programme_on(programme, period.end, area_id))


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


def participation(programme: Programme, period: Period, area_id: int | None = None) -> Participation:
    """Households reached (≥ 1 held conversation in the period) ÷ households in scope."""
    in_scope = households_in_scope(programme, period, area_id)
    held = Conversation.objects.filter(_held_in(period), household=OuterRef("pk"))
    counts = in_scope.aggregate(n=Count("pk"), reached=Count("pk", filter=Q(Exists(held))))
    on = period.end
    addresses = Address.objects.filter(_in_area("", area_id), area__programme=programme, retired_on__isnull=True)
    occupied = Exists(HouseholdResidence.objects.filter(current_on(on), address=OuterRef("pk")))
    address_counts = addresses.aggregate(n=Count("pk"), empty=Count("pk", filter=~Q(occupied)))
    return Participation(
        in_scope=counts["n"],
        reached=counts["reached"],
        rate=rate(counts["reached"], counts["n"]),
        target=programme.target_participation,
        residential_addresses=address_counts["n"],
        addresses_without_household=address_counts["empty"],
    )


def _interviews(programme: Programme, period: Period, area_id: int | None = None) -> QuerySet[Interview]:
    """Interviews in conversations held in the period with households of this programme (that lived,
    at some time, in the area asked for)."""
    return Interview.objects.filter(
        Exists(
            Conversation.objects.filter(
                _held_in(period),
                _in_area("household__residences__address__", area_id),
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


def visits(programme: Programme, period: Period, area_id: int | None = None) -> Visits:
    """Persons visited: members, children included, with an interview in a held conversation in the
    period. Persons with at least one help question among them."""
    interviews = _interviews(programme, period, area_id)
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


# --- Revisits -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Revisits:
    """Revisits (herbezoeken) of the programme's households dated in the period."""

    planned: int  # every revisit dated in the period, whatever became of it
    held: int  # marked done
    cancelled: int
    open: int  # still planned (in the future, or not yet marked)
    from_conversation: int  # of all planned: asked for in a conversation (linked to it)
    from_conversation_held: int  # of those: held
    # Per kind of reason, every category and "" (none recorded: planned before the categories) in
    # that order, zeros included: (code, planned, held). Their planned add up to `planned`, their
    # held to `held`.
    by_reason: tuple[tuple[str, int, int], ...] = ()


REVISIT_REASONS_UNRECORDED = ""


def revisits(programme: Programme, period: Period, area_id: int | None = None) -> Revisits:
    """SPEC §2.2 revisits, in one query: appointments of kind revisit of this programme whose start
    (local date) falls in the period, of households that lived (at some time) in the area asked
    for; held = marked done. A revisit is linked to the conversation that asked for it when it was
    planned from one (source_conversation_id). Split by the kind of reason recorded when it was
    planned (outreach.RevisitReason; none on those planned before the categories existed)."""
    rows = Appointment.objects.filter(
        _in_area("household__residences__address__", area_id),
        on_local_days("starts_at", period),
        programme=programme,
        kind=AppointmentKind.REVISIT,
    ).distinct()
    linked = Q(source_conversation_id__isnull=False)
    done = Q(status=AppointmentStatus.DONE)
    names = ("planned", "held", "cancelled", "open", "from_conversation", "from_conversation_held")
    counts = dict.fromkeys(names, 0)
    per_reason: dict[str, tuple[int, int]] = {}
    # One query: the counts per kind of reason, added up here for the whole.
    for row in (
        Appointment.objects.filter(pk__in=rows.values("pk"))
        .values("reason_category")
        .annotate(
            planned=Count("pk"),
            held=Count("pk", filter=done),
            cancelled=Count("pk", filter=Q(status=AppointmentStatus.CANCELLED)),
            open=Count("pk", filter=Q(status=AppointmentStatus.PLANNED)),
            from_conversation=Count("pk", filter=linked),
            from_conversation_held=Count("pk", filter=linked & done),
        )
        .order_by()
    ):
        for name in names:
            counts[name] += row[name]  # type: ignore[literal-required]  # one of the annotations above
        code = row["reason_category"] or REVISIT_REASONS_UNRECORDED
        planned, held = per_reason.get(code, (0, 0))
        per_reason[code] = (planned + row["planned"], held + row["held"])
    by_reason = tuple(
        (code, *per_reason.get(code, (0, 0))) for code in [*RevisitReason.values, REVISIT_REASONS_UNRECORDED]
    )
    return Revisits(**counts, by_reason=by_reason)
