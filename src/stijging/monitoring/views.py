"""The programme home: its figures against its targets (SPEC §4, from the kpis package), for every member of
the programme; and the neighbourhood's aggregates — cohesion per street, turnover, housing signals.
Roles without access to persons see small cells suppressed."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone

from stijging.accounts.models import CASE_ROLES
from stijging.cohesion import selectors as cohesion_selectors
from stijging.privacy import audit
from stijging.privacy.access import deny_not_found, login_required
from stijging.privacy.disclosure import SPECIAL_CATEGORY_ROLES
from stijging.privacy.models import AuditAction
from stijging.registry import access as registry_access
from stijging.registry import selectors as registry_selectors
from stijging.registry.models import Programme

from . import access as neighbourhood_access
from . import exports, kpis, over_time, periods, quarterly, reports
from . import figures as kept_figures
from .figures import programme_figures


def _home(request, programme: Programme, filters: dict, *, sees_persons: bool):
    """The programme home's figures for the period and area chosen, through the disclosure layer."""
    area = filters["area"]
    figures = programme_figures(programme, filters["period"], area.pk if area else None)
    summary = figures.summary
    if area is not None:
        rows = [r for r in summary["areas"] if r.area.pk == area.pk]
        summary = {"areas": rows, "total": rows[0] if rows else summary["total"]}
    special_allowed = area is None and programme.pk in registry_access.programme_ids_for(
        request.user, SPECIAL_CATEGORY_ROLES
    )
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


def _charts(programme: Programme, filters: dict, home, *, with_cohesion: bool) -> list:
    """The charts over time: the targets' figures month by month, and — for the roles that see the
    neighbourhood — the cohesion index per wave per area (the waves that overlap the period)."""
    charts = over_time.target_charts(home, programme)
    if with_cohesion:
        waves = kept_figures.waves_in_period(programme, filters["period"])
        if waves:
            per_wave, _computed_at = kept_figures.cohesion_per_wave(programme, waves, filters["areas"])
            chart = over_time.cohesion_chart(per_wave, filters["areas"], filters["area"])
            if chart is not None:
                charts.append(chart)
    return charts


def _filters(request, programme: Programme, *, whole_programme: bool) -> dict:
    """The period and the area asked for in the URL (a link reproduces the view), among the periods
    of the programme and the areas large enough to be offered (SPEC §4). With `whole_programme`, no
    area is the whole programme; else the first offered area stands in."""
    period = periods.chosen(request.GET, programme)
    areas = reports.offered_areas(programme, timezone.localdate())
    wanted = request.GET.get("area", "")
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


@login_required
def programme_home(request, slug: str):
    programme = Programme.objects.filter(slug=slug).first()
    if programme is None or not registry_access.may_open_programme(request.user, programme.pk):
        raise deny_not_found(request, "registry.programme", slug)
    sees_persons = programme.pk in registry_access.programme_ids_for(request.user, CASE_ROLES)
    filters = _filters(request, programme, whole_programme=True)
    figures, home = _home(request, programme, filters, sees_persons=sees_persons)
    may_see_neighbourhood = neighbourhood_access.may_see_neighbourhood(request.user, programme.pk)
    context = filters | {
        "charts": _charts(programme, filters, home, with_cohesion=may_see_neighbourhood),
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
        "may_list_streets": registry_access.may_list_streets(request.user, programme.pk),
        "may_work": programme.pk in registry_access.programme_ids_for(request.user, CASE_ROLES),
        "coordinates": neighbourhood_access.coordinates(request.user, programme.pk),
        "may_see_neighbourhood": may_see_neighbourhood,
        "may_see_housing": neighbourhood_access.may_see_housing(request.user, programme.pk),
        "may_report": neighbourhood_access.may_see_report(request.user, programme.pk),
    }
    return render(request, "monitoring/programme_home.html", context)


# --- The neighbourhood: cohesion per street, turnover, housing signals (aggregates only) ----------


def _aggregate_programme_or_404(request, slug: str, allowed) -> Programme:
    programme = Programme.objects.filter(slug=slug).first()
    if programme is None or not allowed(request.user, programme.pk):
        raise deny_not_found(request, "registry.programme", slug)
    return programme


def _neighbourhood_context(request, programme: Programme, here: str) -> dict:
    return {
        "programme": programme,
        "here": here,
        "coordinates": neighbourhood_access.coordinates(request.user, programme.pk),
        "may_see_housing": neighbourhood_access.may_see_housing(request.user, programme.pk),
    }


@login_required
def cohesion(request, slug: str):
    programme = _aggregate_programme_or_404(request, slug, neighbourhood_access.may_see_neighbourhood)
    filters = _filters(request, programme, whole_programme=False)
    area, period = filters["area"], filters["period"]
    # The waves held (at least partly) in the period.
    waves = [
        w
        for w in cohesion_selectors.waves_in_order(programme)
        if w.starts_on <= period.end and w.ends_on >= period.start
    ]
    table = computed_at = activity = None
    if area is not None:
        streets = dict(registry_selectors.streets_in_area(area).values_list("pk", "name"))
        if waves:
            table, computed_at = kept_figures.cohesion_index(area, waves, streets)
        activity = reports.activity_table(kpis.activity_per_street(programme, period, list(streets)), streets)
    context = (
        _neighbourhood_context(request, programme, "index")
        | filters
        | {
            "table": table,
            "computed_at": computed_at,
            "activity": activity,
        }
    )
    return render(request, "monitoring/cohesion.html", context)


@login_required
def turnover(request, slug: str):
    programme = _aggregate_programme_or_404(request, slug, neighbourhood_access.may_see_neighbourhood)
    filters = _filters(request, programme, whole_programme=False)
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
    programme = _aggregate_programme_or_404(request, slug, neighbourhood_access.may_see_housing)
    filters = _filters(request, programme, whole_programme=False)
    area, period = filters["area"], filters["period"]
    tables, means, computed_at = [], [], None
    if area is not None:
        signals, computed_at = kept_figures.housing_signals(programme, area, period)
        streets = registry_selectors.street_names_by_area([area.pk])[area.pk]
        # Per complex and per street, each pair protected together (the tick keeps the same).
        tables = reports.housing_tables(signals, area, streets=streets)
        means = reports.satisfaction_means(signals, area)
    context = (
        _neighbourhood_context(request, programme, "housing")
        | filters
        | {
            "tables": tables,
            "means": means,
            "computed_at": computed_at,
        }
    )
    return render(request, "monitoring/housing.html", context)


@login_required
def housing_xlsx(request, slug: str):
    programme = _aggregate_programme_or_404(request, slug, neighbourhood_access.may_see_housing)
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
    programme = _aggregate_programme_or_404(request, slug, neighbourhood_access.may_see_report)
    filters = _filters(request, programme, whole_programme=True)
    # The report is handed over: aggregates only, suppressed whoever asks.
    figures, home = _home(request, programme, filters, sees_persons=False)
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
        "charts": _charts(programme, filters, home, with_cohesion=True),  # the report's reader is the manager
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
