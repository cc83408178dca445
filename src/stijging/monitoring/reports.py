"""The neighbourhood figures as tables for roles without access to persons: the screen and the XLSX
export build them here, so both suppress exactly the same cells (SPEC §4 "Small numbers").

The figures themselves come from the kpis package; this module only lays them out and hides what the
small-number rule hides."""

from __future__ import annotations

import datetime
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from stijging.instruments.models import DefectCategory
from stijging.outreach.models import RevisitReason
from stijging.privacy.disclosure import (
    SPECIAL_CATEGORY_THRESHOLD,
    SUPPRESSION_THRESHOLD,
    State,
    protect,
    relation,
)
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
    count: int | Decimal | None  # None: not shown (see state); a Decimal: hours (activity_table)
    share: Decimal | None = None  # of the row's base, where both are shown
    blank: bool = False  # nothing to show in this cell
    state: State = State.SHOWN  # SMALL: "< 5"; HIDDEN: 5 or more, hidden to protect a small one

    def __post_init__(self):
        # A cell built without a state but without a count is a small one (the tables' old shape).
        if self.count is None and not self.blank and self.state is State.SHOWN:
            object.__setattr__(self, "state", State.SMALL)


@dataclass(frozen=True)
class TableRow:
    label: str
    cells: tuple[Cell, ...]
    kind: str = "row"  # row, rest (the small rows together), total


@dataclass(frozen=True)
class Table:
    key: str  # names the table on the page (element ids)
    caption: str
    columns: tuple[str, ...]
    rows: tuple[TableRow, ...]


REST = "rest"
TOTAL = "total"


def first_column(table: Table) -> str:
    """The heading of a housing table's first column: what its rows are (reports.housing_tables)."""
    return _("Street") if table.key.endswith("-street") else _("Complex")


def collapse_rows(bases: Sequence[int]) -> tuple[list[int], list[int]]:
    """Which rows are shown and which join the "other" row, by their base (households): under 5
    joins; while the other row's base is 1–4, the next smallest row joins too. When every row would
    join, none does (the other row would be the total again; the layer then hides the small ones)."""
    shown = list(range(len(bases)))
    rest = [i for i in shown if bases[i] < SUPPRESSION_THRESHOLD]
    shown = [i for i in shown if i not in rest]
    rest_base = sum(bases[i] for i in rest)
    while shown and 0 < rest_base < SUPPRESSION_THRESHOLD:
        smallest = min(shown, key=lambda i: (bases[i], i))
        shown.remove(smallest)
        rest.append(smallest)
        rest_base += bases[smallest]
    if not shown:
        return list(range(len(bases))), []
    return shown, sorted(rest)


def suppressed_table(
    key: str,
    caption: str,
    columns: Sequence[tuple[str, str]],
    rows: Sequence[tuple[str, dict[str, int]]],
    total_label: str,
    *,
    base: str | None = None,
    rest_label: str | None = None,
    within: Sequence[Sequence[str]] | None = None,
) -> Table:
    """Rows of counts per column with a total row, through the disclosure layer (privacy.disclosure):

    - with a `base` column (the row's households, the denominator of its shares), a row whose base
      is under 5 joins the "other" row as a whole — every column of that row is then the same
      group of households, so the row adds up (issue 19: an "other" row of "< 5" households beside
      28 satisfied); when the other row's base would itself be 1–4, the next smallest rows join
      it until it is not;
    - every cell under 5 is suppressed; each column's total is the sum of its rows, and a hidden
      cell that this sum would give away takes another cell of the column (or the total) with it;
    - `within` names groups of columns that together count at most the base (households that are
      satisfied and those dissatisfied are some of those that answered; every column is at most
      the base unless grouped): a reader knows that too, so the layer is told;
    - a share only where its count and its base are both shown."""
    (table,) = suppressed_tables(
        [TableSpec(key, caption, rows, rest_label)], columns, total_label, base=base, within=within
    )
    return table


@dataclass(frozen=True)
class TableSpec:
    """One grouping of the same households into rows (per complex, per street) for suppressed_tables."""

    key: str
    caption: str
    rows: Sequence[tuple[str, dict[str, int]]]
    rest_label: str | None = None


def suppressed_tables(
    specs: Sequence[TableSpec],
    columns: Sequence[tuple[str, str]],
    total_label: str,
    *,
    base: str | None = None,
    within: Sequence[Sequence[str]] | None = None,
    crossings: Sequence[tuple[dict[str, int], Sequence[int]]] = (),
) -> list[Table]:
    """Tables of the same households grouped two ways (per complex and per street), shown together:
    each as suppressed_table, in one call of the disclosure layer, so that what one shows cannot
    give away what the other hides. They share the total row. `crossings` are the parts where the
    groupings meet — a complex's households in one street — never shown, which a reader knows to
    exist (the addresses say which complex lies in which street): each is (counts per column, the
    index of its row in each spec); a row is the sum of its crossings."""
    keys = [k for k, _label in columns]
    single = len(specs) == 1

    def cell_key(t: int, row: object, k: str) -> Hashable:
        # One table keeps the keys it always had (the layer keeps its results by them).
        return (row, k) if single or row == TOTAL else (t, row, k)

    layout: list[tuple[list[int], list[int]]] = []
    counts: dict[Hashable, int] = {}
    for spec in specs:
        if base is not None:
            layout.append(collapse_rows([values.get(base, 0) for _label, values in spec.rows]))
        else:
            layout.append((list(range(len(spec.rows))), []))
    for t, spec in enumerate(specs):
        for i in layout[t][0]:
            for k in keys:
                counts[cell_key(t, i, k)] = spec.rows[i][1].get(k, 0)
    for k in keys:
        counts[(TOTAL, k)] = sum(values.get(k, 0) for _label, values in specs[0].rows)
        for t, spec in enumerate(specs):
            if layout[t][1]:
                counts[cell_key(t, REST, k)] = sum(spec.rows[i][1].get(k, 0) for i in layout[t][1])
    relations = [
        relation(
            (TOTAL, k),
            [cell_key(t, i, k) for i in layout[t][0]] + ([cell_key(t, REST, k)] if layout[t][1] else []),
        )
        for t in range(len(specs))
        for k in keys
    ]
    slack: list[Hashable] = []
    if base is not None:
        grouped = {k for group in within or () for k in group}
        groups = [tuple(group) for group in within or ()] + [(k,) for k in keys if k != base and k not in grouped]
        rows_of = [
            (t, row) for t in range(len(specs)) for row in [*layout[t][0], *([REST] if layout[t][1] else [])]
        ] + [(0, TOTAL)]
        for t, row in rows_of:
            for number, group in enumerate(groups):
                # base = the group + the households of the row in none of its columns (never shown)
                key_slack: Hashable = ("slack", row, number) if single or row == TOTAL else ("slack", t, row, number)
                counts[key_slack] = counts[cell_key(t, row, base)] - sum(counts[cell_key(t, row, k)] for k in group)
                slack.append(key_slack)
                relations.append(relation(cell_key(t, row, base), [*(cell_key(t, row, k) for k in group), key_slack]))
        for j, (values, _rows) in enumerate(crossings):
            for number, group in enumerate(groups):
                key_slack = ("slack", "x", j, number)  # what the part holds beside the group
                counts[key_slack] = values.get(base, 0) - sum(values.get(k, 0) for k in group)
                slack.append(key_slack)
                relations.append(relation(("x", j, base), [*(("x", j, k) for k in group), key_slack]))
    for j, (values, _rows) in enumerate(crossings):
        for k in keys:
            counts[("x", j, k)] = values.get(k, 0)
            slack.append(("x", j, k))
    for t in range(len(specs)) if crossings else ():
        rest = set(layout[t][1])
        for row in [*layout[t][0], *([REST] if rest else [])]:
            parts = [j for j, (_v, at) in enumerate(crossings) if (at[t] in rest if row == REST else at[t] == row)]
            for k in keys:
                relations.append(relation(cell_key(t, row, k), [("x", j, k) for j in parts]))
    result = protect(counts, relations, unpublished=slack)

    def cell(t: int, row: object, k: str) -> Cell:
        disclosed = result[cell_key(t, row, k)]
        of = result[cell_key(t, row, base)].value if base is not None and k != base else None
        share = kpis.rate(disclosed.value, of) if disclosed.value is not None and of else None
        return Cell(disclosed.value, share, state=disclosed.state)

    tables = []
    for t, spec in enumerate(specs):
        shown_rows, rest_rows = layout[t]
        out = [TableRow(label=spec.rows[i][0], cells=tuple(cell(t, i, k) for k in keys)) for i in shown_rows]
        if rest_rows:
            out.append(
                TableRow(
                    label=spec.rest_label or _("Other (together)"),
                    cells=tuple(cell(t, REST, k) for k in keys),
                    kind="rest",
                )
            )
        out.append(TableRow(label=total_label, cells=tuple(cell(t, TOTAL, k) for k in keys), kind="total"))
        tables.append(
            Table(key=spec.key, caption=spec.caption, columns=tuple(label for _k, label in columns), rows=tuple(out))
        )
    return tables


# --- Housing signals ------------------------------------------------------------------------------


def _complex_label(number: str) -> str:
    return number or _("Not a housing-association home")


def _complexes_of(signals: kpis.HousingSignals, area: Area) -> list[tuple[str, kpis.HousingCounts]]:
    return sorted(
        ((number, counts) for (area_id, number), counts in signals.complexes.items() if area_id == area.pk),
        key=lambda item: (item[0] == "", item[0]),
    )


def defect_categories() -> list[DefectCategory]:
    """The published defect categories, newest version first (one query; an export of every area
    reads them once)."""
    return list(
        DefectCategory.objects.filter(version__published_at__isnull=False).order_by("-version__number", "order")
    )


def _streets_of(
    signals: kpis.HousingSignals, area: Area, streets: dict[int, str]
) -> list[tuple[int, kpis.HousingCounts]]:
    return sorted(
        ((street_id, counts) for (area_id, street_id), counts in signals.streets.items() if area_id == area.pk),
        key=lambda item: (streets.get(item[0], ""), item[0]),
    )


def housing_tables(
    signals: kpis.HousingSignals,
    area: Area,
    categories: list[DefectCategory] | None = None,
    streets: dict[int, str] | None = None,
) -> list[Table]:
    """Three tables for one area, one row per housing-association complex (and the other homes),
    the area as the total: satisfaction and the wish to move; the fit of the home; defects. With
    `streets` (id → name), the same three per street as well (SPEC §2.7: per street or complex),
    each protected together with its complex table in one call of the layer — the same households
    grouped two ways, with the parts of complexes in streets as what a reader knows of the overlap
    (suppressed_tables) — so neither gives away what the other hides."""
    complexes = _complexes_of(signals, area)
    rows_source = [(_complex_label(number), counts) for number, counts in complexes]
    street_rows = _streets_of(signals, area, streets) if streets is not None else []
    street_source = [(streets.get(street_id, "?") if streets else "?", counts) for street_id, counts in street_rows]
    total_label = _("%(area)s (all homes)") % {"area": area.name}
    rest_label = _("Other complexes together")
    crossing_rows: list[tuple[kpis.HousingCounts, tuple[int, int]]] = []
    if streets is not None:
        complex_at = {number: i for i, (number, _counts) in enumerate(complexes)}
        street_at = {street_id: i for i, (street_id, _counts) in enumerate(street_rows)}
        crossing_rows = [
            (counts, (complex_at[number], street_at[street_id]))
            for (area_id, number, street_id), counts in sorted(signals.crossings.items())
            if area_id == area.pk
        ]

    def rows(source, fields: Sequence[str]) -> list[tuple[str, dict[str, int]]]:
        return [(label, {f: getattr(counts, f) for f in fields}) for label, counts in source]

    def tables(key: str, caption: str, street_caption: str, columns, values, **options) -> list[Table]:
        specs = [TableSpec(key, caption, values(rows_source), rest_label)]
        if streets is not None:
            specs.append(TableSpec(f"{key}-street", street_caption, values(street_source), _("Other streets together")))
        crossings = [(dict(values([("", counts)])[0][1]), at) for counts, at in crossing_rows]
        return suppressed_tables(
            specs, columns, total_label, base="households", crossings=crossings if streets else (), **options
        )

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

    def defect_values(source) -> list[tuple[str, dict[str, int]]]:
        return [
            (label, {"households": counts.households, **{code: counts.defects.get(code, 0) for code in defect_codes}})
            for label, counts in source
        ]

    satisfaction = tables(
        "satisfaction",
        _("Satisfaction with the home and the wish to move, per complex"),
        _("Satisfaction with the home and the wish to move, per street"),
        satisfaction_columns,
        lambda source: rows(source, [k for k, _l in satisfaction_columns]),
        within=[("satisfied", "dissatisfied"), ("wants_to_stay", "wants_to_move", "undecided")],
    )
    fit = tables(
        "fit",
        _("Homes that no longer fit, per complex"),
        _("Homes that no longer fit, per street"),
        fit_columns,
        lambda source: rows(source, [k for k, _l in fit_columns]),
        within=[("over_occupied", "under_occupied")],
    )
    defects = tables(
        "defects",
        _("Defects reported, per complex (households)"),
        _("Defects reported, per street (households)"),
        [("households", _("Households that answered")), *[(code, seen[code]) for code in defect_codes]],
        defect_values,
    )
    # The complex tables first, as before; then those per street.
    return [satisfaction[0], fit[0], defects[0], *satisfaction[1:], *fit[1:], *defects[1:]]


def satisfaction_means(signals: kpis.HousingSignals, area: Area) -> list[tuple[str, Decimal | None]]:
    """The mean satisfaction for the rows of the housing tables (the same complexes, the same
    "other" row) and for the area; a mean of fewer than 5 answers is not shown."""
    complexes = _complexes_of(signals, area)
    shown, rest = collapse_rows([counts.households for _number, counts in complexes])

    def mean(counts: kpis.HousingCounts) -> Decimal | None:
        return counts.satisfaction_mean if counts.satisfaction_answered >= SUPPRESSION_THRESHOLD else None

    result = [(_complex_label(complexes[i][0]), mean(complexes[i][1])) for i in shown]
    if rest:
        together = kpis.HousingCounts()
        for i in rest:
            together.satisfaction_answered += complexes[i][1].satisfaction_answered
            together.satisfaction_sum += complexes[i][1].satisfaction_sum
        result.append((_("Other complexes together"), mean(together)))
    area_counts = signals.areas.get(area.pk)
    if area_counts is not None:
        result.append((area.name, mean(area_counts)))
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


# --- Activities, participants and volunteer hours per street -------------------------------------


def activity_table(per_street: dict[int, kpis.StreetActivity], streets: dict[int, str]) -> Table:
    """Per street of the area (every one: a street where nothing happened is a 0, "< 5" like any
    small count): activities, participants, volunteers, volunteer hours; the total line adds up the
    streets, as turnover's (an activity on two streets is in it twice). The counts go through the
    disclosure layer as one table (suppressed_table); the hours are a sum over volunteers, shown
    like a mean only where the volunteers they are of are shown — and on the total line only where
    the volunteers of the streets not shown (the total minus those shown, which a reader can work
    out) are none or 5 or more, so no small group's hours follow by subtraction."""
    order = sorted(per_street, key=lambda s: (streets.get(s, ""), s))
    columns = [
        ("activities", _("Activities")),
        ("participants", _("Participants")),
        ("volunteers", _("Volunteers")),
    ]
    rows = [
        (
            streets.get(s, "?"),
            {
                "activities": per_street[s].activities,
                "participants": per_street[s].participants,
                "volunteers": per_street[s].volunteers,
            },
        )
        for s in order
    ]
    table = suppressed_table(
        "activity",
        _("Activities, participants and volunteers per street (the total adds up the streets)"),
        columns,
        rows,
        _("All streets together"),
    )
    hours = [per_street[s].hours for s in order]
    hours.append(sum(hours, Decimal(0)))
    volunteers_at = len(columns) - 1
    shown_volunteers = sum(row.cells[volunteers_at].count or 0 for row in table.rows[:-1])
    total_volunteers = table.rows[-1].cells[volunteers_at].count
    out = []
    for i, (row, hours_) in enumerate(zip(table.rows, hours, strict=True)):
        volunteers = row.cells[volunteers_at]
        shown = volunteers.count is not None
        if i == len(table.rows) - 1 and shown:
            unshown = int(total_volunteers or 0) - int(shown_volunteers)
            shown = unshown == 0 or unshown >= SUPPRESSION_THRESHOLD
        if shown:
            cell = Cell(hours_)
        elif volunteers.count is None:
            cell = Cell(None, state=volunteers.state)  # as the volunteers they are of
        else:
            cell = Cell(None, state=State.HIDDEN)  # the total's: it would give a small group's hours
        out.append(TableRow(label=row.label, cells=(*row.cells, cell), kind=row.kind))
    return Table(
        key=table.key,
        caption=table.caption,
        columns=(*table.columns, _("Volunteer hours")),
        rows=tuple(out),
    )


# --- The programme home ---------------------------------------------------------------------------


def revisit_reason_label(code: str) -> str:
    """A kind of reason of a revisit as the tables show it; "" is a revisit planned before the
    kinds of reason were recorded."""
    return str(RevisitReason(code).label) if code else _("not recorded (planned before the kinds of reason)")


# Life domains whose figures are health data (AVG art. 9): special categories.
SPECIAL_DOMAINS = frozenset({"gezondheid"})


@dataclass(frozen=True)
class HomeFigures:
    """The programme home's counts as a role may see them: every count is a Disclosed, every share
    is shown only where its count and its base are."""

    cells: dict
    rise_rows: list[dict]
    domain_rows: list[dict]
    partner_rows: list[dict]
    area_rows: list[dict]
    special_left_out: bool  # special-category rows were left out for this role or this filter
    series: tuple = ()  # the monthly points (kpis.MonthPoint), their counts in `cells` under month_key
    ordinary_rows: list = field(default_factory=list)  # referrals without priority, per partner
    revisits: dict = field(default_factory=dict)  # planned, held, cancelled, open, from_conversation(_held)
    revisit_reasons: list = field(default_factory=list)  # per kind of reason: label, planned, held

    def value(self, key) -> int | None:
        return self.cells[key].value

    def share(self, numerator, denominator) -> Decimal | None:
        n, d = self.cells[numerator], self.cells[denominator]
        return kpis.rate(n.value, d.value) if n.shown and d.shown else None


def home_figures(
    *,
    participation: kpis.Participation,
    visits: kpis.Visits,
    uptake: kpis.Uptake,
    rise: kpis.SocialRise,
    handling: Sequence[kpis.PartnerHandling],
    summary: dict,
    sees_persons: bool,
    special_allowed: bool,
    series: Sequence[kpis.MonthPoint] = (),
    ordinary: Sequence[kpis.PartnerHandling] = (),
    revisits: kpis.Revisits | None = None,
) -> HomeFigures:
    """Every count of the programme home through the one disclosure layer, at once: the cards, the
    rise table, the life domains, the partners and the areas are shown together, so the sums that
    tie them (the areas' households are the households in scope; rose + equal + declined are the
    persons compared, who with the groups counted apart are the persons followed; a domain's
    improved + equal + worse are its persons compared; a part is at most its whole) are all known
    to the layer. Health domains and the GGZ and police partners are special categories: shown
    only when `special_allowed`, with the higher threshold."""
    counts: dict = {}
    rels: list = []
    unpublished: list = []
    thresholds: dict = {}

    def at_most(part, whole) -> None:
        slack = ("slack", part, whole)
        counts[slack] = counts[whole] - counts[part]
        unpublished.append(slack)
        rels.append(relation(whole, [part, slack]))

    # The cards.
    counts["in_scope"] = participation.in_scope
    counts["reached"] = participation.reached
    counts["visited"] = visits.persons_visited
    counts["with_question"] = visits.persons_with_help_question
    counts["in_trajectory"] = uptake.in_trajectory
    at_most("reached", "in_scope")
    at_most("with_question", "visited")
    at_most("in_trajectory", "visited")
    # The areas: addresses are the address register's (public), households and empty addresses count.
    areas = summary["areas"]
    for row in areas:
        counts[("households", row.area.pk)] = row.households
        counts[("empty", row.area.pk)] = row.empty_addresses
    counts["households_total"] = summary["total"].households
    counts["empty_total"] = summary["total"].empty_addresses
    rels.append(relation("households_total", [("households", r.area.pk) for r in areas]))
    rels.append(relation("empty_total", [("empty", r.area.pk) for r in areas]))
    if summary["total"].households == participation.in_scope:
        # The same households counted twice: the card must not give away a hidden area.
        rels.append(relation("in_scope", ["households_total"]))
    # Social rise.
    for name in ("rose", "equal", "declined", "at_top", "not_applicable", "no_rung", "followed"):
        counts[name] = getattr(rise, name)
    counts["compared"] = rise.compared
    rels.append(relation("compared", ["rose", "equal", "declined"]))
    rels.append(relation("followed", ["compared", "at_top", "not_applicable", "no_rung"]))
    # Life domains.
    domains = [d for d in rise.domains if special_allowed or d.code not in SPECIAL_DOMAINS]
    for d in domains:
        for part in ("compared", "improved", "equal", "worse"):
            counts[("domain", d.code, part)] = getattr(d, part)
            if d.code in SPECIAL_DOMAINS:
                thresholds[("domain", d.code, part)] = SPECIAL_CATEGORY_THRESHOLD
        rels.append(
            relation(("domain", d.code, "compared"), [("domain", d.code, p) for p in ("improved", "equal", "worse")])
        )
    # Partners.
    partners = [h for h in handling if special_allowed or not h.special]
    for h in partners:
        key = h.organisation_id
        for part in ("sent", "answered", "overdue_now", "within", "missed"):
            counts[("partner", key, part)] = getattr(h, part)
            if h.special:
                thresholds[("partner", key, part)] = SPECIAL_CATEGORY_THRESHOLD
        counts[("partner", key, "decided")] = h.within + h.missed
        if h.special:
            thresholds[("partner", key, "decided")] = SPECIAL_CATEGORY_THRESHOLD
        rels.append(relation(("partner", key, "decided"), [("partner", key, "within"), ("partner", key, "missed")]))
        at_most(("partner", key, "answered"), ("partner", key, "sent"))
        at_most(("partner", key, "overdue_now"), ("partner", key, "missed"))
    _series_counts(series, partners, counts, rels, at_most)
    # Referrals without priority: sent and answered per partner, the same special-category rule.
    ordinary_partners = [h for h in ordinary if special_allowed or not h.special]
    for h in ordinary_partners:
        for part in ("sent", "answered"):
            counts[("ordinary", h.organisation_id, part)] = getattr(h, part)
            if h.special:
                thresholds[("ordinary", h.organisation_id, part)] = SPECIAL_CATEGORY_THRESHOLD
        at_most(("ordinary", h.organisation_id, "answered"), ("ordinary", h.organisation_id, "sent"))
    # Revisits: every one planned is held, cancelled or still open; those asked for in a conversation
    # are some of them.
    if revisits is not None:
        for name in ("planned", "held", "cancelled", "open", "from_conversation", "from_conversation_held"):
            counts[("revisits", name)] = getattr(revisits, name)
        rels.append(relation(("revisits", "planned"), [("revisits", n) for n in ("held", "cancelled", "open")]))
        at_most(("revisits", "from_conversation"), ("revisits", "planned"))
        at_most(("revisits", "from_conversation_held"), ("revisits", "from_conversation"))
        at_most(("revisits", "from_conversation_held"), ("revisits", "held"))
        # Per kind of reason (every one, zeros included): they add up to the planned and the held.
        for code, planned, held in revisits.by_reason:
            counts[("revisit_reason", code, "planned")] = planned
            counts[("revisit_reason", code, "held")] = held
            at_most(("revisit_reason", code, "held"), ("revisit_reason", code, "planned"))
        if revisits.by_reason:
            for name in ("planned", "held"):
                rels.append(
                    relation(
                        ("revisits", name), [("revisit_reason", code, name) for code, _p, _h in revisits.by_reason]
                    )
                )
    cells = protect(counts, rels, thresholds=thresholds, unpublished=unpublished, sees_persons=sees_persons)
    figures = HomeFigures(
        cells=cells,
        rise_rows=[],
        domain_rows=[],
        partner_rows=[],
        area_rows=[],
        special_left_out=len(domains) < len(rise.domains) or len(partners) < len(handling),
        series=tuple(series),
        ordinary_rows=[
            {
                "organisation": h.organisation,
                "special": h.special,
                "sent": cells[("ordinary", h.organisation_id, "sent")],
                "answered": cells[("ordinary", h.organisation_id, "answered")],
                "median": h.median_working_days if cells[("ordinary", h.organisation_id, "answered")].shown else None,
            }
            for h in ordinary_partners
        ],
        revisits={key[1]: cell for key, cell in cells.items() if isinstance(key, tuple) and key[0] == "revisits"},
        revisit_reasons=[
            {
                "label": revisit_reason_label(code),
                "planned": cells[("revisit_reason", code, "planned")],
                "held": cells[("revisit_reason", code, "held")],
            }
            for code, _planned, _held in (revisits.by_reason if revisits is not None else ())
        ],
    )
    for label, name, of in (
        (_("rose"), "rose", "compared"),
        (_("equal"), "equal", "compared"),
        (pgettext("rung change", "declined"), "declined", "compared"),
        (_("at rung 6 at baseline"), "at_top", "followed"),
        (_("ladder not applicable (AOW age, full-time education)"), "not_applicable", "followed"),
        (_("no rung recorded at any follow-up measurement"), "no_rung", "followed"),
    ):
        figures.rise_rows.append({"label": label, "cell": cells[name], "share": figures.share(name, of), "of": of})
    for d in domains:
        compared = cells[("domain", d.code, "compared")]
        figures.domain_rows.append(
            {
                "name": d.name,
                "special": d.code in SPECIAL_DOMAINS,
                "compared": compared,
                "mean_change": d.mean_change if compared.shown else None,
                **{f"{part}_cell": cells[("domain", d.code, part)] for part in ("improved", "equal", "worse")},
                **{
                    f"{part}_share": figures.share(("domain", d.code, part), ("domain", d.code, "compared"))
                    for part in ("improved", "equal", "worse")
                },
            }
        )
    for h in partners:
        key = h.organisation_id
        answered = cells[("partner", key, "answered")]
        figures.partner_rows.append(
            {
                "organisation": h.organisation,
                "special": h.special,
                "sent": cells[("partner", key, "sent")],
                "answered": answered,
                "median": h.median_working_days if answered.shown else None,
                "within_share": figures.share(("partner", key, "within"), ("partner", key, "decided")),
                "overdue_now": cells[("partner", key, "overdue_now")],
            }
        )
    for row in areas:
        figures.area_rows.append(
            {
                "area": row.area,
                "addresses": row.addresses,
                "households": cells[("households", row.area.pk)],
                "empty": cells[("empty", row.area.pk)],
            }
        )
    return figures


# The counts of a month's point (kpis.MonthPoint) shown in the charts' tables.
MONTH_COUNTS = (
    "in_scope",
    "reached",
    "visited",
    "in_trajectory",
    "followed",
    "compared",
    "rose",
    "equal",
    "declined",
    "decided",
    "within",
)


def month_key(series: Sequence, i: int, name: str) -> Hashable:
    """A month's count in the cells of home_figures. The last month's point is the period's figure
    itself (the same definition up to the same day), so it *is* the card's count, not a second one
    that the layer might decide on differently."""
    if i == len(series) - 1 and name not in ("decided", "within"):
        return name
    return ("month", i, name)


def _series_counts(series: Sequence[kpis.MonthPoint], partners, counts: dict, rels: list, at_most) -> None:
    """The monthly points beside the cards, with what a reader knows: each month's parts are at
    most their whole, rose + equal + declined are its persons compared, the persons visited, in a
    trajectory and followed and the referrals decided and within never fall from one month to the
    next (the same start, a later end); the last month's referrals decided and within are the sums
    of the (not special) partners' rows shown beside them."""
    for i, point in enumerate(series):
        if i < len(series) - 1:  # the last month's are the cards' (month_key)
            for name in MONTH_COUNTS:
                counts[("month", i, name)] = point.compared if name == "compared" else getattr(point, name)
            at_most(("month", i, "reached"), ("month", i, "in_scope"))
            at_most(("month", i, "in_trajectory"), ("month", i, "visited"))
            at_most(("month", i, "compared"), ("month", i, "followed"))
            rels.append(relation(("month", i, "compared"), [("month", i, n) for n in ("rose", "equal", "declined")]))
        decided, within = ("month", i, "decided"), ("month", i, "within")
        counts[decided] = point.decided
        counts[within] = point.within
        at_most(within, decided)
        if i > 0:
            # Counted from the same start, these only grow from one month to the next: a reader knows.
            for name in ("visited", "in_trajectory", "followed", "decided", "within"):
                at_most(month_key(series, i - 1, name), month_key(series, i, name))
        if i == len(series) - 1:
            ordinary = [h.organisation_id for h in partners if not h.special]
            rels.append(relation(decided, [("partner", o, "decided") for o in ordinary]))
            rels.append(relation(within, [("partner", o, "within") for o in ordinary]))
