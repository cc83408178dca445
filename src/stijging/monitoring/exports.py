"""XLSX exports of aggregates. They hold exactly what the screens show to a role without access to
persons: the same tables from reports.py, suppressed cells as "< 5", and never a name or address."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from io import BytesIO

from django.utils.translation import gettext as _

from stijging.core.xlsx import is_formula_like, safe_row, safe_sheet_title
from stijging.privacy.disclosure import State
from stijging.registry.models import Area, Programme

from . import kpis
from .reports import Cell, Table, first_column

SUPPRESSED = "< 5"


def _value(cell: Cell):
    """As the page shows it: "< 5" only for a count under 5; one of 5 or more hidden to protect it
    says so (issue 19: a whole neighbourhood's "< 5" respondents where the page hid the figure)."""
    if cell.count is not None:
        return cell.count
    return _("hidden") if cell.state is State.HIDDEN else SUPPRESSED


def _share(share: Decimal | None):
    return "" if share is None else float(share) / 100


def housing_workbook(
    programme: Programme,
    period: kpis.Period,
    areas: Sequence[tuple[Area, list[Table], list[tuple[str, Decimal | None]]]],
) -> bytes:
    from openpyxl import Workbook  # imported here: only the export pays for it
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    # Write-only: a region's export holds some 130 areas with their complexes (tens of thousands of
    # rows), which a regular workbook keeps and formats cell by cell in memory.
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)

    def heading(sheet, text: str) -> list:
        cell = WriteOnlyCell(sheet, value=text)
        if is_formula_like(text):
            cell.data_type = "s"  # an area name from an import is text, never a formula
        cell.font = bold
        return [cell]

    # Area names come from imports and the configuration screens: any of them may hold ":" or "/"
    # (refused in a sheet title) or start like a formula, so every title and cell goes through the
    # shared helpers.
    taken: set[str] = set()
    about = workbook.create_sheet(title=safe_sheet_title(_("About"), taken))
    about.append(heading(about, _("Housing signals")) + safe_row(about, [programme.name]))
    for line in (
        [_("Period"), f"{period.start.isoformat()} – {period.end.isoformat()}"],
        [_("Source"), _("The housing section of each household's latest living-room conversation in the period.")],
        [
            _("Small numbers"),
            _(
                "Counts under 5 are shown as “< 5”; a count of 5 or more that would reveal one of them is "
                "shown as “hidden”. Complexes with fewer than 5 households that answered are counted "
                "together in one row."
            ),
        ],
        [_("Shares"), _("Of the households that answered the housing section in that row.")],
    ):
        about.append(line)
    for area, tables, means in areas:
        sheet = workbook.create_sheet(title=safe_sheet_title(area.name, taken))
        sheet.column_dimensions["A"].width = 40
        sheet.append(heading(sheet, area.name))
        sheet.append([])
        sheet.append([_("Mean satisfaction (1–5)")])
        for label, mean in means:
            sheet.append(safe_row(sheet, [label, SUPPRESSED if mean is None else float(mean)]))
        for table in tables:
            sheet.append([])
            sheet.append(heading(sheet, table.caption))
            header = [first_column(table)]
            for index, column in enumerate(table.columns):
                header.append(column)
                if index:
                    header.append(_("share"))
            sheet.append(safe_row(sheet, header))
            for row in table.rows:
                values: list = [row.label]
                for index, cell in enumerate(row.cells):
                    values.append("" if cell.blank else _value(cell))
                    if index:
                        values.append(_share(cell.share))
                sheet.append(safe_row(sheet, values))
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
