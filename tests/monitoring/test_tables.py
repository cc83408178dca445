"""The figure tables of the neighbourhood pages and the disclosure layer's counts (monitoring_tables,
drawn by the macros of templates/jinja2/monitoring/tables.html): hidden cells, totals, escaping."""

from __future__ import annotations

from decimal import Decimal
from html.parser import HTMLParser

from django.template import Context, Template
from django.utils import translation

from stijging.monitoring.reports import Cell, Table, TableRow
from stijging.monitoring.templatetags.monitoring_tables import _figure_table
from stijging.privacy.disclosure import Disclosed, State


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


def test_a_kept_table_is_drawn_once_per_language_and_a_changed_table_anew():
    _figure_table.cache_clear()
    with translation.override("nl"):
        first, again = render(TABLE), render(TABLE)
    with translation.override("en"):
        english = render(TABLE)
    changed = Table(TABLE.key, TABLE.caption, TABLE.columns, (TableRow("Complex 12", (Cell(1235), Cell(8))),))
    with translation.override("nl"):
        other = render(changed)
    assert first == again and "verborgen" in first
    assert "hidden" in english and "verborgen" not in english
    assert "1235" in other and "1234" not in other
    assert _figure_table.cache_info().hits == 1


def test_counts_show_the_number_or_say_why_not_escaped_in_their_titles():
    def count(cell: Disclosed) -> str:
        return Template("{% load monitoring_tables %}{% count cell %}").render(Context({"cell": cell}))

    with translation.override("nl"):
        assert count(Disclosed(12345, State.SHOWN)) == "12345"
        assert count(Disclosed(None, State.SMALL, threshold=10)) == '<span title="minder dan 10">&lt; 10</span>'
        hidden = count(Disclosed(None, State.HIDDEN))
    assert hidden.startswith('<span title="5 of meer') and hidden.endswith(">verborgen</span>")


def test_a_charts_table_draws_counts_values_and_gaps():
    class Chart:
        key = "rise"
        title = 'Rise & "fall"'
        table_columns = ("Month", "Share", "Persons")
        table_rows = (
            ("Jan <1>", Decimal("12.5"), Disclosed(7, State.SHOWN)),
            ("Feb", None, Disclosed(None, State.SMALL)),
        )

    with translation.override("nl"):
        markup = Template("{% load monitoring_tables %}{% chart_table chart %}").render(Context({"chart": Chart}))
    parser = _Cells()
    parser.feed(markup)
    assert parser.open == []
    assert parser.rows == [["Month", "Share", "Persons"], ["Jan <1>", "12,5", "7"], ["Feb", "—", "< 5"]]
    assert '<caption id="chart-rise-caption">Rise &amp; &#34;fall&#34;</caption>' in markup
    assert 'aria-labelledby="chart-rise-caption"' in markup
