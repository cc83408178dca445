"""The layer keeps its intervals between two hidden counts (`_Narrower`) instead of working them all
out again: the same households grouped two ways (complexes and streets, tied by their never-shown
crossings) are protected and attacked, and the kept intervals are compared with those worked out
from scratch after every count hidden."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from stijging.privacy.disclosure import (
    State,
    _can_differ,
    _LinearAudit,
    _Narrower,
    _of_key,
    _protect,
    _protect_from_scratch,
    _start,
    bounds,
    protect,
    relation,
)

from .attacker import derivable, published_of

FIELDS = ("households", "satisfied", "dissatisfied")

# A crossing: (complex 0–2, street 0–2, households, satisfied, dissatisfied) with satisfied +
# dissatisfied ≤ households.
crossing = st.tuples(st.integers(0, 2), st.integers(0, 2), st.integers(0, 9), st.integers(0, 9), st.integers(0, 9)).map(
    lambda c: (c[0], c[1], c[2] + c[3] + c[4], c[3], c[4])
)


def _two_groupings(crossings):
    """Counts and sums as suppressed_tables lays them out: per complex and per street, one total,
    the crossings and every row's households besides its satisfied and dissatisfied unpublished."""
    counts, sums, unpublished = {}, [], []
    groupings = {"complex": 0, "street": 1}
    for f, field in enumerate(FIELDS):
        counts[("total", field)] = sum(c[2 + f] for c in crossings)
        for j, c in enumerate(crossings):
            counts[("x", j, field)] = c[2 + f]
            unpublished.append(("x", j, field))
        for name, at in groupings.items():
            rows = sorted({c[at] for c in crossings})
            for row in rows:
                members = [j for j, c in enumerate(crossings) if c[at] == row]
                counts[(name, row, field)] = sum(crossings[j][2 + f] for j in members)
                sums.append(((name, row, field), [("x", j, field) for j in members]))
            sums.append((("total", field), [(name, row, field) for row in rows]))
    rows_of = [("total",)] + [
        (name, row) for name, at in groupings.items() for row in sorted({c[at] for c in crossings})
    ]
    rows_of += [("x", j) for j in range(len(crossings))]
    for row in rows_of:
        rest = (*row, "rest")
        counts[rest] = counts[(*row, "households")] - counts[(*row, "satisfied")] - counts[(*row, "dissatisfied")]
        unpublished.append(rest)
        sums.append(((*row, "households"), [(*row, "satisfied"), (*row, "dissatisfied"), rest]))
    return counts, sums, unpublished


@settings(max_examples=150, deadline=None)
@given(st.lists(crossing, min_size=1, max_size=4))
# The gap Hypothesis once found, always tried first: a complex that is one street's every household
# tied to an empty one. The bounded search gave up on the empty complex's households (open, but
# 60 steps did not show it), found no shown count to hide and stopped, leaving the full complex pinned
# to its street through the never-shown crossings.
@example([(0, 0, 0, 0, 0), (1, 1, 0, 0, 0), (1, 1, 7, 1, 6)])
def test_no_hidden_count_of_two_groupings_of_the_same_households_can_be_worked_out(crossings):
    counts, sums, unpublished = _two_groupings(crossings)
    result = protect(counts, [relation(total, parts) for total, parts in sums], unpublished=unpublished)
    assert derivable(counts, published_of(result), sums) == []


@settings(max_examples=150, deadline=None)
@given(st.lists(crossing, min_size=1, max_size=7))
def test_the_kept_intervals_give_what_the_search_from_scratch_gives(crossings):
    counts, sums, unpublished = _two_groupings(crossings)
    relations = [relation(total, parts) for total, parts in sums]
    assert _protect(counts, relations, {}, unpublished, ()) == _protect_from_scratch(
        counts, relations, {}, unpublished, ()
    )


@settings(max_examples=100, deadline=None)
@given(st.lists(crossing, min_size=1, max_size=7), st.randoms(use_true_random=False))
def test_after_every_count_hidden_the_kept_intervals_are_those_from_scratch(crossings, random):
    counts, sums, unpublished = _two_groupings(crossings)
    relations = [relation(total, parts) for total, parts in sums]
    threshold_of = dict.fromkeys(counts, 5)
    state = {key: State.SMALL if value < 5 else State.SHOWN for key, value in counts.items()}
    state |= dict.fromkeys(unpublished, State.UNPUBLISHED)
    narrower = _Narrower(counts, relations, state, threshold_of)
    shown = [key for key in counts if state[key] is State.SHOWN]
    random.shuffle(shown)
    for key in [None, *shown]:
        if key is not None:
            state[key] = State.HIDDEN
            assert narrower.hide(key, state, threshold_of, counts)
        kept = {name: (narrower.low[i], narrower.high[i]) for i, name in enumerate(narrower.keys)}
        assert kept == bounds(counts, relations, state, threshold_of)


def test_the_linear_audit_pins_what_the_sums_pin_and_opens_what_a_long_change_opens():
    """The audit behind the bounded search: a part given away by its total and the other part is
    pinned; in a ring of sums where a change must pass through every member before it balances, the
    audit finds it open (with the moved counts), however long the ring."""
    counts = {"total": 9, "a": 7, "b": 2}
    low, high = {"total": 9, "a": 7, "b": 0}, {"total": 9, "a": 7, "b": 4}
    assert _LinearAudit(counts, [relation("total", ["a", "b"])]).open_counts("b", low, high) == set()

    # x0 + y0 = s0, y0 + x1 = s1, …: hidden counts in a ring whose sums are hidden too; moving x0 by one
    # moves every count around the ring.
    length = 40
    counts, relations = {}, []
    for i in range(length):
        counts[("x", i)], counts[("y", i)], counts[("s", i)] = 6, 6, 12
    for i in range(length):
        relations.append(relation(("s", i), [("x", i), ("y", i)]))
        relations.append(relation(("s", i), [("y", i), ("x", (i + 1) % length)]))
    low, high = dict.fromkeys(counts, 5), dict.fromkeys(counts, 10**15)
    opened = _LinearAudit(counts, relations).open_counts(("x", 0), low, high)
    assert ("x", 0) in opened and ("y", length // 2) in opened
    assert not _can_differ(("x", 0), counts, relations, _of_key(relations), low, high)


@settings(max_examples=60, deadline=None)
@given(st.lists(crossing, min_size=1, max_size=5), st.randoms(use_true_random=False))
def test_one_audit_model_for_a_whole_search_answers_each_audit_as_a_new_one(crossings, random):
    """The audit keeps one HiGHS model for all audits of a table and changes only the intervals and
    the count looked at: what it says of each count (open or pinned) is what a model made for that
    audit alone says, whatever was audited before, as counts are hidden one by one."""
    counts, sums, unpublished = _two_groupings(crossings)
    relations = [relation(total, parts) for total, parts in sums]
    threshold_of = dict.fromkeys(counts, 5)
    state = {key: State.SMALL if value < 5 else State.SHOWN for key, value in counts.items()}
    state |= dict.fromkeys(unpublished, State.UNPUBLISHED)
    kept = _LinearAudit(counts, relations)
    keys = list(counts)
    for _round in range(6):
        low, high = _start(counts, state, threshold_of)
        for key in random.sample(keys, min(4, len(keys))):
            if low[key] == high[key]:
                continue
            alone = key in _LinearAudit(counts, relations).open_counts(key, low, high)
            assert (key in kept.open_counts(key, low, high)) == alone
        shown = [key for key in keys if state[key] is State.SHOWN]
        if not shown:
            break
        state[random.choice(shown)] = State.HIDDEN
