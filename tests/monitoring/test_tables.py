"""The figure tables of the neighbourhood pages, drawn in Python (monitoring_tables.figure_table)."""

from __future__ import annotations

from decimal import Decimal
from html.parser import HTMLParser

from django.template import Context, Template
from django.utils import translation

from stijging.monitoring.reports import Cell, Table, TableRow
from stijging.privacy.disclosure import State


class _Cells(HTMLParser):
    """The text of every th/td, row by row, and a check that every opened element is closed."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self.open: list[str] = []
        self.in_cell = False

    def handle_starttag(self, tag, attrs):
        self.open.append(tag)
        if tag == "tr":
            self.rows.append([])
        if tag in ("th", "td"):
            self.rows[-1].append("")
            self.in_cell = True

    def handle_endtag(self, tag):
        assert self.open.pop() == tag
        if tag in ("th", "td"):
            self.in_cell = False

    def handle_data(self, data):
        if self.in_cell:
            self.rows[-1][-1] += data


def render(table: Table, first_column: str = "Complex <1>") -> str:
    return Template("{% load monitoring_tables %}{% figure_table table first %}").render(
        Context({"table": table, "first": first_column})
    )


TABLE = Table(
    key="fit",
    caption="Homes & fit",
    columns=("Households", "Too small"),
    rows=(
        TableRow("Complex 12", (Cell(1234, None), Cell(7, Decimal("12.5")))),
        TableRow("Complex <b>", (Cell(None), Cell(None))),
        TableRow("Other homes", (Cell(None, blank=True), Cell(9, Decimal("3.0"))), kind="rest"),
        TableRow("De Ruit (all homes)", (Cell(1300), Cell(None, state=State.HIDDEN)), kind="total"),
    ),
)


def test_every_kind_of_cell_is_drawn_escaped_and_localised():
    with translation.override("nl"):
        markup = render(TABLE)
    parser = _Cells()
    parser.feed(markup)
    assert parser.open == []
    assert parser.rows == [
        ["Complex <1>", "Households", "Too small"],
        ["Complex 12", "1234", "7 (12,5%)"],
        ["Complex <b>", "< 5", "< 5"],
        ["Other homes", "—", "9 (3,0%)"],
        ["De Ruit (all homes)", "1300", "verborgen"],
    ]
    assert '<caption id="table-fit-caption">Homes &amp; fit</caption>' in markup
    assert 'aria-labelledby="table-fit-caption"' in markup
    assert '<tr class="table__rest">' in markup and '<tr class="table__total">' in markup
    assert "Complex &lt;b&gt;" in markup


def test_a_table_without_rows_says_so_across_all_columns():
    with translation.override("en"):
        markup = render(Table(key="t", caption="c", columns=("a", "b", "c"), rows=()))
    assert '<td colspan="4">No answers in this period.</td>' in markup
