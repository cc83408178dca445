"""The neighbourhood: the cohesion index per street and area, and turnover (SPEC §4)."""

from __future__ import annotations

import datetime
from collections.abc import Collection, Hashable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, Sum, Value, When

from stijging.cohesion.models import Activity, Participant, VolunteerHours, Wave, WaveAnswer
from stijging.conversations.models import (
    CohesionAnswer,
    Interview,
)
from stijging.privacy.disclosure import SUPPRESSION_THRESHOLD, Disclosed, Relation, State, protect, relation
from stijging.registry.models import HouseholdResidence, Programme

from .common import Period, _age_on, _one_decimal

# --- Cohesion index -------------------------------------------------------------------------------

COHESION_MIN_AGE = 15
COHESION_MIN_ANSWERS = 4
COHESION_SCALE_MAX = 5  # 5-point agreement; a reverse-coded answer x counts as 6 − x


def respondent_cohesion_index(answers: Iterable[tuple[int, bool]]) -> Fraction | None:
    """SPEC §4: one respondent's index on 0–10 from their (value, reverse_coded) answers, or None
    with fewer than 4 of the 6 statements answered (a non-answer is not an answer)."""
    values = [(COHESION_SCALE_MAX + 1 - value) if reverse else value for value, reverse in answers]
    return _index_from_sum(len(values), sum(values))


def _index_from_sum(answered: int, total: int) -> Fraction | None:
    """The one formula: with ≥ 4 answers, (mean − 1) × 2.5, where `total` already has the reverse-coded
    answers flipped."""
    if answered < COHESION_MIN_ANSWERS:
        return None
    return (Fraction(total, answered) - 1) * Fraction(5, 2)


@dataclass(frozen=True)
class CohesionRespondent:
    area_id: int
    street_id: int
    index: Fraction


def _flipped_value() -> Case:
    return Case(
        When(statement__reverse_coded=True, then=Value(COHESION_SCALE_MAX + 1) - F("value")),
        default=F("value"),
        output_field=IntegerField(),
    )


def cohesion_respondents(wave: Wave, *, area_id: int | None = None) -> list[CohesionRespondent]:
    """The respondents of a wave (in one area, or in the whole programme), in two grouped queries:

    - persons aged 15+ on the day of an interview in a conversation held in the wave's dates with a
      household living (that day) at an address of the programme — the street and area are that
      address's; a person interviewed twice in a wave counts once, with their latest interview in
      which the statements were asked (also when that one was in another area);
    - the door responses recorded in the wave (anonymous; 15+ asked at the door).
    Only respondents with at least 4 statements answered have an index; the rest are left out."""
    residence = "interview__conversation__household__residences__"
    held_on = F("interview__conversation__held_on")
    place = Q(**{f"{residence}address__area__programme_id": wave.programme_id})
    if area_id is not None:
        place &= Q(**{f"{residence}address__area_id": area_id})
    # The person's latest interview in the wave in which the statements were asked, wherever it was
    # held: chosen before the area filter, so someone who moved between areas counts once.
    held = "interview__conversation__held_on"
    later = Interview.objects.filter(
        Q(conversation__held_on__gt=OuterRef(held))
        | Q(conversation__held_on=OuterRef(held), pk__gt=OuterRef("interview_id")),
        person_id=OuterRef("interview__person_id"),
        conversation__held_on__gte=wave.starts_on,
        conversation__held_on__lte=wave.ends_on,
        cohesion_answers__isnull=False,
    )
    interviews = (
        CohesionAnswer.objects.filter(
            ~Exists(later),
            place,
            Q(**{f"{residence}start_date__lte": held_on}),
            Q(**{f"{residence}end_date__isnull": True}) | Q(**{f"{residence}end_date__gt": held_on}),
            value__isnull=False,
            interview__conversation__held_on__gte=wave.starts_on,
            interview__conversation__held_on__lte=wave.ends_on,
        )
        .values(
            "interview_id",
            "interview__person_id",
            "interview__person__date_of_birth",
            "interview__conversation__held_on",
            f"{residence}address__area_id",
            f"{residence}address__street_id",
        )
        .annotate(n=Count("pk"), total=Sum(_flipped_value()))
        .order_by()
    )
    latest: dict[int, tuple] = {}
    for row in interviews:
        held = row["interview__conversation__held_on"]
        if _age_on(row["interview__person__date_of_birth"], held) < COHESION_MIN_AGE:
            continue
        key = (held, row["interview_id"])
        person_id = row["interview__person_id"]
        if person_id not in latest or key > latest[person_id][0]:
            latest[person_id] = (key, row)
    respondents = []
    for _key, row in latest.values():
        index = _index_from_sum(row["n"], row["total"])
        if index is not None:
            respondents.append(
                CohesionRespondent(
                    area_id=row[f"{residence}address__area_id"],
                    street_id=row[f"{residence}address__street_id"],
                    index=index,
                )
            )
    doors = WaveAnswer.objects.filter(response__wave=wave, value__isnull=False)
    if area_id is not None:
        doors = doors.filter(response__area_id=area_id)
    for row in (
        doors.values("response_id", "response__area_id", "response__street_id")
        .annotate(n=Count("pk"), total=Sum(_flipped_value()))
        .order_by()
    ):
        index = _index_from_sum(row["n"], row["total"])
        if index is not None:
            respondents.append(
                CohesionRespondent(area_id=row["response__area_id"], street_id=row["response__street_id"], index=index)
            )
    return respondents


@dataclass(frozen=True)
class IndexCell:
    """A street's or an area's index in one wave: the mean over its respondents, one decimal. A cell
    the disclosure layer withholds has neither (state SMALL: "< 5"; HIDDEN: 5 or more, hidden so that
    a small one cannot be worked out)."""

    respondents: int | None
    index: Decimal | None  # None: no respondents, or withheld
    state: State = State.SHOWN

    @classmethod
    def of(cls, indexes: list[Fraction]) -> IndexCell:
        if not indexes:
            return cls(respondents=0, index=None)
        return cls(respondents=len(indexes), index=_one_decimal(sum(indexes, Fraction(0)) / len(indexes)))

    @property
    def shown(self) -> bool:
        return self.state is State.SHOWN


@dataclass(frozen=True)
class StreetIndexRow:
    street_id: int | None  # None: the "other streets" line of the suppressed ones together
    street: str
    cells: tuple[IndexCell, ...]  # per wave


@dataclass(frozen=True)
class CohesionTable:
    waves: tuple[Wave, ...]
    rows: tuple[StreetIndexRow, ...]
    total: tuple[IndexCell, ...]  # the area (or programme), per wave


REST = "rest"
TOTAL = "total"


def _withhold(cell: IndexCell, disclosed: Disclosed) -> IndexCell:
    return cell if disclosed.shown else IndexCell(respondents=None, index=None, state=disclosed.state)


def cohesion_index(
    waves: Sequence[Wave], *, area_id: int | None, streets: dict[int, str], sees_persons: bool = False
) -> CohesionTable:
    """The index per street and for the area (the mean over all its respondents, not of the street
    means), per wave. For roles without access to persons every respondent count goes through the
    one disclosure layer (privacy.disclosure.protect), with what a reader knows: the area's
    respondents are the sum of its streets', the "other streets" line is the sum of the streets
    under 5, and a street with nobody ("—") has none. A street under 5 respondents in a wave is
    suppressed ("< 5"); those streets together form the "other streets" line, shown when they reach
    5; a count the others would give away is hidden too ("hidden"), and an index is shown only
    where its count is. The line is left out when it would show nothing in any wave."""
    per_wave: list[dict[int, list[Fraction]]] = []
    totals: list[list[Fraction]] = []
    for wave in waves:
        by_street: dict[int, list[Fraction]] = {}
        everyone: list[Fraction] = []
        for respondent in cohesion_respondents(wave, area_id=area_id):
            by_street.setdefault(respondent.street_id, []).append(respondent.index)
            everyone.append(respondent.index)
        per_wave.append(by_street)
        totals.append(everyone)
    street_ids = sorted({s for by_street in per_wave for s in by_street}, key=lambda s: (streets.get(s, ""), s))
    cells: dict[tuple, IndexCell] = {}
    counts: dict[Hashable, int] = {}
    relations: list[Relation] = []
    nobody: list[Hashable] = []
    any_rest = False
    for w, (by_street, everyone) in enumerate(zip(per_wave, totals, strict=True)):
        small = [s for s in street_ids if 0 < len(by_street.get(s, [])) < SUPPRESSION_THRESHOLD]
        rest = [i for s in small for i in by_street[s]]
        any_rest = any_rest or bool(small)
        for s in street_ids:
            cells[(w, s)] = IndexCell.of(by_street.get(s, []))
            counts[(w, s)] = len(by_street.get(s, []))
            if not by_street.get(s):
                nobody.append((w, s))  # "—": nobody answered there, which the reader sees
        cells[(w, REST)] = IndexCell.of(rest)
        cells[(w, TOTAL)] = IndexCell.of(everyone)
        counts[(w, REST)] = len(rest)
        counts[(w, TOTAL)] = len(everyone)
        relations.append(relation((w, TOTAL), [(w, s) for s in street_ids]))
        relations.append(relation((w, REST), [(w, s) for s in small]))
        if not small:
            nobody.append((w, REST))  # no "other streets" in this wave: the line shows "—"
        if not everyone:
            nobody.append((w, TOTAL))  # nobody answered in the wave at all: "—" everywhere
    if sees_persons:
        disclosed = {key: Disclosed.plain(value) for key, value in counts.items()}
    else:
        disclosed = protect(counts, relations, public=nobody)
    rows = [
        StreetIndexRow(
            street_id=s,
            street=streets.get(s, "?"),
            cells=tuple(_withhold(cells[(w, s)], disclosed[(w, s)]) for w in range(len(waves))),
        )
        for s in street_ids
    ]
    rest_cells = tuple(_withhold(cells[(w, REST)], disclosed[(w, REST)]) for w in range(len(waves)))
    # The "other streets" line only where it shows something (and never to a role that sees every
    # street): a rest under 5 in every wave would only repeat the suppressed cells above it.
    if not sees_persons and any_rest and any(cell.shown and cell.respondents for cell in rest_cells):
        rows.append(StreetIndexRow(street_id=None, street="", cells=rest_cells))
    total = tuple(_withhold(cells[(w, TOTAL)], disclosed[(w, TOTAL)]) for w in range(len(waves)))
    return CohesionTable(waves=tuple(waves), rows=tuple(rows), total=total)


# --- Turnover -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TurnoverCounts:
    moved_in: int
    moved_out: int


@dataclass(frozen=True)
class Turnover:
    years: tuple[int, ...]
    streets: dict[int, dict[int, TurnoverCounts]]  # street id → year → counts
    area: dict[int, TurnoverCounts]  # year → counts over the whole area
    households_on_1_january: dict[int, int]  # year → households living in the area that day


def turnover(area_id: int, years: Sequence[int]) -> Turnover:
    """SPEC §4 "Turnover", per street (its addresses in the area) and year, from the registry's
    history, in one query: a household *moved in* when a residence of it at an address of the street
    starts in the year, and *moved out* when one ends in the year. A move from one address to another
    in the same street on the same day is neither (the household stayed in the street); a move to
    another street of the area counts as out of the one and into the other. For the area itself only
    moves across its boundary count: a move between two of its streets is neither in nor out of the
    area. Households living in the area on 1 January of each year are given beside it, for a rate."""
    first, last = min(years), max(years)
    rows = list(
        HouseholdResidence.objects.filter(address__area_id=area_id)
        .filter(
            Q(start_date__year__gte=first, start_date__year__lte=last)
            | Q(end_date__isnull=True)
            | Q(end_date__year__gte=first)
        )
        .values_list("household_id", "address__street_id", "start_date", "end_date")
        .order_by()
    )
    # (household, street, day) at which a residence started / ended: to recognise moves within a street,
    # and (household, day) for moves within the area.
    started = {(h, s, start) for h, s, start, _end in rows}
    ended = {(h, s, end) for h, s, _start, end in rows if end is not None}
    started_in_area = {(h, start) for h, _s, start, _end in rows}
    ended_in_area = {(h, end) for h, _s, _start, end in rows if end is not None}
    streets: dict[int, dict[int, list[int]]] = {}
    area: dict[int, list[int]] = {year: [0, 0] for year in years}
    on_1_january: dict[int, set[int]] = {year: set() for year in years}
    wanted = set(years)
    for household, street, start, end in rows:
        if start.year in wanted:
            if (household, street, start) not in ended:
                streets.setdefault(street, {}).setdefault(start.year, [0, 0])[0] += 1
            if (household, start) not in ended_in_area:
                area[start.year][0] += 1
        if end is not None and end.year in wanted:
            if (household, street, end) not in started:
                streets.setdefault(street, {}).setdefault(end.year, [0, 0])[1] += 1
            if (household, end) not in started_in_area:
                area[end.year][1] += 1
        for year in years:
            day = datetime.date(year, 1, 1)
            if start <= day and (end is None or end > day):
                on_1_january[year].add(household)
    return Turnover(
        years=tuple(years),
        streets={
            street: {year: TurnoverCounts(*by_year.get(year, [0, 0])) for year in years}
            for street, by_year in streets.items()
        },
        area={year: TurnoverCounts(*counts) for year, counts in area.items()},
        households_on_1_january={year: len(households) for year, households in on_1_january.items()},
    )


# --- Activities, participants and volunteer hours per street ---------------------------------------


@dataclass(frozen=True)
class StreetActivity:
    activities: int = 0  # activities held in the period on the street (one on two streets is in both)
    participants: int = 0  # participants living in the street who took part in one of those
    volunteers: int = 0  # participants living in the street with volunteer hours in the period
    hours: Decimal = Decimal(0)  # those volunteers' hours in the period


def activity_per_street(programme: Programme, period: Period, street_ids: Collection[int]) -> dict[int, StreetActivity]:
    """Per street asked for (every one, nothing done there included), in three queries: the
    programme's activities held in the period (by date) on the street — an activity on two streets
    counts in both, as a move between two streets in turnover; the participants who live in the
    street (the street of their participant record) and took part by name in such an activity, each
    once; and of those living there the volunteers with hours dated in the period, with their hours.
    Counts for the disclosure layer (monitoring.reports.activity_table): no names, no dates."""
    in_period = {"date__gte": period.start, "date__lte": period.end}
    activities = {
        row["street_id"]: row["n"]
        for row in Activity.streets.through.objects.filter(
            street_id__in=street_ids,
            activity__programme=programme,
            activity__date__gte=period.start,
            activity__date__lte=period.end,
        )
        .values("street_id")
        .annotate(n=Count("activity_id", distinct=True))
        .order_by()
    }
    participants = dict(
        Participant.objects.filter(
            Exists(Activity.objects.filter(programme=programme, participants=OuterRef("pk"), **in_period)),
            programme=programme,
            street_id__in=street_ids,
        )
        .values("street_id")
        .annotate(n=Count("pk"))
        .values_list("street_id", "n")
        .order_by()
    )
    volunteering = {
        street_id: (n, hours)
        for street_id, n, hours in VolunteerHours.objects.filter(
            participant__programme=programme, participant__street_id__in=street_ids, **in_period
        )
        .values("participant__street_id")
        .annotate(n=Count("participant_id", distinct=True), hours=Sum("hours"))
        .values_list("participant__street_id", "n", "hours")
        .order_by()
    }
    return {
        street_id: StreetActivity(
            activities=activities.get(street_id, 0),
            participants=participants.get(street_id, 0),
            volunteers=volunteering.get(street_id, (0, Decimal(0)))[0],
            hours=volunteering.get(street_id, (0, Decimal(0)))[1],
        )
        for street_id in street_ids
    }
