"""The API's figures are the programme home's, cell for cell (issue 14, SPEC §4): an attacker who
reads both the page (as a role that sees no persons) and the API (the same reader class) for the
same programme, period and area must not find a number on one that the other hides. The page shows
the monthly series beside the cards and tables, whose sums tie cells of different tables together
(the last month's referrals decided are the partners' decided); a layer run over fewer relations
for the API would show cells the page hides to keep a small count from being worked out."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse

from stijging.accounts.models import OrganisationKind
from stijging.monitoring import page as monitoring_page
from stijging.monitoring import reports

from ..accounts.factories import MembershipFactory, OrganisationFactory
from ..monitoring.test_kpis_trajectories import Data, at
from .factories import api_client_of, http

D = datetime.date


@pytest.fixture
def programme(world):
    """A programme that ended on 10 November 2026 (so "the programme so far" is the same whatever
    today is) with one person visited and in a trajectory, referred with priority to two partners
    that are not special categories: the GGD answered 5 within the service level and 5 late; a
    welfare organisation answered its one referral within it. Alone, the GGD's row shows (5 of 10
    within); beside the monthly series (the last month's 11 decided and 6 within are the partners'
    sums) it would give away the welfare organisation's single referral."""
    cache.clear()
    d = Data(world)
    for role in ("coordinator", "admin"):
        MembershipFactory(user=world.user(role), programme=d.programme, role=role)
    d.conversation(d.household(1), D(2026, 2, 2), [("P1", D(1980, 5, 1), 2, (2, 3, 4))])
    d.trajectory("P1", D(2026, 2, 10))
    # Mondays from 2 March on (no public holidays in the three working days after them).
    mondays = [D(2026, 3, 2) + datetime.timedelta(weeks=n) for n in range(10)]
    for monday in mondays[:5]:  # answered the next day: within
        d.referral(d.ggd, monday, answered_at=at(monday + datetime.timedelta(days=1)), status="accepted")
    for monday in mondays[5:]:  # answered a week later: late
        d.referral(d.ggd, monday, answered_at=at(monday + datetime.timedelta(days=7)), status="accepted")
    welfare = OrganisationFactory(name="Welzijn Venlo", kind=OrganisationKind.WELFARE)
    d.referral(welfare, D(2026, 8, 3), answered_at=at(D(2026, 8, 4)), status="accepted")  # the one small count
    yield d.programme
    cache.clear()


def _cell(cell) -> tuple:
    return (cell.value, str(cell.state))


def _share(value) -> float | None:
    return None if value is None else float(value)


def _page_cells(home) -> dict:
    """What the programme home shows of the figures the API gives, keyed as the API's response."""
    cells = {
        ("cards", name): _cell(home.cells[name])
        for name in ("in_scope", "reached", "visited", "with_question", "in_trajectory")
    }
    cells["participation_rate"] = _share(home.share("reached", "in_scope"))
    for i, row in enumerate(home.rise_rows):
        cells[("rise", i, "cell")] = _cell(row["cell"])
        cells[("rise", i, "share")] = _share(row["share"])
    for row in home.domain_rows:
        for part in ("compared", "improved_cell", "equal_cell", "worse_cell"):
            cells[("domains", str(row["name"]), part.removesuffix("_cell"))] = _cell(row[part])
        cells[("domains", str(row["name"]), "mean_change")] = _share(row["mean_change"])
    for row in home.partner_rows:
        for part in ("sent", "answered", "overdue_now"):
            cells[("partners", str(row["organisation"]), part)] = _cell(row[part])
        cells[("partners", str(row["organisation"]), "within_share")] = _share(row["within_share"])
        cells[("partners", str(row["organisation"]), "median_working_days")] = _share(row["median"])
    for row in home.area_rows:
        for part in ("households", "empty"):
            cells[("areas", row["area"].pk, part)] = _cell(row[part])
    return cells


def _api_cells(data: dict) -> dict:
    def cell(c) -> tuple:
        return (c["value"], c["state"])

    cells = {("cards", name): cell(c) for name, c in data["cards"].items()}
    cells["participation_rate"] = data["participation_rate"]
    for i, row in enumerate(data["rise"]):
        cells[("rise", i, "cell")] = cell(row["cell"])
        cells[("rise", i, "share")] = row["share"]
    for row in data["domains"]:
        for part in ("compared", "improved", "equal", "worse"):
            cells[("domains", row["name"], part)] = cell(row[part])
        cells[("domains", row["name"], "mean_change")] = row["mean_change"]
    for row in data["partners"]:
        for part in ("sent", "answered", "overdue_now"):
            cells[("partners", row["organisation"], part)] = cell(row[part])
        cells[("partners", row["organisation"], "within_share")] = row["within_share"]
        cells[("partners", row["organisation"], "median_working_days")] = row["median_working_days"]
    for row in data["areas"]:
        for part in ("households", "empty"):
            cells[("areas", row["area_id"], part)] = cell(row[part])
    return cells


def _number(shown) -> object:
    """A cell's number (or a share), None when hidden."""
    return shown[0] if isinstance(shown, tuple) else shown


@pytest.mark.parametrize("query", [{}, {"period": "2026-Q3"}, {"period": "2026"}])
def test_the_api_shows_no_number_the_page_hides_and_hides_what_the_page_hides(world, login, programme, query):
    page = login(world.user("coordinator")).get(reverse("monitoring:programme", args=[programme.slug]), query)
    assert page.status_code == 200
    assert not page.context["sees_persons"]  # the reader class of the API: no persons, no special categories
    on_page = _page_cells(page.context["home"])
    # The page (with the monthly series beside it) hides the cells that would give the small one away.
    assert page.context["home"].series

    _client, token = api_client_of(world, scopes=["figures"], name="Dashboard", programmes=[programme])
    response = http(token).get(reverse("api:figures", args=[programme.slug]), query)
    assert response.status_code == 200, response.content
    from_api = _api_cells(response.json())

    assert from_api.keys() == on_page.keys()
    for key, shown in from_api.items():
        if _number(shown) is not None:  # a number on the API is the same number on the page
            assert _number(on_page[key]) == _number(shown), key
        if _number(on_page[key]) is None:  # what the page hides, the API hides
            assert _number(shown) is None, key
    # And so, one reader class, one set of cells: the same states too.
    assert from_api == on_page


def test_the_data_is_the_attackers_case_the_series_ties_the_partners_rows(world, login, programme):
    """Without the monthly series the layer shows the GGD's share (5 of 10 within); with it, the page
    hides what would give the welfare organisation's one referral away (the last month's 11 decided
    and 6 within minus the GGD's): a run of the layer over fewer relations shows what the page hides,
    so the test above fails for any API that is not the page's one call."""
    page = login(world.user("coordinator")).get(reverse("monitoring:programme", args=[programme.slug]))
    home = page.context["home"]
    ggd = next(row for row in home.partner_rows if row["organisation"] == world.partner_organisation.name)
    assert (ggd["sent"].value, ggd["within_share"]) == (10, None)
    assert (home.series[-1].decided, home.series[-1].within) == (11, 6)

    figures, summary = monitoring_page.kept_for_area(programme, page.context["period"], None)
    kept = {name: getattr(figures, name) for name in ("participation", "visits", "uptake", "rise", "handling")}
    fewer = reports.home_figures(**kept, summary=summary, sees_persons=False, special_allowed=False)
    ggd = next(row for row in fewer.partner_rows if row["organisation"] == world.partner_organisation.name)
    assert ggd["within_share"] == Decimal("50.0")
