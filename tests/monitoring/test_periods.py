"""The period and the area of every figure page are in the URL: a link reproduces the view."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils.http import urlencode

from stijging.monitoring import periods
from stijging.monitoring.kpis import Period
from stijging.registry.models import Programme

D = datetime.date


def _programme() -> Programme:
    return Programme(name="P", slug="p", start_date=D(2025, 11, 15), end_date=None)


def test_a_quarter_runs_from_its_first_to_its_last_day():
    assert periods.quarter_period(2026, 1) == Period(D(2026, 1, 1), D(2026, 3, 31))
    assert periods.quarter_period(2026, 4) == Period(D(2026, 10, 1), D(2026, 12, 31))


def test_the_choices_are_the_programme_so_far_its_quarters_and_years_cut_to_the_programme():
    choices = periods.choices(_programme(), today=D(2026, 5, 10))
    keys = [c.key for c in choices]
    assert keys == ["all", "2026-Q2", "2026-Q1", "2025-Q4", "2026", "2025"]
    by_key = {c.key: c.period for c in choices}
    assert by_key["all"] == Period(D(2025, 11, 15), D(2026, 5, 10))
    assert by_key["2025-Q4"] == Period(D(2025, 11, 15), D(2025, 12, 31))  # from the programme's start
    assert by_key["2026-Q2"] == Period(D(2026, 4, 1), D(2026, 5, 10))  # up to today


@pytest.mark.parametrize(
    ("params", "key", "period"),
    [
        ({}, "all", Period(D(2025, 11, 15), D(2026, 5, 10))),
        ({"period": "2026-Q1"}, "2026-Q1", Period(D(2026, 1, 1), D(2026, 3, 31))),
        ({"period": "2026"}, "2026", Period(D(2026, 1, 1), D(2026, 5, 10))),
        (
            {"period": "custom", "from": "2026-02-01", "to": "2026-02-28"},
            "custom",
            Period(D(2026, 2, 1), D(2026, 2, 28)),
        ),
        # Cut to the programme: before its start, after today.
        (
            {"period": "custom", "from": "2020-01-01", "to": "2030-01-01"},
            "custom",
            Period(D(2025, 11, 15), D(2026, 5, 10)),
        ),
        # What cannot be read, or lies outside the programme, is the programme so far.
        (
            {"period": "custom", "from": "2026-02-31", "to": "2026-03-01"},
            "all",
            Period(D(2025, 11, 15), D(2026, 5, 10)),
        ),
        (
            {"period": "custom", "from": "2024-01-01", "to": "2024-12-31"},
            "all",
            Period(D(2025, 11, 15), D(2026, 5, 10)),
        ),
        ({"period": "2019-Q1"}, "all", Period(D(2025, 11, 15), D(2026, 5, 10))),
        ({"period": "<script>"}, "all", Period(D(2025, 11, 15), D(2026, 5, 10))),
    ],
)
def test_the_period_is_read_from_the_url(params, key, period):
    chosen = periods.chosen(params, _programme(), today=D(2026, 5, 10))
    assert (chosen.key, chosen.period) == (key, period)


def test_a_link_with_a_quarter_and_an_area_reproduces_the_view(world, login, django_assert_max_num_queries):
    from stijging.accounts.models import Membership
    from stijging.registry.models import Programme as P

    from ..registry.factories import AddressFactory, HouseholdFactory, ResidenceFactory

    programme = P.objects.get(pk=world.own.programme.pk)
    programme.start_date = D(2025, 1, 1)
    programme.save()
    for number in range(25):  # the own area is offered as a filter from 20 households
        address = AddressFactory(area=world.own.area, street=world.own.street, huisnummer=100 + number)
        ResidenceFactory(household=HouseholdFactory(), address=address, start_date=D(2020, 1, 1))
    Membership.objects.get_or_create(user=world.user("manager"), programme=programme, role="manager")
    client = login(world.user("manager"))
    url = (
        reverse("monitoring:programme", args=[programme.slug])
        + "?"
        + urlencode({"period": "2025-Q2", "area": world.own.area.pk})
    )
    # AUTH (3) + programme + the home's figures for the quarter and the area (10) + households per
    # area and the areas offered (2) + the charts over time, whatever the number of months (7 at
    # most, see kpis.monthly_series) and the waves of the cohesion chart (1)
    # + referrals without priority and revisits (2)
    with django_assert_max_num_queries(3 + 1 + 10 + 2 + 7 + 1 + 2):
        response = client.get(url)
    assert response.status_code == 200
    assert response.context["period"] == Period(D(2025, 4, 1), D(2025, 6, 30))
    assert response.context["area"] == world.own.area
    body = response.content.decode()
    assert '<option value="2025-Q2" selected>' in body
    assert f'<option value="{world.own.area.pk}" selected>' in body
    # One area chosen: its households only (26 here: the fixture's own and the 25 added).
    assert response.context["cells"]["in_scope"].value == response.context["cells"]["households_total"].value
    # Special categories are for the whole programme only: none with an area chosen.
    assert not any(row["special"] for row in response.context["partner_rows"])
