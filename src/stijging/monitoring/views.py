"""The programme home: its figures against its targets (SPEC §4, from kpis.py), for every member of
the programme; and the neighbourhood's aggregates — cohesion per street, turnover, housing signals.
Roles without access to persons see small cells suppressed."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy as pgettext

from stijging.accounts.models import CASE_ROLES
from stijging.cohesion import selectors as cohesion_selectors
from stijging.privacy import audit
from stijging.privacy.access import deny_not_found, login_required
from stijging.privacy.models import AuditAction
from stijging.registry import access as registry_access
from stijging.registry import selectors as registry_selectors
from stijging.registry.models import Programme

from . import access as neighbourhood_access
from . import exports, kpis, reports
from . import figures as kept_figures
from .figures import programme_figures


@login_required
def programme_home(request, slug: str):
    programme = Programme.objects.filter(slug=slug).first()
    if programme is None or not registry_access.may_open_programme(request.user, programme.pk):
        raise deny_not_found(request, "registry.programme", slug)
    sees_persons = programme.pk in registry_access.programme_ids_for(request.user, CASE_ROLES)
    figures = programme_figures(programme)
    period, participation, visits = figures.period, figures.participation, figures.visits
    uptake, rise, handling = figures.uptake, figures.rise, figures.handling

    def cell(value):
        return kpis.suppressed(value, sees_persons=sees_persons)

    def share(numerator: int, denominator: int):
        """A rate, hidden when either of the cells it is built on is suppressed (SPEC §4)."""
        if cell(numerator) is None or cell(denominator) is None:
            return None
        return kpis.rate(numerator, denominator)

    summary = figures.summary
    area_rows = [
        {"area": r.area, "addresses": r.addresses, "households": cell(r.households), "empty": cell(r.empty_addresses)}
        for r in summary["areas"]
    ]
    # A total is hidden where it would reveal a suppressed cell (SPEC §4).
    totals = {
        "addresses": summary["total"].addresses,
        "households": None if any(r["households"] is None for r in area_rows) else summary["total"].households,
        "empty": None if any(r["empty"] is None for r in area_rows) else summary["total"].empty_addresses,
    }
    # Social rise: rose / equal / declined are shares of the persons compared; the groups counted
    # apart are shares of all persons followed.
    rise_rows = [
        {"label": label, "count": cell(count), "share": share(count, denominator), "of": of}
        for label, count, denominator, of in (
            (_("rose"), rise.rose, rise.compared, "compared"),
            (_("equal"), rise.equal, rise.compared, "compared"),
            (pgettext("rung change", "declined"), rise.declined, rise.compared, "compared"),
            (_("at rung 6 at baseline"), rise.at_top, rise.followed, "followed"),
            (_("ladder not applicable (AOW age, full-time education)"), rise.not_applicable, rise.followed, "followed"),
            (_("no rung at the latest measurement"), rise.no_rung, rise.followed, "followed"),
        )
    ]
    domain_rows = [
        {
            "name": d.name,
            "compared": cell(d.compared),
            "mean_change": d.mean_change if cell(d.compared) is not None else None,
            "improved_share": share(d.improved, d.compared),
            "equal_share": share(d.equal, d.compared),
            "worse_share": share(d.worse, d.compared),
        }
        for d in rise.domains
    ]
    partner_rows = [
        {
            "organisation": h.organisation,
            "sent": cell(h.sent),
            "answered": cell(h.answered),
            "median": h.median_working_days if cell(h.answered) is not None else None,
            "within_share": share(h.within, h.within + h.missed),
            "overdue_now": cell(h.overdue_now),
        }
        for h in handling
    ]
    in_trajectory = cell(uptake.in_trajectory)
    reached = cell(participation.reached)
    with_question = cell(visits.persons_with_help_question)
    context = {
        "programme": programme,
        "period": period,
        "computed_at": figures.computed_at,
        "participation": participation,
        "reached": reached,
        "in_scope": cell(participation.in_scope),
        "participation_rate": participation.rate if reached is not None else None,
        "persons_visited": cell(visits.persons_visited),
        "with_question": with_question,
        "question_share": visits.help_question_share if with_question is not None else None,
        "uptake": uptake,
        "in_trajectory": in_trajectory,
        "uptake_rate": share(uptake.in_trajectory, uptake.persons_visited),
        "rise_followed": cell(rise.followed),
        "rise_compared": cell(rise.compared),
        "rise_rows": rise_rows,
        "domain_rows": domain_rows,
        "partner_rows": partner_rows,
        "area_rows": area_rows,
        "totals": totals,
        "sees_persons": sees_persons,
        "may_list_streets": registry_access.may_list_streets(request.user, programme.pk),
        "may_work": programme.pk in registry_access.programme_ids_for(request.user, CASE_ROLES),
        "coordinates": neighbourhood_access.coordinates(request.user, programme.pk),
        "may_see_neighbourhood": neighbourhood_access.may_see_neighbourhood(request.user, programme.pk),
        "may_see_housing": neighbourhood_access.may_see_housing(request.user, programme.pk),
    }
    return render(request, "monitoring/programme_home.html", context)


# --- The neighbourhood: cohesion per street, turnover, housing signals (aggregates only) ----------


def _aggregate_programme_or_404(request, slug: str, allowed) -> Programme:
    programme = Programme.objects.filter(slug=slug).first()
    if programme is None or not allowed(request.user, programme.pk):
        raise deny_not_found(request, "registry.programme", slug)
    return programme


def _chosen_area(request, programme: Programme):
    """The area asked for, among those large enough to be offered (SPEC §4); else the first."""
    areas = reports.offered_areas(programme, timezone.localdate())
    wanted = request.GET.get("area", "")
    chosen = next((a for a in areas if str(a.pk) == wanted), areas[0] if areas else None)
    return areas, chosen


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
    areas, area = _chosen_area(request, programme)
    waves = cohesion_selectors.waves_in_order(programme)
    table = computed_at = None
    if area is not None and waves:
        streets = dict(registry_selectors.streets_in_area(area).values_list("pk", "name"))
        table, computed_at = kept_figures.cohesion_index(area, waves, streets)
    context = _neighbourhood_context(request, programme, "index") | {
        "areas": areas,
        "area": area,
        "table": table,
        "computed_at": computed_at,
    }
    return render(request, "monitoring/cohesion.html", context)


@login_required
def turnover(request, slug: str):
    programme = _aggregate_programme_or_404(request, slug, neighbourhood_access.may_see_neighbourhood)
    areas, area = _chosen_area(request, programme)
    years = kept_figures.turnover_years()
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
    context = _neighbourhood_context(request, programme, "turnover") | {
        "areas": areas,
        "area": area,
        "table": table,
        "rates": rates,
        "computed_at": computed_at,
    }
    return render(request, "monitoring/turnover.html", context)


@login_required
def housing(request, slug: str):
    programme = _aggregate_programme_or_404(request, slug, neighbourhood_access.may_see_housing)
    areas, area = _chosen_area(request, programme)
    period = kpis.programme_period(programme)
    tables, means, computed_at = [], [], None
    if area is not None:
        signals, computed_at = kept_figures.housing_signals(programme, area, period)
        tables = reports.housing_tables(signals, area)
        means = reports.satisfaction_means(signals, area)
    context = _neighbourhood_context(request, programme, "housing") | {
        "areas": areas,
        "area": area,
        "period": period,
        "tables": tables,
        "means": means,
        "computed_at": computed_at,
    }
    return render(request, "monitoring/housing.html", context)


@login_required
def housing_xlsx(request, slug: str):
    programme = _aggregate_programme_or_404(request, slug, neighbourhood_access.may_see_housing)
    period = kpis.programme_period(programme)
    areas = reports.offered_areas(programme, timezone.localdate())
    categories = reports.defect_categories()
    sheets = []
    for area in areas:
        # Per area, as the screen shows it: the kept figures where the tick keeps them.
        signals, _computed_at = kept_figures.housing_signals(programme, area, period)
        sheets.append(
            (area, reports.housing_tables(signals, area, categories), reports.satisfaction_means(signals, area))
        )
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
