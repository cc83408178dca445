"""The quarterly report: the programme home's figures for a period (and an area), to hand over to the
municipal council and the housing association's board — as PDF (templates/monitoring/report_print.html)
and as XLSX (here). Both take the same context from views._report_context, so they hold the same
figures, suppressed by the same layer (privacy.disclosure), as the page for that period and area."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

from django.conf import settings
from django.utils.translation import gettext as _

from stijging.core import xlsx
from stijging.privacy.disclosure import Disclosed, State

from .reports import Cell, Table, first_column


def safe_cell(value):
    """Every cell of the report's workbook goes through here: numbers as numbers, a text that a
    spreadsheet would take for a formula stays text (written as a text cell by core.xlsx), a count
    of the disclosure layer as the page shows it."""
    if isinstance(value, Disclosed):
        if value.shown:
            return value.value
        return f"< {value.threshold}" if value.state is State.SMALL else _("hidden")
    if isinstance(value, Cell):
        if value.blank:
            return ""
        if value.count is not None:
            return float(value.count) if isinstance(value.count, Decimal) else value.count  # hours
        return "< 5" if value.state is State.SMALL else _("hidden")
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return value
    # Formula-like text is written as an explicit text cell by core.xlsx.safe_row, the project's one
    # guard against formula injection (issue 12).
    return str(value)


def definitions() -> list[str]:
    """The definitions of docs/kpis.md, as paragraphs, for the annex (the one text the figures are
    documented in; a deployment without the docs folder gets a pointer instead)."""
    path = settings.PROJECT_DIR / "docs" / "kpis.md"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return [_("The definitions are in docs/kpis.md of the application.")]
    return [block.strip() for block in text.split("\n\n") if block.strip()]


def _share(share) -> float | str:
    return "" if share is None else float(share) / 100


def report_workbook(context: dict) -> bytes:
    """One sheet per table, the same suppression as the page and the PDF, the definitions as a sheet."""
    from openpyxl import Workbook  # imported here: only the export pays for it

    home = context["home"]
    cells = context["cells"]
    period = context["period"]
    workbook = Workbook(write_only=True)
    taken: set[str] = set()

    def sheet(title: str, rows: list[list]) -> None:
        ws = workbook.create_sheet(title=xlsx.safe_sheet_title(title, taken))
        for row in rows:
            ws.append(xlsx.safe_row(ws, [safe_cell(value) for value in row]))

    area = context["area"]
    sheet(
        _("About"),
        [
            [_("Quarterly report"), context["programme"].name],
            [_("Period"), context["chosen_period"].label, period.start.isoformat(), period.end.isoformat()],
            [_("Area"), area.name if area else _("The whole programme")],
            [_("Computed at"), context["computed_at"].isoformat(timespec="minutes")],
            [
                _("Small numbers"),
                _(
                    "Counts under 5 are shown as “< 5” (health and police figures: under 10, “< 10”); a count "
                    "that would reveal one of them is shown as “hidden”. Shares only where both counts are shown."
                ),
            ],
        ],
    )
    participation, uptake = context["participation"], context["uptake"]
    sheet(
        _("Against the targets"),
        [
            [_("Figure"), _("Count"), _("Of"), _("Share"), _("Target")],
            [
                _("Households reached"),
                cells["reached"],
                cells["in_scope"],
                _share(context["participation_rate"]),
                participation.target / 100,
            ],
            [_("Persons visited"), cells["visited"], "", "", ""],
            [
                _("Persons with a help question"),
                cells["with_question"],
                cells["visited"],
                _share(context["question_share"]),
                "",
            ],
            [
                _("Persons visited who start a help trajectory"),
                cells["in_trajectory"],
                cells["visited"],
                _share(context["uptake_rate"]),
                uptake.target / 100,
            ],
        ],
    )
    sheet(
        _("Social rise"),
        [[_("Rung"), _("Persons"), _("Share"), _("Share of")]]
        + [
            [
                row["label"],
                row["cell"],
                _share(row["share"]),
                _("persons compared") if row["of"] == "compared" else _("persons followed"),
            ]
            for row in home.rise_rows
        ]
        + [[_("Persons compared"), cells["compared"]], [_("Persons followed"), cells["followed"]]],
    )
    sheet(
        _("Life domains"),
        [
            [
                _("Life domain"),
                _("Persons"),
                _("Mean change"),
                _("Improved"),
                _("share"),
                _("Equal"),
                _("share"),
                _("Worse"),
                _("share"),
            ]
        ]
        + [
            [
                row["name"],
                row["compared"],
                "" if row["mean_change"] is None else float(row["mean_change"]),
                row["improved_cell"],
                _share(row["improved_share"]),
                row["equal_cell"],
                _share(row["equal_share"]),
                row["worse_cell"],
                _share(row["worse_share"]),
            ]
            for row in home.domain_rows
        ],
    )
    sheet(
        _("Priority handling"),
        [
            [
                _("Organisation"),
                _("Sent"),
                _("Answered"),
                _("Median working days"),
                _("Within the service level"),
                _("Overdue now"),
            ]
        ]
        + [
            [
                row["organisation"],
                row["sent"],
                row["answered"],
                "" if row["median"] is None else float(row["median"]),
                _share(row["within_share"]),
                row["overdue_now"],
            ]
            for row in home.partner_rows
        ],
    )
    sheet(
        _("Referrals without priority"),
        [[_("Organisation"), _("Sent"), _("Answered"), _("Median working days")]]
        + [
            [
                row["organisation"],
                row["sent"],
                row["answered"],
                "" if row["median"] is None else float(row["median"]),
            ]
            for row in home.ordinary_rows
        ],
    )
    revisits = home.revisits
    if revisits:
        sheet(
            _("Revisits"),
            [
                [_("Revisits"), _("All"), _("Asked for in a conversation")],
                [_("Planned"), revisits["planned"], revisits["from_conversation"]],
                [_("Held"), revisits["held"], revisits["from_conversation_held"]],
                [_("Cancelled"), revisits["cancelled"], ""],
                [_("Still open"), revisits["open"], ""],
            ],
        )
    if home.revisit_reasons:
        sheet(
            _("Revisits by reason"),
            [[_("Kind of reason"), _("Planned"), _("Held")]]
            + [[row["label"], row["planned"], row["held"]] for row in home.revisit_reasons],
        )
    sheet(
        _("Areas"),
        [[_("Area"), _("CBS buurt code"), _("Addresses"), _("Households"), _("Without household")]]
        + [
            [row["area"].name, row["area"].cbs_buurtcode, row["addresses"], row["households"], row["empty"]]
            for row in home.area_rows
        ]
        + (
            [
                [
                    _("Total"),
                    "",
                    sum(r["addresses"] for r in home.area_rows),
                    cells["households_total"],
                    cells["empty_total"],
                ]
            ]
            if len(home.area_rows) > 1
            else []
        ),
    )
    table: Table
    for table in context["housing_tables"]:
        rows: list[list] = [[table.caption], [first_column(table), *table.columns]]
        rows += [[row.label, *row.cells] for row in table.rows]
        sheet(_("Housing") + " " + table.key, rows)
    activity = context.get("activity_table")
    if activity is not None:
        rows = [[activity.caption], [_("Street"), *activity.columns]]
        rows += [[row.label, *row.cells] for row in activity.rows]
        sheet(_("Activities per street"), rows)
    # Over time: the table of every chart, as on the page and in the PDF.
    for chart in context.get("charts", ()):
        rows = [[chart.title], list(chart.table_columns)]
        rows += [[float(v) if isinstance(v, Decimal) else v for v in row] for row in chart.table_rows]
        sheet(_("Over time") + " " + chart.key, rows)
    sheet(_("Definitions"), [[paragraph] for paragraph in context["definitions"]])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
