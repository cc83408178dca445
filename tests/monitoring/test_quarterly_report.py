"""The quarterly report: the manager picks last quarter and one area and gets the page, the PDF and the
XLSX with the same figures, suppressed the same way, and each export is audited."""

from __future__ import annotations

import datetime
import re
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils.http import urlencode
from openpyxl import load_workbook

from stijging.accounts.models import Membership
from stijging.monitoring.quarterly import safe_cell
from stijging.privacy.models import AuditAction, AuditEvent

from ..registry.factories import AddressFactory, HouseholdFactory, ResidenceFactory

D = datetime.date


@pytest.fixture
def manager(world, login):
    programme = world.own.programme
    programme.start_date = D(2025, 1, 1)
    programme.save()
    for number in range(25):  # the own area is offered as a filter from 20 households
        address = AddressFactory(area=world.own.area, street=world.own.street, huisnummer=200 + number)
        ResidenceFactory(household=HouseholdFactory(), address=address, start_date=D(2020, 1, 1))
    Membership.objects.get_or_create(user=world.user("manager"), programme=programme, role="manager")
    return login(world.user("manager"))


def _query(world) -> str:
    return "?" + urlencode({"period": "2025-Q4", "area": world.own.area.pk})


def test_the_xlsx_holds_the_page_figures_and_is_audited(world, manager, django_assert_max_num_queries):
    slug = world.own.programme.slug
    page = manager.get(reverse("monitoring:programme", args=[slug]) + _query(world))
    cells = page.context["cells"]
    # AUTH (3) + programme, membership check + the figures (10) + areas offered (2) + the audit insert
    # + the charts over time (7 at most, whatever the number of months) and the waves
    # + referrals without priority and revisits (2) + the area's streets and activities, participants
    # and volunteer hours per street (4)
    with django_assert_max_num_queries(3 + 2 + 10 + 2 + 1 + 7 + 1 + 2 + 4):
        response = manager.get(reverse("monitoring:report_xlsx", args=[slug]) + _query(world))
    assert response.status_code == 200
    workbook = load_workbook(BytesIO(response.content))
    assert "Definitions" in workbook.sheetnames and "Areas" in workbook.sheetnames
    # Activities per street of the area chosen, as on the cohesion page (here: one street, nothing
    # done, every count "< 5").
    activity = [[c.value for c in row] for row in workbook["Activities per street"].iter_rows()]
    assert activity[1] == ["Street", "Activities", "Participants", "Volunteers", "Volunteer hours"]
    assert activity[2][0] == world.own.street.name and activity[2][1:] == ["< 5"] * 4
    # Revisits by kind of reason (issue 14 item 5): every kind, through the same layer as the page.
    reasons = [[c.value for c in row] for row in workbook["Revisits by reason"].iter_rows()]
    assert len(reasons) == 1 + 6 and reasons[1][0] == "follow up a help question"
    assert [row[1:] for row in reasons[1:]] == [
        [(c.value if c.shown else "< 5" if c.state == "small" else "hidden") for c in (r["planned"], r["held"])]
        for r in page.context["home"].revisit_reasons
    ]
    areas = [[c.value for c in row] for row in workbook["Areas"].iter_rows()]
    households = cells[("households", world.own.area.pk)]
    expected = households.value if households.shown else ("< 5" if households.state == "small" else "hidden")
    assert areas[1][0] == world.own.area.name and areas[1][3] == expected
    targets = [[c.value for c in row] for row in workbook["Against the targets"].iter_rows()]
    in_scope = cells["in_scope"]
    assert targets[1][2] == (in_scope.value if in_scope.shown else targets[1][2])
    about = [[c.value for c in row] for row in workbook["About"].iter_rows()]
    assert about[1][2:4] == ["2025-10-01", "2025-12-31"] and about[2][1] == world.own.area.name
    event = AuditEvent.objects.filter(action=AuditAction.EXPORT).latest("pk")
    assert event.detail["programme_report"] == "xlsx" and event.detail["area_id"] == world.own.area.pk
    assert event.detail["period"] == ["2025-10-01", "2025-12-31"]


def test_the_pdf_is_a_pdf_with_the_figures_and_is_audited(world, manager):
    slug = world.own.programme.slug
    response = manager.get(reverse("monitoring:report_pdf", args=[slug]) + _query(world))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT, detail__programme_report="pdf").exists()


def test_the_report_template_shows_the_page_cells(world, manager):
    from django.template.loader import render_to_string

    from stijging.monitoring import views

    request = manager.get(reverse("monitoring:programme", args=[world.own.programme.slug]) + _query(world)).wsgi_request
    context = views._report_context(request, world.own.programme.slug)
    html = render_to_string("monitoring/report_print.html", context)
    assert "Quarterly report" in html and world.own.area.name in html
    assert "Annex: definitions of the figures" in html and "Households in scope" in html
    # No name or address of a person in the report.
    assert world.own.household.name not in html and world.own.adult.family_name not in html
    assert not re.search(r"\b\d{4}\s?[A-Z]{2}\b", html)  # no postcode


@pytest.mark.parametrize("role", ["fieldworker", "case_manager", "partner", "coordinator", "admin", "privacy_officer"])
def test_only_the_manager_gets_the_report(world, login, role):
    client = login(world.user(role))
    for name in ("monitoring:report_pdf", "monitoring:report_xlsx"):
        assert client.get(reverse(name, args=[world.own.programme.slug])).status_code == 404


def test_a_cell_that_a_spreadsheet_would_take_for_a_formula_is_written_as_text():
    from io import BytesIO

    from openpyxl import Workbook, load_workbook

    from stijging.core import xlsx

    assert safe_cell(7) == 7 and safe_cell(None) == "" and safe_cell("Wonen") == "Wonen"
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("t")
    values = ["=HYPERLINK(1)", "+31", "@x", "-1", "Wonen", 7]
    sheet.append(xlsx.safe_row(sheet, [safe_cell(v) for v in values]))
    buffer = BytesIO()
    workbook.save(buffer)
    cells = list(load_workbook(BytesIO(buffer.getvalue())).active.iter_rows())[0]
    assert [c.value for c in cells] == values
    assert [c.data_type for c in cells[:5]] == ["s"] * 5
