"""What the programme home shows: the period and area asked for, the figures through the disclosure
layer, the charts over time and what the user may open from it. The view-model of monitoring.views,
kept apart so the views stay thin (issue 17, item 3): the views check access, render and audit; this
module says what the page holds. The quarterly report builds on the same pieces, so the printed
figures are the screen's."""

from __future__ import annotations

from django.utils import timezone

from stijging.accounts.models import CASE_ROLES
from stijging.privacy.disclosure import SPECIAL_CATEGORY_ROLES
from stijging.registry import access as registry_access
from stijging.registry.models import Programme

from . import access as neighbourhood_access
from . import figures as kept_figures
from . import over_time, periods, reports
from .fragments import fingerprint


def filters(query, programme: Programme, *, whole_programme: bool) -> dict:
    """The period and the area asked for in the URL's `query` (a link reproduces the view), among the
    periods of the programme and the areas large enough to be offered (SPEC §4). With
    `whole_programme`, no area is the whole programme; else the first offered area stands in."""
    period = periods.chosen(query, programme)
    areas = reports.offered_areas(programme, timezone.localdate())
    wanted = query.get("area", "")
    area = next((a for a in areas if str(a.pk) == wanted), None)
    if area is None and not whole_programme and areas:
        area = areas[0]
    return {
        "chosen_period": period,
        "period": period.period,
        "period_choices": periods.choices(programme),
        "areas": areas,
        "area": area,
        "whole_programme_option": whole_programme,
    }


def kept_for_area(programme: Programme, period, area):
    """The kept figures of the period, and the area summary narrowed to `area` (None: the whole
    programme, every area's row)."""
    figures = kept_figures.programme_figures(programme, period, area.pk if area else None)
    summary = figures.summary
    if area is not None:
        rows = [r for r in summary["areas"] if r.area.pk == area.pk]
        summary = {"areas": rows, "total": rows[0] if rows else summary["total"]}
    return figures, summary


def home_figures(user, programme: Programme, chosen: dict, *, sees_persons: bool):
    """The programme home's figures for the period and area chosen, as `user` is shown them (with
    `sees_persons` or not): health and police figures only for the whole programme, and only to the
    roles allowed them."""
    special_allowed = chosen["area"] is None and programme.pk in registry_access.programme_ids_for(
        user, SPECIAL_CATEGORY_ROLES
    )
    return shown_figures(programme, chosen, sees_persons=sees_persons, special_allowed=special_allowed)


def shown_figures(programme: Programme, chosen: dict, *, sees_persons: bool, special_allowed: bool):
    """The kept figures of the period and area chosen (`filters`), and the cells a reader class is
    shown: the one call of the disclosure layer for the programme home, the quarterly report and
    the API's figures. Every table shown beside the cards goes in (the monthly series, the
    referrals without priority, the revisits), for their sums tie cells of different tables
    together: a reader of the same class gets the same cells wherever they read them (issue 14)."""
    figures, summary = kept_for_area(programme, chosen["period"], chosen["area"])
    home = reports.home_figures(
        participation=figures.participation,
        visits=figures.visits,
        uptake=figures.uptake,
        rise=figures.rise,
        handling=figures.handling,
        summary=summary,
        sees_persons=sees_persons,
        special_allowed=special_allowed,
        series=figures.series,
        ordinary=figures.ordinary,
        revisits=figures.revisits,
    )
    return figures, home


def charts(programme: Programme, chosen: dict, home, *, with_cohesion: bool) -> list:
    """The charts over time: the targets' figures month by month, and — for the roles that see the
    neighbourhood — the cohesion index per wave per area (the waves that overlap the period)."""
    drawn = over_time.target_charts(home, programme)
    if with_cohesion:
        waves = kept_figures.waves_in_period(programme, chosen["period"])
        if waves:
            per_wave, _computed_at = kept_figures.cohesion_per_wave(programme, waves, chosen["areas"])
            chart = over_time.cohesion_chart(per_wave, chosen["areas"], chosen["area"])
            if chart is not None:
                drawn.append(chart)
    return drawn


def programme_home(user, programme: Programme, chosen: dict) -> dict:
    """The programme home's whole context: the figures against the targets, the charts, and the links
    the user's roles in this programme open (SPEC §3)."""
    case_programmes = registry_access.programme_ids_for(user, CASE_ROLES)
    sees_persons = programme.pk in case_programmes
    figures, home = home_figures(user, programme, chosen, sees_persons=sees_persons)
    may_see_neighbourhood = neighbourhood_access.may_see_neighbourhood(user, programme.pk)
    may_list_streets = registry_access.may_list_streets(user, programme.pk)
    return chosen | {
        "charts": charts(programme, chosen, home, with_cohesion=may_see_neighbourhood),
        "programme": programme,
        "computed_at": figures.computed_at,
        "participation": figures.participation,
        "uptake": figures.uptake,
        "home": home,
        "cells": home.cells,
        "participation_rate": home.share("reached", "in_scope"),
        "question_share": home.share("with_question", "visited"),
        "uptake_rate": home.share("in_trajectory", "visited"),
        "rise_rows": home.rise_rows,
        "domain_rows": home.domain_rows,
        "partner_rows": home.partner_rows,
        "area_rows": home.area_rows,
        "total_addresses": sum(r["addresses"] for r in home.area_rows),
        "sees_persons": sees_persons,
        "may_list_streets": may_list_streets,
        # The areas' table is kept drawn (programme_home.html's {% cache %}): what it shows, the cells
        # through the layer, and whether its rows link to the streets.
        "areas_fingerprint": fingerprint(
            programme.slug,
            may_list_streets,
            tuple(
                (
                    row["area"].pk,
                    row["area"].name,
                    row["area"].cbs_buurtcode,
                    row["addresses"],
                    row["households"],
                    row["empty"],
                )
                for row in home.area_rows
            ),
            home.cells["households_total"],
            home.cells["empty_total"],
        ),
        "may_work": sees_persons,  # the case roles: the same set as who sees persons
        "coordinates": neighbourhood_access.coordinates(user, programme.pk),
        "may_see_neighbourhood": may_see_neighbourhood,
        "may_see_housing": neighbourhood_access.may_see_housing(user, programme.pk),
        "may_report": neighbourhood_access.may_see_report(user, programme.pk),
    }
