"""The programme home's figures, computed by kpis.py and kept for a while.

At a region's size (400,000 households, 200,000 trajectories, 300,000 referrals) computing all of
the programme's figures takes seconds; the dashboard must answer in 300 ms (SPEC §3). So the figures
are computed by `stijging tick` (and by the first visitor when none are kept) and kept in the cache
— shared by the server's workers and the tick — for STIJGING_FIGURES_MAX_AGE seconds; the page says
when they were computed. With a max age of 0 every visit computes them (the tests do)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from stijging.registry import selectors as registry_selectors
from stijging.registry.models import Programme

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


def _key(programme: Programme, period: kpis.Period) -> str:
    return f"monitoring:figures:v1:{programme.pk}:{period.start.isoformat()}:{period.end.isoformat()}"


def compute(programme: Programme, period: kpis.Period | None = None) -> ProgrammeFigures:
    period = period or kpis.programme_period(programme)
    figures = ProgrammeFigures(
        computed_at=timezone.now(),
        period=period,
        participation=kpis.participation(programme, period),
        visits=kpis.visits(programme, period),
        uptake=kpis.trajectory_uptake(programme, period),
        rise=kpis.social_rise(programme, period),
        handling=kpis.priority_handling(programme, period),
        summary=registry_selectors.programme_summary(programme, period.end),
    )
    if settings.STIJGING_FIGURES_MAX_AGE > 0:
        cache.set(_key(programme, period), figures, settings.STIJGING_FIGURES_MAX_AGE)
    return figures


def programme_figures(programme: Programme) -> ProgrammeFigures:
    """The kept figures of the programme's period up to today, or freshly computed ones."""
    period = kpis.programme_period(programme)
    kept = cache.get(_key(programme, period)) if settings.STIJGING_FIGURES_MAX_AGE > 0 else None
    return kept if kept is not None else compute(programme, period)


def refresh_all() -> int:
    """The tick's step: recompute the figures of every programme whose kept ones are older than half
    the max age, so that a visitor always finds them. Returns the number recomputed."""
    max_age = settings.STIJGING_FIGURES_MAX_AGE
    if max_age <= 0:
        return 0
    refreshed = 0
    for programme in Programme.objects.order_by("pk"):
        period = kpis.programme_period(programme)
        kept = cache.get(_key(programme, period))
        if kept is None or (timezone.now() - kept.computed_at).total_seconds() > max_age / 2:
            compute(programme, period)
            refreshed += 1
    return refreshed
