"""The programme home: its figures against its targets (SPEC §4, from the kpis package), for every member of
the programme; and the neighbourhood's aggregates — cohesion per street, turnover, housing signals.
Roles without access to persons see small cells suppressed."""

from __future__ import annotations

import functools

from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from stijging.cohesion import selectors as cohesion_selectors
from stijging.core.views_toolkit import visible_or_404
from stijging.privacy import audit
from stijging.privacy.access import login_required
from stijging.privacy.models import AuditAction
from stijging.registry import access as registry_access
from stijging.registry import selectors as registry_selectors
from stijging.registry.models import Programme

from . import access as neighbourhood_access
from . import exports, kpis, page, periods, quarterly, reports
from . import figures as kept_figures
from .fragments import fingerprint


def _programme_or_404(request, slug: str, allowed) -> Programme:
    """The programme of the URL, if `allowed(user, programme id)`; else the audited 404 a missing one
    gets (the toolkit's), so a programme the user is not in and one that does not exist look alike."""
    return visible_or_404(
        request,
        registry_selectors.programme_by_slug,
        slug,
        "registry.programme",
        permits=lambda programme: allowed(request.user, programme.pk),
    )


@login_required
def programme_home(request, slug: str):
    programme = _programme_or_404(request, slug, registry_access.may_open_programme)
    context = page.programme_home(request.user, programme, page.filters(request.GET, programme, whole_programme=True))
    return render(request, "monitoring/programme_home.html", context)


# --- The neighbourhood: cohesion per street, turnover, housing signals (aggregates only) ----------


def _neighbourhood_context(request, programme: Programme, here: str) -> dict:
    return {
        "programme": programme,
        "here": here,
        "coordinates": neighbourhood_access.coordinates(request.user, programme.pk),
        "may_see_housing": neighbourhood_access.may_see_housing(request.user, programme.pk),
    }


@login_required
def cohesion(request, slug: str):
    programme = _programme_or_404(request, slug, neighbourhood_access.may_see_neighbourhood)
    filters = page.filters(request.GET, programme, whole_programme=False)
    area, period = filters["area"], filters["period"]
    # The waves held (at least partly) in the period.
    waves = [
        w
        for w in cohesion_selectors.waves_in_order(programme)
        if w.starts_on <= period.end and w.ends_on >= period.start
    ]
    table = computed_at = activity = None
    activity_fingerprint = ""
    if area is not None:
        streets = dict(registry_selectors.streets_in_area(area).values_list("pk", "name"))
        if waves:
            table, computed_at = kept_figures.cohesion_index(area, waves, streets)
        per_street, activity_computed_at = kept_figures.activity_per_street(programme, area, period, streets)
        # Laid out through the disclosure layer only when its drawing is not kept (the fragment).
        activity = SimpleLazyObject(functools.partial(reports.activity_table, per_street, streets))
        # Protected alike for every reader: the kept figure (area, period, when), the streets' names.
        activity_fingerprint = fingerprint(
            area.pk, period.start, period.end, activity_computed_at, tuple(sorted(streets.items()))
        )
    context = (
        _neighbourhood_context(request, programme, "index")
        | filters
        | {
            "table": table,
            "computed_at": computed_at,
            # The index table is drawn from the kept figures alone (the same for every reader of the
            # neighbourhood): kept drawn under what it was computed from and when (fragments.py).
            "table_fingerprint": fingerprint(
                area.pk, area.name, computed_at, tuple((w.pk, w.name, w.starts_on, w.ends_on) for w in waves)
            )
            if table is not None and area is not None
            else "",
            "activity": activity,
            "activity_fingerprint": activity_fingerprint,
        }
    )
    return render(request, "monitoring/cohesion.html", context)


@login_required
def turnover(request, slug: str):
    programme = _programme_or_404(request, slug, neighbourhood_access.may_see_neighbourhood)
    filters = page.filters(request.GET, programme, whole_programme=False)
    area = filters["area"]
    years = kept_figures.turnover_years(filters["period"])
    table = figures = computed_at = None
    if area is not None:
        streets = dict(registry_selectors.streets_in_area(area).values_list("pk", "name"))
        figures, computed_at = kept_figures.turnover(area, years)
        table = reports.turnover_table(figures, streets, area)
    rates = []
    if figures is not None:
        for year in years:
            households = kpis.suppressed(figures.households_on_1_january[year], sees_persons=False)
            moved_in = kpis.suppressed(figures.area[year].moved_in, sees_persons=False)
            moved_out = kpis.suppressed(figures.area[year].moved_out, sees_persons=False)
            # The rate only where the counts it is made of are shown (5 or more).
            share = kpis.rate(moved_out, households) if moved_out is not None and households is not None else None
            rates.append((year, households, moved_in, moved_out, share))
    context = (
        _neighbourhood_context(request, programme, "turnover")
        | filters
        | {
            "table": table,
            "rates": rates,
            "computed_at": computed_at,
        }
    )
    return render(request, "monitoring/turnover.html", context)


@login_required
def housing(request, slug: str):
    programme = _programme_or_404(request, slug, neighbourhood_access.may_see_housing)
    filters = page.filters(request.GET, programme, whole_programme=False)
    area, period = filters["area"], filters["period"]
    context = (
        _neighbourhood_context(request, programme, "housing")
        | filters
        | {"tables": [], "means": [], "tables_fingerprint": "", "computed_at": None}
    )
    if area is not None:
        signals, computed_at = kept_figures.housing_signals(programme, area, period)
        streets = registry_selectors.street_names_by_area([area.pk])[area.pk]
        categories = reports.defect_categories()
        context |= {
            # Per complex and per street, each pair protected together (the tick keeps the layer's
            # result). Laid out only when their drawing is not kept (housing.html's fragment): at a
            # region's size the layout is most of the page's time.
            "tables": SimpleLazyObject(functools.partial(reports.housing_tables, signals, area, categories, streets)),
            "means": SimpleLazyObject(functools.partial(reports.satisfaction_means, signals, area)),
            # The tables are protected alike for every reader who may open them (no role sees persons
            # here), so what they show is the kept figure (area, period, when computed) and the names
            # it is laid out with.
            "tables_fingerprint": fingerprint(
                area.pk,
                area.name,
                period.start,
                period.end,
                computed_at,
                tuple(sorted(streets.items())),
                tuple((c.code, c.name, c.order) for c in categories),
            ),
            "computed_at": computed_at,
        }
    return render(request, "monitoring/housing.html", context)


@login_required
def housing_xlsx(request, slug: str):
    programme = _programme_or_404(request, slug, neighbourhood_access.may_see_housing)
    period = periods.chosen(request.GET, programme).period
    areas = reports.offered_areas(programme, timezone.localdate())
    categories = reports.defect_categories()
    streets = registry_selectors.street_names_by_area([area.pk for area in areas])
    sheets = []
    for area in areas:
        # Per area, as the screen shows it: the kept figures where the tick keeps them.
        signals, _computed_at = kept_figures.housing_signals(programme, area, period)
        tables = reports.housing_tables(signals, area, categories, streets=streets[area.pk])
        sheets.append((area, tables, reports.satisfaction_means(signals, area)))
    content = exports.housing_workbook(programme, period, sheets)
    audit.record(
        actor=request.user,
        action=AuditAction.EXPORT,
        obj=programme,
        purpose="monitoring",
        detail={"housing_signals": "xlsx", "areas": len(areas)},
    )
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="woonsignalen-{programme.slug}-{period.end}.xlsx"'
    return response


# --- The quarterly report (PDF and XLSX) for the programme manager ---------------------------------


def _report_context(request, slug: str) -> dict:
    programme = _programme_or_404(request, slug, neighbourhood_access.may_see_report)
    filters = page.filters(request.GET, programme, whole_programme=True)
    # The report is handed over: aggregates only, suppressed whoever asks.
    figures, home = page.home_figures(request.user, programme, filters, sees_persons=False)
    area = filters["area"]
    housing = []
    activity = None
    if area is not None:
        signals, _computed_at = kept_figures.housing_signals(programme, area, filters["period"])
        streets = registry_selectors.street_names_by_area([area.pk])[area.pk]
        housing = reports.housing_tables(signals, area, streets=streets)
        activity = reports.activity_table(
            kpis.activity_per_street(programme, filters["period"], list(streets)), streets
        )
    return filters | {
        "programme": programme,
        "computed_at": figures.computed_at,
        "home": home,
        "cells": home.cells,
        "participation": figures.participation,
        "uptake": figures.uptake,
        "participation_rate": home.share("reached", "in_scope"),
        "question_share": home.share("with_question", "visited"),
        "uptake_rate": home.share("in_trajectory", "visited"),
        "housing_tables": housing,
        "activity_table": activity,
        "charts": page.charts(programme, filters, home, with_cohesion=True),  # the report's reader is the manager
        "definitions": quarterly.definitions(),
        "today": timezone.localdate(),
    }


def _report_audit(request, context: dict, kind: str) -> None:
    area = context["area"]
    audit.record(
        actor=request.user,
        action=AuditAction.EXPORT,
        obj=context["programme"],
        purpose="monitoring",
        detail={
            "programme_report": kind,
            "period": [context["period"].start.isoformat(), context["period"].end.isoformat()],
            "area_id": area.pk if area else None,
        },
    )


def _report_name(context: dict, extension: str) -> str:
    area = f"-gebied-{context['area'].pk}" if context["area"] else ""
    return f"rapportage-{context['programme'].slug}-{context['period'].start}-{context['period'].end}{area}.{extension}"


@login_required
def report_pdf(request, slug: str):
    context = _report_context(request, slug)
    from weasyprint import HTML  # imported here: start-up stays fast, and the rest runs without Pango

    html = render_to_string("monitoring/report_print.html", context, request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    _report_audit(request, context, "pdf")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_report_name(context, "pdf")}"'
    return response


@login_required
def report_xlsx(request, slug: str):
    context = _report_context(request, slug)
    content = quarterly.report_workbook(context)
    _report_audit(request, context, "xlsx")
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{_report_name(context, "xlsx")}"'
    return response
