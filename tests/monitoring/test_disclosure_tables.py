"""The housing signals tables add up (issue 19 item 9) and no hidden cell of them can be worked out
(issue 14): every table is attacked with the sums a reader knows (tests/privacy/attacker.py)."""

from __future__ import annotations

from stijging.monitoring import kpis
from stijging.monitoring.reports import Table, housing_tables, satisfaction_means, suppressed_table
from stijging.privacy.disclosure import State
from stijging.registry.models import Area

from ..privacy.attacker import HIDDEN, SHOWN, SMALL, UNPUBLISHED, derivable

AREA = Area(pk=1, name="De Ruit")


def _counts(households, satisfied, dissatisfied, stay=0, move=0, undecided=0, small=0, big=0, ageing=0):
    return kpis.HousingCounts(
        households=households,
        satisfaction_answered=satisfied + dissatisfied,
        satisfaction_sum=5 * satisfied + dissatisfied,
        satisfied=satisfied,
        dissatisfied=dissatisfied,
        wants_to_stay=stay,
        wants_to_move=move,
        undecided=undecided,
        over_occupied=small,
        under_occupied=big,
        not_fit_for_ageing=ageing,
    )


# The demo's contradiction: small complexes whose satisfied / dissatisfied columns were suppressed
# on their own, so the "other" line summed different complexes per column.
COMPLEXES = {
    "1001": _counts(40, 20, 12, stay=30, move=6, undecided=4, small=6, big=3, ageing=9),
    "1002": _counts(3, 1, 2, stay=2, move=1, small=1),
    "1003": _counts(2, 2, 0, stay=1, undecided=1),
    "1004": _counts(9, 6, 2, stay=5, move=3, undecided=1, small=2, big=5, ageing=1),
    "1005": _counts(8, 2, 6, stay=1, move=7, big=1, ageing=7),
    "": _counts(12, 8, 3, stay=8, move=2, undecided=2, small=5, ageing=2),
}
SIGNALS = kpis.HousingSignals(
    areas={1: _counts(74, 39, 25)},
    complexes={(1, number): counts for number, counts in COMPLEXES.items()},
)
FIELDS = {
    "satisfaction": ["households", "satisfied", "dissatisfied", "wants_to_stay", "wants_to_move", "undecided"],
    "fit": ["households", "over_occupied", "under_occupied", "not_fit_for_ageing"],
}
GROUPS = {
    "satisfaction": [("satisfied", "dissatisfied"), ("wants_to_stay", "wants_to_move", "undecided")],
    "fit": [("over_occupied", "under_occupied")],
}


def _label(number: str) -> str:
    return number or "Not a housing-association home"


def _members(table: Table) -> dict[str, list[str]]:
    """Which complexes each row of the table counts (the other row: those not shown on their own)."""
    named = {row.label for row in table.rows if row.kind == "row"}
    rest = [n for n in COMPLEXES if _label(n) not in named]
    out = {}
    for row in table.rows:
        if row.kind == "row":
            out[row.label] = [n for n in COMPLEXES if _label(n) == row.label]
        elif row.kind == "rest":
            out[row.label] = rest
        else:
            out[row.label] = list(COMPLEXES)
    return out


def _attack(table: Table, fields: list[str], groups) -> list:
    members = _members(table)
    truth, published, sums = {}, {}, []
    for row in table.rows:
        for field, cell in zip(fields, row.cells, strict=True):
            key = (row.label, field)
            truth[key] = sum(getattr(COMPLEXES[n], field) for n in members[row.label])
            kind = SHOWN if cell.state is State.SHOWN else SMALL if cell.state is State.SMALL else HIDDEN
            published[key] = (kind, cell.count)
        # What a reader knows inside a row: a group of columns counts at most the households.
        grouped = {f for group in groups for f in group}
        for number, group in enumerate([*groups, *[(f,) for f in fields[1:] if f not in grouped]]):
            slack = (row.label, "slack", number)
            truth[slack] = truth[(row.label, "households")] - sum(truth[(row.label, f)] for f in group)
            published[slack] = (UNPUBLISHED, None)
            sums.append(((row.label, "households"), [(row.label, f) for f in group] + [slack]))
    total = next(row.label for row in table.rows if row.kind == "total")
    for field in fields:
        sums.append(((total, field), [(row.label, field) for row in table.rows if row.kind != "total"]))
    return derivable(truth, published, sums)


def test_the_other_row_counts_the_same_complexes_in_every_column_so_it_adds_up():
    satisfaction, fit, _defects = housing_tables(SIGNALS, AREA, categories=[])
    rest = next(row for row in satisfaction.rows if row.kind == "rest")
    households, satisfied, dissatisfied = (cell for cell in rest.cells[:3])
    # 1002 and 1003 (3 + 2 households) together: 5 households, of which 3 satisfied, 2 dissatisfied.
    # The 5 is never written "< 5": shown as 5, or hidden (the layer may hide it to protect another).
    assert households.count == 5 or households.state is State.HIDDEN
    assert satisfied.state is State.SMALL and dissatisfied.state is State.SMALL
    assert [row.label for row in satisfaction.rows] == [row.label for row in fit.rows]
    assert [row.label for row in satisfaction.rows][-2:] == ["Other complexes together", "De Ruit (all homes)"]


def test_no_cell_of_the_housing_tables_can_be_worked_out():
    satisfaction, fit, _defects = housing_tables(SIGNALS, AREA, categories=[])
    for table, key in ((satisfaction, "satisfaction"), (fit, "fit")):
        assert _attack(table, FIELDS[key], GROUPS[key]) == [], key


def test_a_hidden_count_is_never_labelled_under_five():
    satisfaction, fit, _defects = housing_tables(SIGNALS, AREA, categories=[])
    for table in (satisfaction, fit):
        for row in table.rows:
            for field, cell in zip(FIELDS[table.key], row.cells, strict=True):
                true = sum(getattr(COMPLEXES[n], field) for n in _members(table)[row.label])
                if cell.state is State.SMALL:
                    assert true < 5, (row.label, field)
                elif cell.state is State.HIDDEN:
                    assert true >= 5, (row.label, field)


def test_a_count_equal_to_its_households_is_not_given_away_by_the_households():
    # 6 households, 6 satisfied: a hidden "5 or more" satisfied beside 6 households is 5 or 6 — but
    # with 5 households, hidden would mean exactly 5.
    table = suppressed_table(
        "t",
        "t",
        [("households", "households"), ("satisfied", "satisfied")],
        [("A", {"households": 5, "satisfied": 5}), ("B", {"households": 20, "satisfied": 2})],
        "total",
        base="households",
    )
    a = table.rows[0]
    assert not (a.cells[0].state is State.SHOWN and a.cells[1].state is State.HIDDEN and a.cells[0].count == 5)


def test_the_means_follow_the_same_rows():
    means = satisfaction_means(SIGNALS, AREA)
    assert [label for label, _mean in means] == [
        "1001",
        "1004",
        "1005",
        "Not a housing-association home",
        "Other complexes together",
        "De Ruit",
    ]
    # 1002 and 1003 together: 5 answers (1 + 2 and 2 + 0), satisfied as 5, dissatisfied as 1: 17 / 5.
    assert str(dict(means)["Other complexes together"]) == "3.4"


# --- The same households per complex and per street, shown together (SPEC §2.7) --------------------

# (complex, street) → households, satisfied, dissatisfied: where complexes and streets meet. K1 and
# K2 lie in Akkerstraat, K3 is Beekstraat. Per complex, K2's 2 satisfied are "< 5" and one more count
# of the column goes with them; per street, Akkerstraat's 8 satisfied are K1's and K2's together —
# shown beside K1's 6, they would give K2's 2 away, unless the layer knows how the two overlap.
CROSSINGS = {
    ("K1", 11): (10, 6, 2),
    ("K2", 11): (6, 2, 1),
    ("K3", 12): (7, 5, 1),
}
STREET_NAMES = {11: "Akkerstraat", 12: "Beekstraat"}


def _crossing_signals() -> kpis.HousingSignals:
    def counts(parts) -> kpis.HousingCounts:
        h, s, d = (sum(p[i] for p in parts) for i in range(3))
        return _counts(h, s, d)

    complexes = {n for n, _s in CROSSINGS}
    streets = {s for _n, s in CROSSINGS}
    return kpis.HousingSignals(
        areas={1: counts(CROSSINGS.values())},
        complexes={(1, n): counts([v for (m, _s), v in CROSSINGS.items() if m == n]) for n in complexes},
        streets={(1, s): counts([v for (_n, t), v in CROSSINGS.items() if t == s]) for s in streets},
        crossings={(1, n, s): counts([v]) for (n, s), v in CROSSINGS.items()},
    )


def test_the_street_tables_come_with_the_complex_tables_and_share_their_total():
    tables = housing_tables(_crossing_signals(), AREA, categories=[], streets=STREET_NAMES)
    assert [t.key for t in tables] == [
        "satisfaction",
        "fit",
        "defects",
        "satisfaction-street",
        "fit-street",
        "defects-street",
    ]
    by_complex, by_street = tables[0], tables[3]
    assert [row.label for row in by_street.rows] == ["Akkerstraat", "Beekstraat", "De Ruit (all homes)"]
    # One total, disclosed once: the same cells in both.
    assert by_complex.rows[-1].cells == by_street.rows[-1].cells
    # Without streets: the complex tables alone, as before.
    assert [t.key for t in housing_tables(_crossing_signals(), AREA, categories=[])] == [
        "satisfaction",
        "fit",
        "defects",
    ]


def test_no_cell_of_the_complex_and_street_tables_together_can_be_worked_out():
    """What a reader of both knows: each row adds up its parts where complexes and streets meet
    (unpublished, 0 or more: the addresses say which complex lies in which street), a row's
    satisfied and dissatisfied are some of its households, and both tables add up to one total."""
    tables = housing_tables(_crossing_signals(), AREA, categories=[], streets=STREET_NAMES)
    by_complex, by_street = tables[0], tables[3]
    fields = ["households", "satisfied", "dissatisfied"]
    truth, published, sums = {}, {}, []
    named_complexes = {row.label for row in by_complex.rows if row.kind == "row"}
    named_streets = {row.label for row in by_street.rows if row.kind == "row"}

    def members(table, row, label_of):
        named = named_complexes if table is by_complex else named_streets
        if row.kind == "total":
            return list(CROSSINGS)
        if row.kind == "rest":
            return [key for key in CROSSINGS if label_of(key) not in named]
        return [key for key in CROSSINGS if label_of(key) == row.label]

    for table, label_of in ((by_complex, lambda key: _label(key[0])), (by_street, lambda key: STREET_NAMES[key[1]])):
        for row in table.rows:
            parts = members(table, row, label_of)
            name = "total" if row.kind == "total" else (table.key, row.label)
            for i, field in enumerate(fields):
                cell = row.cells[i]
                truth[(name, field)] = sum(CROSSINGS[key][i] for key in parts)
                kind = SHOWN if cell.state is State.SHOWN else SMALL if cell.state is State.SMALL else HIDDEN
                published[(name, field)] = (kind, cell.count)
                sums.append(((name, field), [("x", key, field) for key in parts]))
    for key, values in CROSSINGS.items():
        for i, field in enumerate(fields):
            truth[("x", key, field)] = values[i]
            published[("x", key, field)] = (UNPUBLISHED, None)
        truth[("x", key, "rest")] = values[0] - values[1] - values[2]
        published[("x", key, "rest")] = (UNPUBLISHED, None)
        sums.append(
            (("x", key, "households"), [("x", key, "satisfied"), ("x", key, "dissatisfied"), ("x", key, "rest")])
        )
    assert derivable(truth, published, sums) == []
