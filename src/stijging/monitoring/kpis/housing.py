"""Housing signals per area and complex (SPEC §2.7, §4)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.db.models import Exists, F, OuterRef, Q

from stijging.conversations.models import (
    HousingAnswer,
    MoveWish,
)
from stijging.registry.models import Programme

from .common import Period, _one_decimal

# --- Housing signals ------------------------------------------------------------------------------

FIT_TOO_SMALL = "too_small"
FIT_TOO_BIG = "too_big"
AGEING_NOT_FIT = "no"


@dataclass
class HousingCounts:
    """What the households of one group (an area, a complex) said of their homes. Counts of
    households; the satisfaction sum is for the mean."""

    households: int = 0  # households with a housing section in the period (the denominator)
    satisfaction_answered: int = 0
    satisfaction_sum: int = 0
    satisfied: int = 0  # 4 or 5
    dissatisfied: int = 0  # 1 or 2
    defects: dict[str, int] = field(default_factory=dict)  # defect category code → households
    wants_to_stay: int = 0
    wants_to_move: int = 0
    undecided: int = 0
    over_occupied: int = 0  # too small for the household
    under_occupied: int = 0  # too big for the household
    not_fit_for_ageing: int = 0

    @property
    def satisfaction_mean(self) -> Decimal | None:
        if not self.satisfaction_answered:
            return None
        return _one_decimal(Fraction(self.satisfaction_sum, self.satisfaction_answered))

    def add(self, answer: dict, defects: Iterable[str]) -> None:
        self.households += 1
        satisfaction = answer["satisfaction"]
        if satisfaction is not None:
            self.satisfaction_answered += 1
            self.satisfaction_sum += satisfaction
            self.satisfied += satisfaction >= 4
            self.dissatisfied += satisfaction <= 2
        for code in defects:
            self.defects[code] = self.defects.get(code, 0) + 1
        wish = answer["move_wish"]
        self.wants_to_stay += wish == MoveWish.STAY
        self.wants_to_move += wish == MoveWish.MOVE
        self.undecided += wish == MoveWish.UNDECIDED
        self.over_occupied += answer["fits_household"] == FIT_TOO_SMALL
        self.under_occupied += answer["fits_household"] == FIT_TOO_BIG
        self.not_fit_for_ageing += answer["fits_ageing"] == AGEING_NOT_FIT


@dataclass(frozen=True)
class HousingSignals:
    areas: dict[int, HousingCounts]  # area id → counts
    complexes: dict[tuple[int, str], HousingCounts]  # (area id, complex number; "" = not the association's)
    streets: dict[tuple[int, int], HousingCounts] = field(default_factory=dict)  # (area id, street id)
    # (area id, complex number, street id): the part of a complex in a street. Never shown: what a
    # reader knows of how complexes and streets overlap, for the disclosure layer (reports).
    crossings: dict[tuple[int, str, int], HousingCounts] = field(default_factory=dict)


def housing_signals(programme: Programme, period: Period, *, area_id: int | None = None) -> HousingSignals:
    """SPEC §2.7 housing signals, per area, per housing-association complex and per street (and
    per complex within a street, for the disclosure layer only), in two queries: for
    every household, the housing section of its latest conversation held in the period that has one;
    the home is the address the household lived at on the day of that conversation. Counts of
    households; shares are over the households with a housing section. No health or police data,
    no name, no address: only the section on the home."""
    held_on = F("conversation__held_on")
    residence = "conversation__household__residences__"
    place = Q(**{f"{residence}address__area__programme": programme})
    if area_id is not None:
        place &= Q(**{f"{residence}address__area_id": area_id})
    # The household's latest conversation in the period with a housing section, chosen before the
    # area filter: a household that moved counts once, where it lived at that latest conversation.
    held = "conversation__held_on"
    later = HousingAnswer.objects.filter(
        Q(conversation__held_on__gt=OuterRef(held))
        | Q(conversation__held_on=OuterRef(held), conversation_id__gt=OuterRef("conversation_id")),
        conversation__household_id=OuterRef("conversation__household_id"),
        conversation__held_on__gte=period.start,
        conversation__held_on__lte=period.end,
    )
    answers = (
        HousingAnswer.objects.filter(
            ~Exists(later),
            place,
            Q(**{f"{residence}start_date__lte": held_on}),
            Q(**{f"{residence}end_date__isnull": True}) | Q(**{f"{residence}end_date__gt": held_on}),
            conversation__held_on__gte=period.start,
            conversation__held_on__lte=period.end,
        )
        .values(
            "pk",
            "conversation__household_id",
            "conversation__held_on",
            "conversation_id",
            "satisfaction",
            "move_wish",
            "fits_household",
            "fits_ageing",
            f"{residence}address__area_id",
            f"{residence}address__complex_number",
            f"{residence}address__street_id",
        )
        .order_by()
    )
    latest: dict[int, dict] = {}
    for row in answers:
        household = row["conversation__household_id"]
        key = (row["conversation__held_on"], row["conversation_id"])
        if household not in latest or key > (
            latest[household]["conversation__held_on"],
            latest[household]["conversation_id"],
        ):
            latest[household] = row
    defects: dict[int, list[str]] = {}
    through = HousingAnswer.defects.through
    for answer_id, code in through.objects.filter(
        housinganswer_id__in=[row["pk"] for row in latest.values()]
    ).values_list("housinganswer_id", "defectcategory__code"):
        defects.setdefault(answer_id, []).append(code)
    areas: dict[int, HousingCounts] = {}
    complexes: dict[tuple[int, str], HousingCounts] = {}
    streets: dict[tuple[int, int], HousingCounts] = {}
    crossings: dict[tuple[int, str, int], HousingCounts] = {}
    for row in latest.values():
        area = row[f"{residence}address__area_id"]
        complex_number = row[f"{residence}address__complex_number"] or ""
        street = row[f"{residence}address__street_id"]
        codes = defects.get(row["pk"], [])
        areas.setdefault(area, HousingCounts()).add(row, codes)
        complexes.setdefault((area, complex_number), HousingCounts()).add(row, codes)
        streets.setdefault((area, street), HousingCounts()).add(row, codes)
        crossings.setdefault((area, complex_number, street), HousingCounts()).add(row, codes)
    return HousingSignals(areas=areas, complexes=complexes, streets=streets, crossings=crossings)
