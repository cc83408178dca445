"""Over time: the targets' figures month by month, and the cohesion index wave by wave per area.

A month's point is the figure *as it stood at the end of that month*: the same definition
(participation, visits, trajectory_uptake, social_rise, priority_handling) over the period from
its start up to the month's last day (or the period's end, for the last month). So the last point
of every series is the figure of the programme home for the same period and area. The rows are
fetched once and counted per month by the same rules (rise_counts and handling_counts are the very
functions of social_rise and priority_handling); the tests hold every point to the figure of its
own period.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from django.db.models import Min, Q
from django.utils import timezone

from stijging.cohesion.models import Wave
from stijging.conversations.models import Conversation
from stijging.registry.models import HouseholdResidence, Programme
from stijging.trajectories.models import Trajectory

from .care import _opened_in, handling_counts, handling_rows, rise_counts, rise_rows
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


def _current(start: datetime.date, end: datetime.date | None, on: datetime.date) -> bool:
    """registry.selectors.current_on, for a row already fetched: started on or before `on`, not
    yet ended on it."""
    return start <= on and (end is None or end > on)


def _participation_by_month(
    programme: Programme, period: Period, area_id: int | None, ends: list[datetime.date]
) -> list[tuple[int, int]]:
    """(in scope, reached) at each month's end, as `participation` for the period up to that day,
    from two queries: the residences at the programme's addresses over the period, and each such
    household's first conversation held in the period."""
    residences = HouseholdResidence.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gt=ends[0]),
        _in_area("address__", area_id),
        address__area__programme=programme,
        start_date__lte=period.end,
    )
    rows = list(residences.values_list("household_id", "start_date", "end_date").order_by())
    first_held = dict(
        Conversation.objects.filter(_held_in(period), household_id__in=residences.values("household_id"))
        .values("household_id")
        .annotate(first=Min("held_on"))
        .values_list("household_id", "first")
        .order_by()
    )
    out = []
    for end in ends:
        in_scope = {household for household, start, until in rows if _current(start, until, end)}
        reached = sum(1 for household in in_scope if household in first_held and first_held[household] <= end)
        out.append((len(in_scope), reached))
    return out


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
            _opened_in(period), programme=programme, person_id__in=list(first_visit)
        )
        .values("person_id")
        .annotate(first=Min("opened_at"))
        .values_list("person_id", "first")
        .order_by()
    }
    out = []
    for end in ends:
        visited = [person for person, first in first_visit.items() if first <= end]
        in_trajectory = sum(1 for person in visited if person in first_opened and first_opened[person] <= end)
        out.append((len(visited), in_trajectory))
    return out


def monthly_series(
    programme: Programme, period: Period, area_id: int | None = None, today: datetime.date | None = None
) -> tuple[MonthPoint, ...]:
    """One point per month of the period, each the figures from the period's start up to the month's
    end, in seven queries whatever the number of months: the rows the figures are counted from are
    fetched once for the whole period and counted up to each month's end by the same rules
    (tests/monitoring/test_series.py checks every point against the figure of its own period).
    Priority referrals to special-category partners (mental-health care, police) are left out of the
    series for every role: their count could otherwise be worked out from the partners' table beside
    it, and the series is shown to roles that may not see them."""
    today = today or timezone.localdate()
    months = month_ends(period)
    ends = [end for _month, end in months]
    participation_ = _participation_by_month(programme, period, area_id, ends)
    visits_ = _visits_by_month(programme, period, area_id, ends)
    baseline, measurement_rows = rise_rows(programme, period, area_id)
    referral_rows = handling_rows(programme, period, area_id)
    points = []
    for (month, end), (in_scope, reached), (visited, in_trajectory) in zip(
        months, participation_, visits_, strict=True
    ):
        latest, rise = rise_counts(baseline, measurement_rows, end) if baseline else ({}, {})
        handling = [h for h in handling_counts(referral_rows, today, upto=end) if not h.special]
        points.append(
            MonthPoint(
                month=month,
                end=end,
                in_scope=in_scope,
                reached=reached,
                visited=visited,
                in_trajectory=in_trajectory,
                followed=len(latest),
                rose=rise.get("rose", 0),
                equal=rise.get("equal", 0),
                declined=rise.get("declined", 0),
                decided=sum(h.within + h.missed for h in handling),
                within=sum(h.within for h in handling),
            )
        )
    return tuple(points)


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
