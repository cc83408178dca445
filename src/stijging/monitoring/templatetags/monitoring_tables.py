"""The figure tables of the neighbourhood pages (housing signals, turnover), drawn in Python.

An area's housing signals are three tables of a row per housing-association complex, up to a few
thousand cells; through the template language (a variable lookup, an `if` and a `translate` per cell)
they took most of the page's time (110 of 130 ms at a region's scale). tests/monitoring/test_tables.py
checks the markup.
"""

from __future__ import annotations

import html

from django import template
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from stijging.monitoring.reports import Table
from stijging.privacy.disclosure import Disclosed, State

register = template.Library()


def _text(value) -> str:
    return html.escape(str(localize(value)))


@register.simple_tag
def figure_table(table: Table, first_column: str) -> SafeString:
    """A suppressed table (reports.suppressed_table): a row per complex or street, the small rows
    together, the total; "< 5" for a count under 5, "hidden" for one of 5 or more that would reveal
    a small one (never "< 5": it is not)."""
    small_title = html.escape(gettext("fewer than 5"))
    hidden_title = html.escape(gettext("5 or more, hidden because it would reveal a number under 5"))
    under_five = f'<span title="{small_title}">&lt; 5</span>'
    hidden = f'<span title="{hidden_title}">{html.escape(gettext("hidden"))}</span>'
    key = html.escape(table.key)
    out = [
        f'<div class="table-scroll" tabindex="0" role="region" aria-labelledby="table-{key}-caption">\n'
        '<table class="table">\n'
        f'  <caption id="table-{key}-caption">{_text(table.caption)}</caption>\n'
        f'  <thead><tr><th scope="col">{_text(first_column)}</th>',
        *[f'<th scope="col" class="num">{_text(column)}</th>' for column in table.columns],
        "</tr></thead>\n  <tbody>\n  ",
    ]
    for row in table.rows:
        kind = "" if row.kind == "row" else f' class="table__{html.escape(row.kind)}"'
        out.append(f'<tr{kind}>\n    <th scope="row">{_text(row.label)}</th>\n    ')
        for cell in row.cells:
            if cell.blank:
                shown = "—"
            elif cell.count is None:
                shown = hidden if cell.state is State.HIDDEN else under_five
            elif cell.share is None:
                shown = _text(cell.count)
            else:
                shown = f"{_text(cell.count)} <small>({_text(cell.share)}%)</small>"
            out.append(f'<td class="num">{shown}</td>')
        out.append("\n  </tr>")
    if not table.rows:
        empty = html.escape(gettext("No answers in this period."))
        out.append(f'<tr><td colspan="{len(table.columns) + 1}">{empty}</td></tr>')
    out.append("\n  </tbody>\n</table>\n</div>\n")
    return mark_safe("".join(out))  # noqa: S308  # every value above is escaped


@register.simple_tag
def count(cell: Disclosed) -> SafeString:
    """One count of the disclosure layer: the number; "< 5" (or "< 10" for a special category) for
    one under its threshold; "hidden" for one of its threshold or more hidden to protect a small one."""
    if cell.shown:
        return mark_safe(_text(cell.value))  # noqa: S308  # escaped
    if cell.state is State.SMALL:
        title = html.escape(gettext("fewer than %(n)s") % {"n": cell.threshold})
        return mark_safe(f'<span title="{title}">&lt; {cell.threshold}</span>')  # noqa: S308  # escaped
    title = html.escape(
        gettext("%(n)s or more, hidden because it would reveal a number under %(n)s") % {"n": cell.threshold}
    )
    return mark_safe(f'<span title="{title}">{html.escape(gettext("hidden"))}</span>')  # noqa: S308  # escaped


@register.simple_tag
def chart_table(chart) -> SafeString:
    """The table of a chart (charts.Chart): a row per month or wave, every value the chart draws
    and the counts it is made of, each count as the disclosure layer gives it."""
    key = html.escape(chart.key)
    out = [
        f'<div class="table-scroll" tabindex="0" role="region" aria-labelledby="chart-{key}-caption">\n'
        '<table class="table table--compact">\n'
        f'  <caption id="chart-{key}-caption">{_text(chart.title)}</caption>\n  <thead><tr>',
        *[
            f'<th scope="col"{"" if i == 0 else ' class="num"'}>{_text(column)}</th>'
            for i, column in enumerate(chart.table_columns)
        ],
        "</tr></thead>\n  <tbody>\n",
    ]
    for label, *cells in chart.table_rows:
        out.append(f'  <tr><th scope="row">{_text(label)}</th>')
        for cell in cells:
            shown: str
            if isinstance(cell, Disclosed):
                shown = count(cell)
            elif cell is None:
                shown = "—"
            else:
                shown = _text(cell)
            out.append(f'<td class="num">{shown}</td>')
        out.append("</tr>\n")
    out.append("  </tbody>\n</table>\n</div>\n")
    return mark_safe("".join(out))  # noqa: S308  # every value above is escaped
