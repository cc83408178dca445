"""The housing-signals XLSX with hostile data from an import (issue 12, item 6): a complex number that
starts like a formula stays text, and an area name with characters a sheet title refuses is cleaned,
instead of a server error."""

from __future__ import annotations

from io import BytesIO

from django.urls import reverse
from openpyxl import load_workbook

from stijging.core.xlsx import is_formula_like, safe_sheet_title
from stijging.registry.models import Address

from .test_neighbourhood_views import _neighbourhood, programme_started  # noqa: F401  (fixture)

INJECTION = '=HYPERLINK("x.nl")'  # a complex number is at most 20 characters


def test_a_formula_in_an_imported_complex_number_is_exported_as_text(world, login, programme_started):  # noqa: F811
    _neighbourhood(world, complexes=(("WVB-1", 6), ("WVB-2", 6)))
    Address.objects.filter(complex_number="WVB-1").update(complex_number=INJECTION)
    Address.objects.filter(complex_number="WVB-2").update(complex_number="@SUM(A1)")
    area = world.own.area
    area.name = "Noord: oost/west [deel]*?"
    area.save()

    response = login(world.user("manager")).get(reverse("monitoring:housing_xlsx", args=[programme_started.slug]))

    assert response.status_code == 200
    workbook = load_workbook(BytesIO(response.content))
    assert "Noord_ oost_west _deel___" in workbook.sheetnames
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    risky = [cell for cell in cells if is_formula_like(cell.value)]
    assert {cell.value for cell in risky} >= {INJECTION, "@SUM(A1)"}
    assert risky and all(cell.data_type == "s" for cell in risky)


def test_sheet_titles_are_cleaned_shortened_and_unique():
    taken: set[str] = set()
    assert safe_sheet_title("A/B:C", taken) == "A_B_C"
    assert safe_sheet_title("a/b:c", taken) == "a_b_c (2)"
    assert safe_sheet_title("", taken) == "_"
    long = safe_sheet_title("x" * 40, taken)
    assert len(long) == 31
    assert len(safe_sheet_title("x" * 40, taken)) == 31
    assert safe_sheet_title("'quoted'") == "quoted"
