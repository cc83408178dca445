"""The disclosure-control layer: every hidden count is attacked with the sums a reader knows and must
not be worked out (tests/privacy/attacker.py searches all whole solutions)."""

from __future__ import annotations

import os
import pickle
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from stijging.privacy.disclosure import (
    SPECIAL_CATEGORY_THRESHOLD,
    State,
    protect,
    protect_table,
    relation,
    special_category_allowed,
)

from .attacker import derivable, published_of


def test_a_count_under_five_is_small_and_zero_is_small_too():
    result = protect({"a": 0, "b": 4, "c": 5})
    assert [result[k].state for k in "abc"] == [State.SMALL, State.SMALL, State.SHOWN]
    assert result["c"].value == 5 and result["a"].value is None


def test_the_street_overview_example_one_objection_cannot_be_worked_out_from_the_area_total():
    # Issue 14: 5 objections on one street, "< 5" on the other, area total 6 — that one household.
    counts = {"street 1": 5, "street 2": 1, "area": 6}
    sums = [("area", ["street 1", "street 2"])]
    result = protect(counts, [relation(t, p) for t, p in sums])
    assert result["street 2"].state is State.SMALL
    assert not result["street 1"].shown or not result["area"].shown
    assert derivable(counts, published_of(result), sums) == []


def test_a_hidden_count_of_five_or_more_is_labelled_hidden_never_under_five():
    counts = {"x": 7, "y": 2, "t": 9}
    result = protect(counts, [relation("t", ["x", "y"])])
    assert result["y"].state is State.SMALL
    assert result["x"].state is State.HIDDEN  # the part, not the total, is given up
    assert result["t"].value == 9


def test_two_small_counts_that_can_only_be_four_each_are_protected_further():
    # 4 + 4 = 8 with both "< 5": each must be 4. Another count goes too.
    counts = {"a": 4, "b": 4, "c": 6, "t": 14}
    sums = [("t", ["a", "b", "c"])]
    result = protect(counts, [relation(t, p) for t, p in sums])
    assert derivable(counts, published_of(result), sums) == []
    assert result["c"].state is State.HIDDEN


def test_two_zeros_under_a_shown_total_are_protected():
    counts = {"a": 0, "b": 0, "c": 9, "t": 9}
    sums = [("t", ["a", "b", "c"])]
    result = protect(counts, [relation(t, p) for t, p in sums])
    assert derivable(counts, published_of(result), sums) == []


def test_chained_sums_rise_table_cannot_be_worked_out_through_persons_followed():
    # rose + equal + declined = compared; compared + at top + n/a + no rung = followed.
    counts = {"rose": 12, "equal": 20, "declined": 3, "compared": 35, "top": 6, "na": 7, "none": 8, "followed": 56}
    sums = [("compared", ["rose", "equal", "declined"]), ("followed", ["compared", "top", "na", "none"])]
    result = protect(counts, [relation(t, p) for t, p in sums])
    assert result["declined"].state is State.SMALL
    assert derivable(counts, published_of(result), sums) == []


def test_a_count_of_one_table_shown_in_another_is_one_count():
    # The households in scope (a card) are the areas' households (the table's total): one key.
    counts = {"area 1": 30, "area 2": 3, "in scope": 33}
    sums = [("in scope", ["area 1", "area 2"])]
    result = protect(counts, [relation(t, p) for t, p in sums])
    assert derivable(counts, published_of(result), sums) == []


def test_special_categories_have_their_own_threshold():
    result = protect({"health": 9, "housing": 9}, thresholds={"health": SPECIAL_CATEGORY_THRESHOLD})
    assert result["health"].state is State.SMALL and result["health"].threshold == 10
    assert result["housing"].value == 9


def test_special_categories_only_for_the_whole_programme_and_a_steering_role():
    assert special_category_allowed(["manager"], whole_programme=True)
    assert not special_category_allowed(["manager"], whole_programme=False)
    for role in ("partner", "coordinator", "admin", "privacy_officer"):
        assert not special_category_allowed([role], whole_programme=True)


def test_a_role_with_access_to_persons_sees_every_count():
    result = protect({"a": 1, "t": 1}, [relation("t", ["a"])], sees_persons=True)
    assert result["a"].value == 1 and result["t"].value == 1


def _table_sums(n_rows: int, n_cols: int, *, row_totals: bool, col_totals: bool):
    sums = []
    if col_totals:
        sums += [(("total", c), [(r, c) for r in range(n_rows)]) for c in range(n_cols)]
    if row_totals:
        sums += [((r, "total"), [(r, c) for c in range(n_cols)]) for r in range(n_rows)]
    return sums


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=1, max_value=4).flatmap(
        lambda n_cols: st.lists(
            st.lists(st.integers(min_value=0, max_value=12), min_size=n_cols, max_size=n_cols),
            min_size=1,
            max_size=4,
        )
    ),
    st.booleans(),
)
def test_no_hidden_cell_of_any_small_table_can_be_worked_out(rows, with_row_totals):
    n_rows, n_cols = len(rows), len(rows[0])
    totals = [sum(row[c] for row in rows) for c in range(n_cols)]
    row_totals = [sum(row) for row in rows] if with_row_totals else None
    cells, total_row, total_column = protect_table(rows, totals=totals, row_totals=row_totals)
    truth = {(r, c): rows[r][c] for r in range(n_rows) for c in range(n_cols)}
    disclosed = {(r, c): cells[r][c] for r in range(n_rows) for c in range(n_cols)}
    truth |= {("total", c): totals[c] for c in range(n_cols)}
    disclosed |= {("total", c): total_row[c] for c in range(n_cols)}  # type: ignore[index]
    if row_totals is not None:
        truth |= {(r, "total"): row_totals[r] for r in range(n_rows)}
        disclosed |= {(r, "total"): total_column[r] for r in range(n_rows)}  # type: ignore[index]
    sums = _table_sums(n_rows, n_cols, row_totals=with_row_totals, col_totals=True)
    assert derivable(truth, published_of(disclosed), sums) == []
    # And nothing shown is under 5.
    assert all(cell.value is None or cell.value >= 5 for cell in disclosed.values())


def test_a_kept_layout_still_in_use_is_renewed_before_it_expires(tmp_path, monkeypatch):
    """The tick lays the area tables out again each time it renews their figures and finds them kept;
    a use late in the kept layout's time must renew it, or it expires an hour after it was made and
    a visitor pays the whole search again (seconds at a region's size). A use soon after it was made
    writes nothing. With the project's own file cache."""
    from django.core.cache import caches
    from django.test import override_settings

    from stijging.privacy import disclosure

    searches = []
    original = disclosure._protect
    monkeypatch.setattr(disclosure, "_protect", lambda *args: searches.append(1) or original(*args))
    counts = {"a": 3, "b": 9, "total": 12}
    relations = [relation("total", ["a", "b"])]
    key = disclosure.layout_key(counts, relations, {}, (), ())
    shared = {"default": {"BACKEND": "stijging.core.cache.SharedFileCache", "LOCATION": str(tmp_path)}}
    with override_settings(CACHES=shared):
        cache = caches["default"]

        def expires_in() -> float:
            with open(cache._key_to_file(key), "rb") as f:
                return pickle.load(f) - time.time()

        first = protect(counts, relations)
        assert len(searches) == 1
        written = os.stat(cache._key_to_file(key))
        # Used again soon: kept as it is, the file not written again (the programme home uses two
        # layouts a request).
        assert protect(counts, relations) == first
        again = os.stat(cache._key_to_file(key))
        assert (again.st_ino, again.st_mtime_ns) == (written.st_ino, written.st_mtime_ns)
        # Used in the second half of its time, nearly due: renewed for a whole time again.
        result, _kept_at = cache.get(key)
        cache.set(key, (result, time.time() - disclosure.PROTECT_CACHE_SECONDS + 5), 5)
        assert expires_in() < 10
        assert protect(counts, relations) == first
        assert len(searches) == 1  # kept: no new search
        assert expires_in() > disclosure.PROTECT_CACHE_SECONDS - 60
