"""The figures of the aggregate pages, computed by the kpis package and kept for a while.

At a region's size (400,000 households, 200,000 trajectories, 300,000 referrals) computing all of
the programme's figures takes seconds, and an area's cohesion index or housing signals a few hundred
milliseconds; the pages must answer in 150–300 ms (SPEC §3). So the figures are computed by
`stijging tick` (and by the first visitor when none are kept) and kept in the cache — shared by the
server's workers and the tick — for STIJGING_FIGURES_MAX_AGE seconds; the pages say when they were
computed. What is kept are the kpis package's own results (counts, not yet laid out or
translated), so every visitor gets them suppressed and in their own language. With a max age of 0 every visit computes
them (the tests do)."""

from __future__ import annotations

import datetime
import functools
import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from stijging.cohesion.models import Wave
from stijging.registry import selectors as registry_selectors
from stijging.registry.models import Area, Programme

from . import kpis


@dataclass(frozen=True)
class ProgrammeFigures:
    computed_at: datetime.datetime
    period: kpis.Period
    participation: kpis.Participation
    visits: kpis.Visits
    uptake: kpis.Uptake
    rise: kpis.SocialRise
    handling: tuple[kpis.PartnerHandling, ...]
    summary: dict  # registry_selectors.programme_summary: addresses and households per area
    series: tuple[kpis.MonthPoint, ...]  # month by month, each up to the month's end
    ordinary: tuple[kpis.PartnerHandling, ...]  # referrals without priority
    revisits: kpis.Revisits


# The programme's figures in parts, each kept on its own: all of them at once take 8–12 s at a
# region's size, and the tick renews one part at a time so that no run holds a core for that long.
PROGRAMME_PARTS: dict[str, Callable[[Programme, kpis.Period, int | None], object]] = {
    "participation": kpis.participation,
    "visits": kpis.visits,
    "uptake": kpis.trajectory_uptake,
    "rise": kpis.social_rise,
    "handling": kpis.priority_handling,
    # Every area's counts for the whole programme; the one area's for an area.
    "summary": lambda programme, period, area_id: registry_selectors.programme_summary(programme, period.end, area_id),
    "series": kpis.monthly_series,
    "ordinary": kpis.referral_handling,
    "revisits": kpis.revisits,
}


def part_key(programme: Programme, period: kpis.Period, part: str, area_id: int | None = None) -> str:
    area = "all" if area_id is None else area_id
    return f"monitoring:figures:v4:{programme.pk}:{area}:{period.start.isoformat()}:{period.end.isoformat()}:{part}"


def _part(programme: Programme, period: kpis.Period, part: str, area_id: int | None = None, *, refresh: bool = False):
    compute = PROGRAMME_PARTS[part]
    return _kept(
        part_key(programme, period, part, area_id), lambda: compute(programme, period, area_id), refresh=refresh
    )


def programme_figures(
    programme: Programme, period: kpis.Period | None = None, area_id: int | None = None
) -> ProgrammeFigures:
    """The kept figures of a period (by default the programme's up to today) for the whole programme
    or one area (a part that is not kept is computed now); computed_at is that of the oldest part."""
    period = period or kpis.programme_period(programme)
    with kpis.rows_shared():  # the series and the figures it repeats month by month fetch their rows once
        parts = {name: _part(programme, period, name, area_id) for name in PROGRAMME_PARTS}
    return ProgrammeFigures(
        computed_at=min(computed_at for _value, computed_at in parts.values()),
        period=period,
        **{name: value for name, (value, _computed_at) in parts.items()},  # type: ignore[arg-type]
    )


# --- The neighbourhood's pages, per area -----------------------------------------------------------

TURNOVER_YEARS = 5


def _kept[T](key: str, compute: Callable[[], T], *, refresh: bool = False) -> tuple[T, datetime.datetime]:
    max_age = settings.STIJGING_FIGURES_MAX_AGE
    if max_age > 0 and not refresh:
        hit = cache.get(key)
        if hit is not None:
            return hit
    value = (compute(), timezone.now())
    if max_age > 0:
        cache.set(key, value, max_age)
    return value


def _age(key: str) -> float | None:
    hit = cache.get(key)
    return None if hit is None else (timezone.now() - hit[1]).total_seconds()


def _cohesion_key(area: Area, waves: Sequence[Wave]) -> str:
    # The waves are in the key: a new wave or new dates make new figures.
    signature = ",".join(f"{w.pk}:{w.starts_on}:{w.ends_on}" for w in waves)
    return f"monitoring:cohesion:v1:{area.pk}:{signature}"


def cohesion_index(
    area: Area, waves: Sequence[Wave], streets: dict[int, str], *, refresh: bool = False
) -> tuple[kpis.CohesionTable, datetime.datetime]:
    return _kept(
        _cohesion_key(area, waves),
        lambda: kpis.cohesion_index(waves, area_id=area.pk, streets=streets),
        refresh=refresh,
    )


def _activity_key(area: Area, period: kpis.Period) -> str:
    return f"monitoring:activity:v1:{area.pk}:{period.start.isoformat()}:{period.end.isoformat()}"


def activity_per_street(
    programme: Programme, area: Area, period: kpis.Period, streets: dict[int, str], *, refresh: bool = False
) -> tuple[dict[int, kpis.StreetActivity], datetime.datetime]:
    """The cohesion page's other table: activities, participants and volunteer hours per street of
    the area in the period (three queries, ~16 ms at a region's size, on every visit until kept).
    Kept beside the area's cohesion index and renewed by the tick in the same step."""
    return _kept(
        _activity_key(area, period),
        lambda: kpis.activity_per_street(programme, period, list(streets)),
        refresh=refresh,
    )


def waves_in_period(programme: Programme, period: kpis.Period) -> list[Wave]:
    """The programme's waves that overlap the period: those the charts over time show."""
    from stijging.cohesion.selectors import waves_in_order

    return [w for w in waves_in_order(programme) if w.starts_on <= period.end and w.ends_on >= period.start]


def _cohesion_wave_key(programme: Programme, wave: Wave, areas: Sequence[Area]) -> str:
    # The areas and the wave's dates are in the key (the areas hashed: ~130 make it too long for a key).
    digest = hashlib.sha256(",".join(str(a.pk) for a in areas).encode()).hexdigest()[:32]
    return f"monitoring:cohesion-wave:v1:{programme.pk}:{wave.pk}:{wave.starts_on}:{wave.ends_on}:{digest}"


def _wave_index(wave: Wave, area_ids: list[int]) -> kpis.WaveIndex:
    return kpis.cohesion_per_wave([wave], area_ids)[0]


def cohesion_per_wave(
    programme: Programme, waves: Sequence[Wave], areas: Sequence[Area], *, refresh: bool = False
) -> tuple[tuple[kpis.WaveIndex, ...], datetime.datetime]:
    """The index per wave per area of the programme home's chart, kept wave by wave: a period's waves
    are some of the programme's, and every wave of the programme is kept by the tick (the programme
    period's chart), so a past quarter's or year's chart is drawn from kept waves too (one wave of
    a region computed anew takes seconds). computed_at is that of the oldest wave."""
    area_ids = [a.pk for a in areas]
    kept = [
        _kept(
            _cohesion_wave_key(programme, wave, areas),
            functools.partial(_wave_index, wave, area_ids),
            refresh=refresh,
        )
        for wave in waves
    ]
    return tuple(value for value, _computed_at in kept), min((c for _value, c in kept), default=timezone.now())


def turnover_years(period: kpis.Period | None = None) -> list[int]:
    """The years of the period (at most the last TURNOVER_YEARS of it); by default the last five up to
    this year."""
    last = period.end.year if period else timezone.localdate().year
    first = max(period.start.year, last - TURNOVER_YEARS + 1) if period else last - TURNOVER_YEARS + 1
    return list(range(first, last + 1))


def turnover(area: Area, years: Sequence[int], *, refresh: bool = False) -> tuple[kpis.Turnover, datetime.datetime]:
    key = f"monitoring:turnover:v1:{area.pk}:{min(years)}:{max(years)}"
    return _kept(key, lambda: kpis.turnover(area.pk, years), refresh=refresh)


def _housing_key(area: Area, period: kpis.Period) -> str:
    return f"monitoring:housing:v2:{area.pk}:{period.start.isoformat()}:{period.end.isoformat()}"


def housing_signals(
    programme: Programme, area: Area, period: kpis.Period, *, refresh: bool = False
) -> tuple[kpis.HousingSignals, datetime.datetime]:
    return _kept(
        _housing_key(area, period), lambda: kpis.housing_signals(programme, period, area_id=area.pk), refresh=refresh
    )


# A run of the tick renews figures for at most this long (it competes with the pages for the same two
# cores), starting with those older than a third of the max age: at a region's size a full renewal
# is about a minute of one core, spread over the twenty minutes before anything expires.
REFRESH_BUDGET_SECONDS = 3
REFRESH_AFTER_SHARE = 1 / 3


def refresh_all(budget_seconds: float = REFRESH_BUDGET_SECONDS) -> int:
    """The tick's step: recompute what is older than REFRESH_AFTER_SHARE of the max age — every
    programme's home figures, part by part, and, per area offered as a filter, its cohesion index
    with its activities per street, turnover and housing signals — so that a visitor finds them kept. One run stops after its budget
    and the next minute's run goes on. Returns the number of sets recomputed."""
    from stijging.cohesion.selectors import waves_in_order
    from stijging.registry.selectors import street_names_by_area, streets_in_area

    from .reports import activity_table, defect_categories, housing_tables, offered_areas, turnover_table

    max_age = settings.STIJGING_FIGURES_MAX_AGE
    if max_age <= 0:
        return 0

    def stale(key: str) -> bool:
        age = _age(key)
        return age is None or age > max_age * REFRESH_AFTER_SHARE

    refreshed = 0
    categories = None  # the defect categories, read once a run when a housing table is laid out
    today = timezone.localdate()
    deadline = time.monotonic() + budget_seconds
    for programme in Programme.objects.order_by("pk"):
        period = kpis.programme_period(programme)
        for part in PROGRAMME_PARTS:
            if time.monotonic() > deadline:
                return refreshed
            if stale(part_key(programme, period, part)):
                _part(programme, period, part, refresh=True)
                refreshed += 1
        waves = waves_in_order(programme)
        years = turnover_years(period)  # the turnover page's default: the programme's period
        areas = offered_areas(programme, today)
        # The charts of the programme home: the cohesion index per wave per offered area takes
        # seconds a wave at a region's size, too long for a first visitor to wait for. Every wave
        # of the programme's period, so the chart of any shorter period is kept as well.
        for wave in waves_in_period(programme, period):
            if stale(_cohesion_wave_key(programme, wave, areas)):
                if time.monotonic() > deadline:
                    return refreshed
                cohesion_per_wave(programme, [wave], areas, refresh=True)
                refreshed += 1
        for area in areas:
            if time.monotonic() > deadline:
                return refreshed
            # The cohesion page's two tables, the index per street and wave and the activities per
            # street (of the page's default period, the programme's), one step: renewed together.
            if (waves and stale(_cohesion_key(area, waves))) or stale(_activity_key(area, period)):
                streets = dict(streets_in_area(area).values_list("pk", "name"))
                if waves:
                    cohesion_index(area, waves, streets, refresh=True)
                kept_activity, _computed_at = activity_per_street(programme, area, period, streets, refresh=True)
                activity_table(kept_activity, streets)  # the layer's result kept for the visitor (below)
                refreshed += 1
            # The turnover and housing pages lay their figures out through the disclosure layer, whose
            # search takes up to a second or two of a core for a region's area; its result is kept by
            # the counts it was given, so laying the tables out here spares the visitor that search.
            if stale(f"monitoring:turnover:v1:{area.pk}:{min(years)}:{max(years)}"):
                kept_turnover, _computed_at = turnover(area, years, refresh=True)
                streets = dict(streets_in_area(area).values_list("pk", "name"))
                turnover_table(kept_turnover, streets, area)
                refreshed += 1
            if stale(_housing_key(area, period)):
                signals, _computed_at = housing_signals(programme, area, period, refresh=True)
                if categories is None:
                    categories = defect_categories()
                # Per complex and per street, as the housing page, the report and the XLSX show them.
                housing_tables(signals, area, categories, streets=street_names_by_area([area.pk])[area.pk])
                refreshed += 1
    return refreshed
