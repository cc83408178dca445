"""Over time: the targets' figures month by month, and the cohesion index wave by wave per area.

A month's point is the figure *as it stood at the end of that month*: the same definition
(participation, visits, trajectory_uptake, social_rise, priority_handling) over the period from
its start up to the month's last day (or the period's end, for the last month). So the last point
of every series is the figure of the programme home for the same period and area. The rows are
fetched once, each classified once by the same rules as the figures (care.service_level_outcome,
care.rise_steps and rise_outcome are the very functions of priority_handling and social_rise) and
counted from its month on by cumulative sums; the tests hold every point to the figure of its own
period.
"""

from __future__ import annotations

import bisect
import datetime
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from django.db.models import Min, Q
from django.utils import timezone

from stijging.cohesion.models import Wave
from stijging.conversations.models import Conversation
from stijging.registry.models import HouseholdResidence, Programme
from stijging.trajectories.models import Trajectory

from .care import (
    RISE_OUTCOMES,
    SPECIAL_CATEGORY_ORGANISATIONS,
    WITHIN,
    _opened_in,
    handling_rows,
    rise_outcome,
    rise_rows,
    rise_steps,
    service_level_outcome,
)
from .cohesion import IndexCell, cohesion_respondents
from .common import Period, _in_area
from .participation import _held_in, _interviews


@dataclass(frozen=True)
class MonthPoint:
    """The counts of one month's point (from the period's start up to `end`)."""

    month: datetime.date  # the first day of the month
    end: datetime.date  # the last day counted: the month's last, or the period's end
    in_scope: int
    reached: int
    visited: int
    in_trajectory: int
    followed: int
    rose: int
    equal: int
    declined: int
    decided: int  # priority referrals whose service level is decided (partners not special)
    within: int  # of which answered within it

    @property
    def compared(self) -> int:
        return self.rose + self.equal + self.declined


def month_ends(period: Period) -> list[tuple[datetime.date, datetime.date]]:
    """(first day of the month, last day counted) for every month the period touches."""
    out = []
    month = period.start.replace(day=1)
    while month <= period.end:
        following = datetime.date(month.year + (month.month == 12), month.month % 12 + 1, 1)
        out.append((month, min(following - datetime.timedelta(days=1), period.end)))
        month = following
    return out


def _index_from(ends: list[datetime.date], day: datetime.date) -> int:
    """The first month whose point counts `day` (its end is on or after it); len(ends) if none."""
    return bisect.bisect_left(ends, day)


def _running(starts: list[int], months: int) -> list[int]:
    """Cumulative sums: starts[i] is the change at month i (+1 where a row starts to count, −1
    where it stops); the value at each month is the sum up to it."""
    return list(itertools.accumulate(starts[:months]))


def _participation_by_month(
    programme: Programme, period: Period, area_id: int | None, ends: list[datetime.date]
) -> list[tuple[int, int]]:
    """(in scope, reached) at each month's end, as `participation` for the period up to that day,
    from two queries: the residences at the programme's addresses over the period, and each such
    household's first conversation held in the period. A household is in scope at a month's end
    while one of its residences is current then (registry.selectors.current_on: started on or
    before it, not yet ended on it), reached from the month of its first conversation on."""
    residences = HouseholdResidence.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gt=ends[0]),
        _in_area("address__", area_id),
        address__area__programme=programme,
        start_date__lte=period.end,
    )
    rows = residences.values_list("household_id", "start_date", "end_date").order_by()
    first_held = dict(
        Conversation.objects.filter(_held_in(period), household_id__in=residences.values("household_id"))
        .values("household_id")
        .annotate(first=Min("held_on"))
        .values_list("household_id", "first")
        .order_by()
    )
    # Per household, the months its residences are current: [from, until) as month indexes.
    spans: dict[int, list[tuple[int, int]]] = {}
    for household, start, until in rows:
        lo = _index_from(ends, start)
        hi = len(ends) if until is None else _index_from(ends, until)
        if lo < hi:
            spans.setdefault(household, []).append((lo, hi))
    in_scope = [0] * (len(ends) + 1)
    reached = [0] * (len(ends) + 1)
    for household, household_spans in spans.items():
        reached_from = _index_from(ends, first_held[household]) if household in first_held else len(ends)
        merged: list[list[int]] = []
        for lo, hi in sorted(household_spans):  # a move within the programme: counted once
            if merged and lo <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], hi)
            else:
                merged.append([lo, hi])
        for lo, hi in merged:
            in_scope[lo] += 1
            in_scope[hi] -= 1
            if max(lo, reached_from) < hi:
                reached[max(lo, reached_from)] += 1
                reached[hi] -= 1
    return list(zip(_running(in_scope, len(ends)), _running(reached, len(ends)), strict=True))


def _visits_by_month(
    programme: Programme, period: Period, area_id: int | None, ends: list[datetime.date]
) -> list[tuple[int, int]]:
    """(persons visited, of whom in a trajectory) at each month's end, as `visits` and
    `trajectory_uptake` for the period up to that day, from two queries: each person's first
    interview in the period, and their first trajectory of the programme opened in it."""
    first_visit = dict(
        _interviews(programme, period, area_id)
        .values("person_id")
        .annotate(first=Min("conversation__held_on"))
        .values_list("person_id", "first")
        .order_by()
    )
    first_opened = {
        person_id: timezone.localdate(opened_at)
        for person_id, opened_at in Trajectory.objects.filter(
            # The persons visited as a subquery: a list of ids as parameters is 4× slower at
            # 28,000 persons (0.4 s against 0.1 s on 20,000 households).
            _opened_in(period),
            programme=programme,
            person_id__in=_interviews(programme, period, area_id).values("person_id"),
        )
        .values("person_id")
        .annotate(first=Min("opened_at"))
        .values_list("person_id", "first")
        .order_by()
    }
    visited = [0] * (len(ends) + 1)
    in_trajectory = [0] * (len(ends) + 1)
    for person, first in first_visit.items():
        visited[_index_from(ends, first)] += 1
        if person in first_opened:
            in_trajectory[max(_index_from(ends, first), _index_from(ends, first_opened[person]))] += 1
    return list(zip(_running(visited, len(ends)), _running(in_trajectory, len(ends)), strict=True))


def _rise_by_month(
    programme: Programme, period: Period, area_id: int | None, ends: list[datetime.date]
) -> list[dict[str, int]]:
    """Per month's end, the persons followed and how their rung compares, as social_rise for the
    period up to that day: each person's steps (care.rise_steps) classified once by rise_outcome,
    the last step of each month counting from that month on."""
    baseline, rows = rise_rows(programme, period, area_id)
    changes = {outcome: [0] * (len(ends) + 1) for outcome in (*RISE_OUTCOMES, "followed")}
    for person_id, steps in rise_steps(baseline, rows).items():
        by_month: dict[int, str] = {}
        for measured_on, _pk, rung, non_answer in steps:  # oldest first: a month's last step wins
            by_month[_index_from(ends, measured_on)] = rise_outcome(baseline[person_id], rung, non_answer)
        was = None
        for month, outcome in sorted(by_month.items()):
            if outcome == was:
                continue
            if was is None:
                changes["followed"][month] += 1
            else:
                changes[was][month] -= 1
            changes[outcome][month] += 1
            was = outcome
    running = {outcome: _running(per_month, len(ends)) for outcome, per_month in changes.items()}
    return [{outcome: values[i] for outcome, values in running.items()} for i in range(len(ends))]


def _handling_by_month(
    programme: Programme, period: Period, area_id: int | None, ends: list[datetime.date], today: datetime.date
) -> list[tuple[int, int]]:
    """(decided, within) at each month's end, as priority_handling for the period up to that day:
    each referral classified once (care.service_level_outcome, against today as the figure is)
    and counted from the month it was sent in."""
    decided = [0] * (len(ends) + 1)
    within = [0] * (len(ends) + 1)
    for _org, _name, sent_at, answered_at, due, status, closed_at, kind in handling_rows(programme, period, area_id):
        if kind in SPECIAL_CATEGORY_ORGANISATIONS:
            continue
        outcome = service_level_outcome(answered_at, due, status, closed_at, today)
        if outcome is not None:
            month = _index_from(ends, timezone.localdate(sent_at))
            decided[month] += 1
            within[month] += outcome == WITHIN
    return list(zip(_running(decided, len(ends)), _running(within, len(ends)), strict=True))


def monthly_series(
    programme: Programme, period: Period, area_id: int | None = None, today: datetime.date | None = None
) -> tuple[MonthPoint, ...]:
    """One point per month of the period, each the figures from the period's start up to the month's
    end, in seven queries whatever the number of months, and in time linear in rows + months: the
    rows the figures are counted from are fetched once for the whole period, each is classified
    once by the figure's own rules (care.service_level_outcome, care.rise_steps/rise_outcome) and
    counted from the month it starts to count in (cumulative sums).
    tests/monitoring/test_series.py checks every point against the figure of its own period.
    Priority referrals to special-category partners (mental-health care, police) are left out of the
    series for every role: their count could otherwise be worked out from the partners' table beside
    it, and the series is shown to roles that may not see them."""
    today = today or timezone.localdate()
    months = month_ends(period)
    ends = [end for _month, end in months]
    participation_ = _participation_by_month(programme, period, area_id, ends)
    visits_ = _visits_by_month(programme, period, area_id, ends)
    rise = _rise_by_month(programme, period, area_id, ends)
    handling = _handling_by_month(programme, period, area_id, ends, today)
    return tuple(
        MonthPoint(
            month=month,
            end=end,
            in_scope=in_scope,
            reached=reached,
            visited=visited,
            in_trajectory=in_trajectory,
            followed=counts["followed"],
            rose=counts["rose"],
            equal=counts["equal"],
            declined=counts["declined"],
            decided=decided,
            within=within,
        )
        for (month, end), (in_scope, reached), (visited, in_trajectory), counts, (decided, within) in zip(
            months, participation_, visits_, rise, handling, strict=True
        )
    )


@dataclass(frozen=True)
class WaveIndex:
    """The cohesion index of every area of the programme in one wave (area id → cell), and of the
    programme as a whole. Cells are not yet through the disclosure layer."""

    wave: Wave
    areas: dict[int, IndexCell]
    programme: IndexCell


def cohesion_per_wave(waves: Sequence[Wave], area_ids: Sequence[int]) -> tuple[WaveIndex, ...]:
    """The index per wave per area (the mean over the area's respondents, as cohesion_index) for the
    areas asked for, and the programme's over all its respondents; two queries per wave."""
    out = []
    for wave in waves:
        by_area: dict[int, list[Fraction]] = {area_id: [] for area_id in area_ids}
        everyone: list[Fraction] = []
        for respondent in cohesion_respondents(wave):
            everyone.append(respondent.index)
            if respondent.area_id in by_area:
                by_area[respondent.area_id].append(respondent.index)
        out.append(
            WaveIndex(
                wave=wave,
                areas={area_id: IndexCell.of(indexes) for area_id, indexes in by_area.items()},
                programme=IndexCell.of(everyone),
            )
        )
    return tuple(out)
