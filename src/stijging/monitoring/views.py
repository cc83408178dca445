"""The programme home: its figures against its targets (SPEC §4, from kpis.py), for every member of
the programme. Roles without access to persons see small cells suppressed."""

from __future__ import annotations

from django.shortcuts import render

from stijging.accounts.models import CASE_ROLES
from stijging.privacy.access import deny_not_found, login_required
from stijging.registry import access as registry_access
from stijging.registry import selectors as registry_selectors
from stijging.registry.models import Programme

from . import kpis


@login_required
def programme_home(request, slug: str):
    programme = Programme.objects.filter(slug=slug).first()
    if programme is None or not registry_access.may_open_programme(request.user, programme.pk):
        raise deny_not_found(request, "registry.programme", slug)
    sees_persons = programme.pk in registry_access.programme_ids_for(request.user, CASE_ROLES)
    period = kpis.programme_period(programme)
    participation = kpis.participation(programme, period)
    visits = kpis.visits(programme, period)

    def cell(value):
        return kpis.suppressed(value, sees_persons=sees_persons)

    summary = registry_selectors.programme_summary(programme)
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
    reached = cell(participation.reached)
    with_question = cell(visits.persons_with_help_question)
    context = {
        "programme": programme,
        "period": period,
        "participation": participation,
        "reached": reached,
        "in_scope": cell(participation.in_scope),
        "participation_rate": participation.rate if reached is not None else None,
        "persons_visited": cell(visits.persons_visited),
        "with_question": with_question,
        "question_share": visits.help_question_share if with_question is not None else None,
        "area_rows": area_rows,
        "totals": totals,
        "sees_persons": sees_persons,
        "may_list_streets": registry_access.may_list_streets(request.user, programme.pk),
        "may_work": programme.pk in registry_access.programme_ids_for(request.user, CASE_ROLES),
    }
    return render(request, "monitoring/programme_home.html", context)
