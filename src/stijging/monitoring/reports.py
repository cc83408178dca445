"""The neighbourhood figures as tables for roles without access to persons: the screen and the XLSX
export build them here, so both suppress exactly the same cells (SPEC §4 "Small numbers").

The figures themselves come from kpis.py; this module only lays them out and hides what the
small-number rule hides."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count
from django.utils.translation import gettext as _

from stijging.conversations.models import DefectCategory
from stijging.privacy.disclosure import suppress_column
from stijging.registry.models import Area, HouseholdResidence, Programme
from stijging.registry.selectors import current_on

from . import kpis

MIN_HOUSEHOLDS_FOR_FILTER = 20  # SPEC §4: smaller levels are not offered as a filter
AREA_COUNTS_SECONDS = 600


def offered_areas(programme: Programme, on: datetime.date) -> list[Area]:
    """The areas with at least 20 households in scope on `on`. One grouped count per programme, kept
    for ten minutes: a region's counts take a moment and change slowly."""
    key = f"monitoring:area-households:{programme.pk}:{on.isoformat()}"
    counts = cache.get(key)
    if counts is None:
        counts = dict(
            HouseholdResidence.objects.filter(current_on(on), address__area__programme=programme)
            .values_list("address__area_id")
            .annotate(n=Count("household_id", distinct=True))
            .order_by()
        )
        cache.set(key, counts, AREA_COUNTS_SECONDS)
    return [
        area
        for area in Area.objects.filter(programme=programme).order_by("name")
        if counts.get(area.pk, 0) >= MIN_HOUSEHOLDS_FOR_FILTER
    ]


@dataclass(frozen=True)
class Cell:
    count: int | None  # None: suppressed
    share: Decimal | None = None  # of the row's households, where both are shown
    blank: bool = False  # nothing to show: the "other" line of a column in which nothing was suppressed


@dataclass(frozen=True)
class TableRow:
    label: str
    cells: tuple[Cell, ...]
    kind: str = "row"  # row, rest (the suppressed rows together), total


@dataclass(frozen=True)
class Table:
    key: str  # names the table on the page (element ids)
    caption: str
    columns: tuple[str, ...]
    rows: tuple[TableRow, ...]


def suppressed_table(
    key: str,
    caption: str,
    columns: Sequence[tuple[str, str]],
    rows: Sequence[tuple[str, dict[str, int]]],
    total_label: str,
    *,
    base: str | None = None,
) -> Table:
    """Rows of counts per column, with a total row: every column is suppressed on its own (cells
    under 5; their sum as a "rest" line where it reaches 5; the total hidden where it would give
    a suppressed cell away). `base` names the column the shares are taken of."""
    keys = [key for key, _label in columns]
    suppressed_columns = {key: suppress_column([values.get(key, 0) for _l, values in rows]) for key in keys}
    out: list[TableRow] = []

    def share(count: int | None, of: int | None) -> Decimal | None:
        return kpis.rate(count, of) if count is not None and of else None

    for index, (label, _values) in enumerate(rows):
        of = suppressed_columns[base].cells[index] if base else None
        out.append(
            TableRow(
                label=label,
                cells=tuple(
                    Cell(
                        suppressed_columns[k].cells[index],
                        share(suppressed_columns[k].cells[index], of) if k != base else None,
                    )
                    for k in keys
                ),
            )
        )
    # The "other" line only where it shows a sum: rests under 5 everywhere would only repeat "< 5".
    if any(column.rest is not None for column in suppressed_columns.values()):
        rest_of = suppressed_columns[base].rest if base else None
        out.append(
            TableRow(
                label=_("Other (each fewer than 5)"),
                cells=tuple(
                    Cell(
                        suppressed_columns[k].rest,
                        share(suppressed_columns[k].rest, rest_of) if k != base else None,
                    )
                    if suppressed_columns[k].has_rest
                    else Cell(None, blank=True)
                    for k in keys
                ),
                kind="rest",
            )
        )
    total_of = suppressed_columns[base].total if base else None
    out.append(
        TableRow(
            label=total_label,
            cells=tuple(
                Cell(suppressed_columns[k].total, share(suppressed_columns[k].total, total_of) if k != base else None)
                for k in keys
            ),
            kind="total",
        )
    )
    return Table(key=key, caption=caption, columns=tuple(label for _k, label in columns), rows=tuple(out))


# --- Housing signals ------------------------------------------------------------------------------


def _complex_label(number: str) -> str:
    return number or _("Not a housing-association home")


def defect_categories() -> list[DefectCategory]:
    """The published defect categories, newest version first (one query; an export of every area
    reads them once)."""
    return list(
        DefectCategory.objects.filter(version__published_at__isnull=False).order_by("-version__number", "order")
    )


def housing_tables(
    signals: kpis.HousingSignals, area: Area, categories: list[DefectCategory] | None = None
) -> list[Table]:
    """Three tables for one area, one row per housing-association complex (and the other homes),
    the area as the total: satisfaction and the wish to move; the fit of the home; defects."""
    complexes = sorted(
        ((number, counts) for (area_id, number), counts in signals.complexes.items() if area_id == area.pk),
        key=lambda item: (item[0] == "", item[0]),
    )
    rows_source = [(_complex_label(number), counts) for number, counts in complexes]
    total_label = _("%(area)s (all homes)") % {"area": area.name}

    def rows(fields: Sequence[str]) -> list[tuple[str, dict[str, int]]]:
        return [(label, {f: getattr(counts, f) for f in fields}) for label, counts in rows_source]

    satisfaction_columns = [
        ("households", _("Households that answered")),
        ("satisfied", _("Satisfied (4–5)")),
        ("dissatisfied", _("Dissatisfied (1–2)")),
        ("wants_to_stay", _("Want to stay")),
        ("wants_to_move", _("Want to move")),
        ("undecided", _("Undecided")),
    ]
    fit_columns = [
        ("households", _("Households that answered")),
        ("over_occupied", _("Too small (over-occupied)")),
        ("under_occupied", _("Too big (under-occupied)")),
        ("not_fit_for_ageing", _("Not fit for ageing")),
    ]
    categories = defect_categories() if categories is None else categories
    seen: dict[str, str] = {}
    for category in categories:  # the newest version's name per code
        seen.setdefault(category.code, category.name)
    order = {c.code: c.order for c in categories}
    defect_codes = sorted(seen, key=lambda code: (order.get(code, 0), code))
    defect_rows = [
        (label, {"households": counts.households, **{code: counts.defects.get(code, 0) for code in defect_codes}})
        for label, counts in rows_source
    ]
    return [
        suppressed_table(
            "satisfaction",
            _("Satisfaction with the home and the wish to move, per complex"),
            satisfaction_columns,
            rows([k for k, _l in satisfaction_columns]),
            total_label,
            base="households",
        ),
        suppressed_table(
            "fit",
            _("Homes that no longer fit, per complex"),
            fit_columns,
            rows([k for k, _l in fit_columns]),
            total_label,
            base="households",
        ),
        suppressed_table(
            "defects",
            _("Defects reported, per complex (households)"),
            [("households", _("Households that answered")), *[(code, seen[code]) for code in defect_codes]],
            defect_rows,
            total_label,
            base="households",
        ),
    ]


def satisfaction_means(signals: kpis.HousingSignals, area: Area) -> list[tuple[str, Decimal | None]]:
    """The mean satisfaction per complex and for the area, hidden under 5 answers."""
    result = []
    for (area_id, number), counts in sorted(signals.complexes.items(), key=lambda i: (i[0][1] == "", i[0][1])):
        if area_id == area.pk:
            shown = counts.satisfaction_answered >= kpis.SUPPRESSION_THRESHOLD
            result.append((_complex_label(number), counts.satisfaction_mean if shown else None))
    area_counts = signals.areas.get(area.pk)
    if area_counts is not None:
        shown = area_counts.satisfaction_answered >= kpis.SUPPRESSION_THRESHOLD
        result.append((area.name, area_counts.satisfaction_mean if shown else None))
    return result


# --- Turnover -------------------------------------------------------------------------------------


def turnover_table(turnover: kpis.Turnover, streets: dict[int, str], area: Area) -> Table:
    """Per street, for each year: households moved in and moved out; the area as the total."""
    columns: list[tuple[str, str]] = []
    for year in turnover.years:
        columns += [
            (f"in_{year}", _("%(year)s in") % {"year": year}),
            (f"out_{year}", _("%(year)s out") % {"year": year}),
        ]
    rows = []
    for street_id in sorted(turnover.streets, key=lambda s: (streets.get(s, ""), s)):
        by_year = turnover.streets[street_id]
        values: dict[str, int] = {}
        for year in turnover.years:
            values[f"in_{year}"] = by_year[year].moved_in
            values[f"out_{year}"] = by_year[year].moved_out
        rows.append((streets.get(street_id, "?"), values))
    # The total line adds up the streets, so a move between two streets of the area is in it twice;
    # the area's own moves across its boundary are in the table of rates above it.
    return suppressed_table(
        "turnover", _("Households moved in and out, per street and year"), columns, rows, _("All streets together")
    )
