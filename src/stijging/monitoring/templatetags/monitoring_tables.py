"""The figure tables of the neighbourhood pages (housing signals, turnover, activities) and the
disclosure layer's counts: macros of a Jinja2 template (templates/jinja2/monitoring/tables.html).

An area's housing signals are three tables of a row per housing-association complex, up to a few
thousand cells; through the Django template language (a variable lookup, an `if` and a `translate`
per cell) they took most of the page's time (110 of 130 ms at a region's scale), hence Jinja2
(docs/decisions/0011-jinja2-for-the-repeated-fragments.md). tests/monitoring/test_tables.py checks
the markup.
"""

from __future__ import annotations

import functools

from django import template
from django.utils.translation import get_language
from markupsafe import Markup

from stijging.core.jinja2 import macros
from stijging.monitoring.reports import Table
from stijging.privacy.disclosure import Disclosed

register = template.Library()
TABLES = "monitoring/tables.html"


@register.simple_tag
def figure_table(table: Table, first_column: str) -> Markup:
    """A suppressed table (reports.suppressed_table): a row per complex or street, the small rows
    together, the total."""
    return _figure_table(table, first_column, get_language())


# The tables are drawn from kept figures (monitoring.figures), so the same table is drawn again and
# again until the next tick renews it. A Table is a frozen dataclass of tuples: as the key it is
# its own version (other figures, other key), so a kept table is never stale and nothing needs
# invalidating. Per process; 64 tables of a few hundred rows are a few MB.
@functools.lru_cache(maxsize=64)
def _figure_table(table: Table, first_column: str, language: str | None) -> Markup:
    return macros(TABLES).figure_table(table, first_column)


@register.simple_tag
def count(cell: Disclosed) -> Markup:
    """One count of the disclosure layer: the number, "< 5" (or "< 10") or "hidden"."""
    return macros(TABLES).count(cell)


@register.simple_tag
def chart_table(chart) -> Markup:
    """The table of a chart (charts.Chart): a row per month or wave, every value the chart draws
    and the counts it is made of."""
    return macros(TABLES).chart_table(chart)
