"""Housing signals per street as well as per complex (issue 14 item 5): the housing page, the
quarterly report (PDF and XLSX) and the housing XLSX show the tables per street beside those per
complex, each pair protected in one call of the disclosure layer, with the same numbers everywhere;
an attacker who reads both tables and the area's totals works out no hidden street cell."""

from __future__ import annotations

import datetime
from io import BytesIO

import pytest
from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from openpyxl import load_workbook

from stijging.conversations.models import Conversation, HousingAnswer
from stijging.instruments.services import current_instrument
from stijging.monitoring import kpis, views
from stijging.monitoring.reports import _complex_label, housing_tables
from stijging.privacy.disclosure import State
from stijging.registry.models import Street
from stijging.registry.selectors import household_programme_id, street_names_by_area

from ..privacy.attacker import HIDDEN, SHOWN, SMALL, UNPUBLISHED, derivable
from ..registry.factories import AddressFactory, HouseholdFactory, ResidenceFactory, StreetFactory

D = datetime.date

# (complex, street, households that answered, of whom satisfied (5), dissatisfied (1)): complexes
# that run through two streets and streets with two complexes, and homes of no complex.
HOMES = [
    ("WVB-1", "Akkerstraat", 6, 4, 1),
    ("WVB-1", "Beekstraat", 3, 1, 2),
    ("WVB-2", "Beekstraat", 7, 5, 0),
    ("", "Akkerstraat", 2, 1, 1),
    ("", "Dorpsstraat", 8, 2, 4),
]


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def area(world):
    """The own area with HOMES answered in May 2026 and 12 more households, so that it is offered."""
    programme = world.own.programme
    programme.start_date = D(2026, 1, 1)
    programme.save()
    site, worker, number = world.own, world.user("fieldworker"), 10
    streets = {name: StreetFactory(name=name) for name in {home[1] for home in HOMES}}
    for complex_number, street, households, satisfied, dissatisfied in HOMES:
        for i in range(households):
            number += 1
            address = AddressFactory(
                area=site.area, street=streets[street], huisnummer=number, complex_number=complex_number
            )
            household = HouseholdFactory()
            ResidenceFactory(household=household, address=address, start_date=D(2012, 1, 1))
            conversation = Conversation.objects.create(
                programme_id=household_programme_id(household.pk),
                household=household,
                held_on=D(2026, 5, 1),
                instrument_version=current_instrument(),
                informed=True,
                created_by=worker,
            )
            score = 5 if i < satisfied else 1 if i < satisfied + dissatisfied else 3
            HousingAnswer.objects.create(conversation=conversation, satisfaction=score, move_wish="stay")
    for _ in range(12):
        number += 1
        address = AddressFactory(area=site.area, street=site.street, huisnummer=number)
        ResidenceFactory(household=HouseholdFactory(), address=address, start_date=D(2012, 1, 1))
    return site.area


def _tables(world, area):
    programme = world.own.programme
    signals = kpis.housing_signals(programme, kpis.programme_period(programme), area_id=area.pk)
    return signals, housing_tables(signals, area, streets=street_names_by_area([area.pk])[area.pk])


def _shown(table) -> list[list]:
    """A table as a reader sees it: the label, then per column the count or its label."""
    return [
        [
            row.label,
            *(c.count if c.state is State.SHOWN else "< 5" if c.state is State.SMALL else "hidden" for c in row.cells),
        ]
        for row in table.rows
    ]


def test_the_housing_page_shows_the_tables_per_street_as_the_layer_protects_them(
    world, login, area, django_assert_max_num_queries
):
    client = login(world.user("manager"))
    url = reverse("monitoring:housing", args=[world.own.programme.slug]) + f"?area={area.pk}"
    # session, user, memberships (2), programme, area counts, areas, housing answers, defects,
    # defect categories, the area's street names
    with django_assert_max_num_queries(13):
        response = client.get(url)
    assert response.status_code == 200
    tables = {table.key: table for table in response.context["tables"]}
    assert list(tables) == ["satisfaction", "fit", "defects", "satisfaction-street", "fit-street", "defects-street"]
    by_street = tables["satisfaction-street"]
    body = response.content.decode()
    assert "Per street" in body and by_street.caption in body
    # Akkerstraat 8, Beekstraat 10, Dorpsstraat 8 answered: each a row, the area as the total.
    assert [row.label for row in by_street.rows] == [
        "Akkerstraat",
        "Beekstraat",
        "Dorpsstraat",
        f"{area.name} (all homes)",
    ]
    # The layer hides cells here (Beekstraat's 1 dissatisfied is "< 5"), and the page shows them hidden.
    states = {cell.state for row in by_street.rows for cell in row.cells}
    assert State.SMALL in states
    assert "&lt; 5" in body
    # The same as the layer gives when called as the tick and the exports call it.
    _signals, expected = _tables(world, area)
    assert [_shown(t) for t in response.context["tables"]] == [_shown(t) for t in expected]


def test_the_pdf_and_both_xlsx_carry_the_numbers_of_the_page(world, login, area):
    from stijging.accounts.models import Membership

    programme = world.own.programme
    Membership.objects.get_or_create(user=world.user("manager"), programme=programme, role="manager")
    client = login(world.user("manager"))
    page = client.get(reverse("monitoring:housing", args=[programme.slug]) + f"?area={area.pk}")
    on_page = {t.key: _shown(t) for t in page.context["tables"]}

    def numbers(rows):  # the rows of a sheet's table, blank share columns left out
        return [[row[0], *(v for i, v in enumerate(row[1:]) if i == 0 or i % 2 == 1)] for row in rows]

    workbook = load_workbook(BytesIO(client.get(reverse("monitoring:housing_xlsx", args=[programme.slug])).content))
    sheet = [[c.value for c in row] for row in workbook[area.name[:31]].iter_rows()]
    caption = page.context["tables"][3].caption
    at = next(i for i, row in enumerate(sheet) if row[0] == caption)
    assert sheet[at + 1][0] == "Street"
    rows = sheet[at + 2 : at + 2 + len(on_page["satisfaction-street"])]
    expected = on_page["satisfaction-street"]
    assert [row[: len(want)] for row, want in zip(numbers(rows), expected, strict=True)] == expected

    query = "?" + urlencode({"period": "programme", "area": area.pk})
    request = client.get(reverse("monitoring:programme", args=[programme.slug]) + query).wsgi_request
    context = views._report_context(request, programme.slug)
    assert {t.key: _shown(t) for t in context["housing_tables"]} == on_page
    html = render_to_string("monitoring/report_print.html", context)
    assert caption in html and "Akkerstraat" in html
    report = load_workbook(
        BytesIO(client.get(reverse("monitoring:report_xlsx", args=[programme.slug]) + query).content)
    )
    street_sheet = next(name for name in report.sheetnames if name.endswith("satisfaction-street"))
    rows = [[c.value for c in row] for row in report[street_sheet].iter_rows()]
    assert rows[1][0] == "Street"
    assert [row[:4] for row in rows[2:]] == [row[:4] for row in on_page["satisfaction-street"]]
    assert client.get(reverse("monitoring:report_pdf", args=[programme.slug]) + query).content.startswith(b"%PDF")


def test_no_hidden_street_cell_can_be_worked_out_from_the_complex_table_and_the_area_totals(world, area):
    """The reader has both tables (households, satisfied, dissatisfied), the area's total, and knows
    that each row adds up its never-shown parts where a complex meets a street (the addresses say
    which complex lies in which street), and that satisfied and dissatisfied are some of a part's
    households."""
    signals, tables = _tables(world, area)
    by_complex, by_street = tables[0], tables[3]
    crossings = {(number, street): counts for (_a, number, street), counts in signals.crossings.items()}
    names = street_names_by_area([area.pk])[area.pk]
    fields = ["households", "satisfied", "dissatisfied"]
    truth, published, sums = {}, {}, []
    for table, label_of in ((by_complex, lambda key: _complex_label(key[0])), (by_street, lambda key: names[key[1]])):
        named = {row.label for row in table.rows if row.kind == "row"}
        for row in table.rows:
            if row.kind == "total":
                parts = list(crossings)
            elif row.kind == "rest":
                parts = [key for key in crossings if label_of(key) not in named]
            else:
                parts = [key for key in crossings if label_of(key) == row.label]
            name = "total" if row.kind == "total" else (table.key, row.label)
            for i, field in enumerate(fields):
                cell = row.cells[i]
                truth[(name, field)] = sum(getattr(crossings[key], field) for key in parts)
                kind = {State.SHOWN: SHOWN, State.SMALL: SMALL}.get(cell.state, HIDDEN)
                published[(name, field)] = (kind, cell.count)
                sums.append(((name, field), [("x", key, field) for key in parts]))
    for key, counts in crossings.items():
        for field in fields:
            truth[("x", key, field)] = getattr(counts, field)
            published[("x", key, field)] = (UNPUBLISHED, None)
        truth[("x", key, "rest")] = counts.households - counts.satisfied - counts.dissatisfied
        published[("x", key, "rest")] = (UNPUBLISHED, None)
        sums.append((("x", key, "households"), [("x", key, f) for f in ("satisfied", "dissatisfied", "rest")]))
    hidden_street_cells = [k for k, (kind, _v) in published.items() if k[0] != "x" and kind != SHOWN]
    assert hidden_street_cells  # something to attack
    assert derivable(truth, published, sums) == []


# --- Drawn once per kept figure (issue 17 item 2) ---------------------------------------------------


@pytest.fixture
def kept(settings):
    settings.STIJGING_FIGURES_MAX_AGE = 600


def _page(client, area, language="nl", **params):
    url = reverse("monitoring:housing", args=[area.programme.slug])
    response = client.get(url, {"area": area.pk, **params}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    body = response.content.decode()
    return response, body[body.index('class="lead"') :]


def test_the_kept_tables_are_the_live_ones_and_are_laid_out_and_drawn_once_per_kept_figure(
    world, login, area, kept, monkeypatch, django_assert_max_num_queries
):
    from stijging.monitoring import figures, reports

    assert figures.refresh_all() >= 1
    client = login(world.user("manager"))
    response, drawn = _page(client, area)
    _signals, live = _tables(world, area)
    tables = list(response.context["tables"])
    assert [_shown(t) for t in tables] == [_shown(t) for t in live]
    # By hand (HOMES): Akkerstraat 6 + 2, Beekstraat 3 + 7, Dorpsstraat 8 households answered, 26 in
    # all (the fit table per street shows them); 13 satisfied and 8 dissatisfied, Beekstraat's 2 "< 5".
    fit = {row[0]: row[1] for row in _shown(tables[4])}
    assert [fit[s] for s in ("Akkerstraat", "Beekstraat", "Dorpsstraat")] == [8, 10, 8]
    satisfaction = {row[0]: row[1:] for row in _shown(tables[3])}
    assert satisfaction[f"{area.name} (alle woningen)"][1:3] == [13, 8]
    assert satisfaction["Beekstraat"][2] == "< 5"

    # Kept drawn: the next visit neither lays the tables out (the layer's search, most of the page's
    # time at a region's size) nor draws them, and reads no figure from the database: session, user,
    # programme, memberships, areas, defect categories, the area's street names.
    def not_again(*args, **kwargs):
        raise AssertionError("laid out again for a kept drawing")

    monkeypatch.setattr(reports, "housing_tables", not_again)
    monkeypatch.setattr(reports, "satisfaction_means", not_again)
    with django_assert_max_num_queries(7):
        assert _page(client, area)[1] == drawn


def test_a_new_answer_shows_once_the_tick_has_renewed_the_kept_figure(world, login, area, kept):
    from stijging.monitoring import figures

    client = login(world.user("manager"))
    before, drawn_before = _page(client, area)
    old = [_shown(t) for t in before.context["tables"]]
    household = HouseholdFactory()
    address = AddressFactory(area=area, street=Street.objects.get(name="Dorpsstraat"), huisnummer=99, complex_number="")
    ResidenceFactory(household=household, address=address, start_date=D(2012, 1, 1))
    conversation = Conversation.objects.create(
        programme_id=household_programme_id(household.pk),
        household=household,
        held_on=D(2026, 5, 2),
        instrument_version=current_instrument(),
        informed=True,
        created_by=world.user("fieldworker"),
    )
    HousingAnswer.objects.create(conversation=conversation, satisfaction=5, move_wish="stay")
    new = [_shown(t) for t in _tables(world, area)[1]]
    assert new != old
    # Kept: the page shows what was computed before, drawn as before.
    response, drawn = _page(client, area)
    assert [_shown(t) for t in response.context["tables"]] == old and drawn == drawn_before
    # Older than a third of the max age, the tick renews it: the page shows the new answer.
    key = figures._housing_key(area, kpis.programme_period(area.programme))
    signals, _computed = cache.get(key)
    cache.set(key, (signals, timezone.now() - datetime.timedelta(seconds=400)), 600)
    assert figures.refresh_all() >= 1
    response, drawn = _page(client, area)
    assert [_shown(t) for t in response.context["tables"]] == new and drawn != drawn_before
    # Dorpsstraat's 8 households that answered are 9 now, the area's 13 satisfied 14.
    assert [row[1] for row in (*old[4], *new[4]) if row[0] == "Dorpsstraat"] == [8, 9]
    assert [row[2] for row in (old[3][-1], new[3][-1])] == [13, 14]


def test_kept_tables_are_never_ones_drawn_for_another_language_or_period(world, login, area, kept):
    """The tables are drawn once per kept figure (housing.html's fragment) under a fingerprint of the
    kept figure, the period and area, the names of streets and defect categories and the language:
    what a reader gets is what would be drawn for them with nothing kept."""
    client = login(world.user("manager"))
    seen = {
        "nl": _page(client, area)[1],
        "en": _page(client, area, language="en")[1],
        "nl-Q3": _page(client, area, period="2026-Q3")[1],  # no conversation held then
    }
    assert len(set(seen.values())) == 3
    assert "Per street" in seen["en"] and "Per street" not in seen["nl"]
    assert _page(client, area)[1] == seen["nl"]
    cache.clear()
    assert _page(client, area, period="2026-Q3")[1] == seen["nl-Q3"]
    assert _page(client, area, language="en")[1] == seen["en"]
    assert _page(client, area)[1] == seen["nl"]
