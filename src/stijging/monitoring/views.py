"""The programme home: its figures against its targets (SPEC §4, from kpis.py), for every member of
the programme. Roles without access to persons see small cells suppressed."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy as pgettext

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
    uptake = kpis.trajectory_uptake(programme, period)
    rise = kpis.social_rise(programme, period)
    handling = kpis.priority_handling(programme, period)

    def cell(value):
        return kpis.suppressed(value, sees_persons=sees_persons)

    def share(numerator: int, denominator: int):
        """A rate, hidden when either of the cells it is built on is suppressed (SPEC §4)."""
        if cell(numerator) is None or cell(denominator) is None:
            return None
        return kpis.rate(numerator, denominator)

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
    }
    return render(request, "monitoring/programme_home.html", context)
