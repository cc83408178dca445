"""Small numbers (SPEC §4): the one disclosure-control layer every aggregate goes through — pages, PDF,
XLSX and the API — for roles without access to persons. On the ground floor, so that every screen
that counts applies the same rules.

- **Primary suppression**: a count under SUPPRESSION_THRESHOLD is not shown (zero included: "nobody
  here" is a disclosure too); it is labelled "< 5".
- **Complementary suppression**: counts shown together are tied by sums a reader knows (a total is
  the sum of its rows; rose + equal + declined are the persons compared; the areas' households are
  the households in scope). A hidden count that those sums, the shown counts and the labels pin to
  one value is no secret: further counts are hidden until none is pinned. Such a count is labelled
  "hidden", never "< 5", since it is 5 or more — and the reader knows that too, so the check uses it.
- **Special categories** (AVG art. 9 and 10: health, police): a higher threshold, only for the whole
  programme (never per area), and only for the roles in SPECIAL_CATEGORY_ROLES.

A share (count ÷ base) is shown only where both counts are shown: with its base hidden, a count and
its share would give the base away.
"""

from __future__ import annotations

import enum
import hashlib
import time
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.core.cache import cache

SUPPRESSION_THRESHOLD = 5
# Health and police figures: a higher threshold, at programme level only (see `special_category_allowed`).
SPECIAL_CATEGORY_THRESHOLD = 10
# The roles that steer the programme on aggregates and may see special-category aggregates; partners,
# coordinators and administrators do not (they need no health or police figures for their work).
SPECIAL_CATEGORY_ROLES = frozenset({"manager"})

# An upper bound for "hidden" that is larger than any count: a reader knows no ceiling beyond what the
# shown sums give.
_UNBOUNDED = 10**15


def suppressed(value: int | None, *, sees_persons: bool) -> int | None:
    """None (shown as "< 5") for a single count under the threshold — zero included — shown to a role
    without access to persons. Only for a count that stands alone, tied by no sum to another shown
    count; counts shown together go through `protect`."""
    if value is None or sees_persons:
        return value
    return None if value < SUPPRESSION_THRESHOLD else value


def special_category_allowed(role_codes: Iterable[str], *, whole_programme: bool) -> bool:
    """Whether special-category aggregates (health, police) may be shown at all: only for the whole
    programme and only to a steering role."""
    return whole_programme and any(code in SPECIAL_CATEGORY_ROLES for code in role_codes)


class State(enum.StrEnum):
    SHOWN = "shown"
    SMALL = "small"  # under its threshold: "< 5" (or "< 10" for a special category)
    HIDDEN = "hidden"  # its threshold or more, hidden because it would give a small one away
    UNPUBLISHED = "unpublished"  # never shown; known only to be 0 or more


@dataclass(frozen=True)
class Disclosed:
    """One count as a role without access to persons may see it."""

    value: int | None  # None unless shown
    state: State
    threshold: int = SUPPRESSION_THRESHOLD

    @property
    def shown(self) -> bool:
        return self.state is State.SHOWN

    @classmethod
    def plain(cls, value: int) -> Disclosed:
        """For a role with access to persons: every count as it is."""
        return cls(value=value, state=State.SHOWN)


@dataclass(frozen=True)
class Relation:
    """total = sum(parts), known to every reader of the tables shown together."""

    total: Hashable
    parts: tuple[Hashable, ...]


def relation(total: Hashable, parts: Iterable[Hashable]) -> Relation:
    return Relation(total=total, parts=tuple(parts))


def protect(
    counts: Mapping[Hashable, int],
    relations: Sequence[Relation] = (),
    *,
    thresholds: Mapping[Hashable, int] | None = None,
    unpublished: Iterable[Hashable] = (),
    public: Iterable[Hashable] = (),
    sees_persons: bool = False,
) -> dict[Hashable, Disclosed]:
    """Primary and complementary suppression of counts shown together (see the module's doc).

    `counts` holds every count shown (key → value); `relations` the sums between them; `thresholds`
    a higher threshold per key (special categories). A relation may only name keys in `counts`.
    `unpublished` keys are never shown and tell a reader only that they are 0 or more: they carry
    what a reader knows as an inequality ("satisfied" is at most the households that answered:
    households = satisfied + the unpublished rest). `public` keys are shown whatever their size and
    never hidden (the address register's addresses): they bound what a reader can work out.
    Complementary cells are chosen among the shown members of a relation that pins a hidden count:
    a part before a total (totals are what readers steer on), the smallest first (the least lost).
    """
    thresholds = thresholds or {}
    if sees_persons:
        return {key: Disclosed.plain(value) for key, value in counts.items()}
    unpublished, public = tuple(unpublished), tuple(public)
    cache_key = layout_key(counts, relations, thresholds, unpublished, public)
    kept = cache.get(cache_key)
    if kept is not None:
        result, kept_at = kept
        # Renewed when used in the second half of its time: the tick lays an area's tables out again
        # whenever it renews their figures (monitoring.figures.refresh_all) and finds them kept.
        # Without this, a layout expired an hour after it was first made however often it was used,
        # and the next visitor laid the tables out anew: 0.6-2 s of a core for a region's area, once
        # an hour per area. Not on every use: the programme home uses two layouts a request, and a
        # renewal rewrites the file.
        if time.time() - kept_at > PROTECT_CACHE_SECONDS / 2:
            cache.set(cache_key, (result, time.time()), PROTECT_CACHE_SECONDS)
        return result
    result = _protect(counts, relations, thresholds, unpublished, public)
    cache.set(cache_key, (result, time.time()), PROTECT_CACHE_SECONDS)
    return result


def layout_key(counts, relations, thresholds, unpublished, public) -> str:
    """The same counts and sums always give the same result, and a region's table takes a while (the
    search): kept by a digest of everything it depends on, shared by the server's workers."""
    digest = hashlib.sha256(
        repr(
            (sorted(counts.items(), key=repr), relations, sorted(thresholds.items(), key=repr), unpublished, public)
        ).encode()
    ).hexdigest()
    return f"disclosure:v3:{SEARCH_STEPS}:{digest}"  # v3: kept with the time it was made


# How long a protected table is kept after its last use (its inputs are in its key, so it never goes
# stale; the limit only lets the layouts of figures no longer shown leave the cache).
PROTECT_CACHE_SECONDS = 3600


def _protect(counts, relations, thresholds, unpublished, public) -> dict[Hashable, Disclosed]:
    threshold_of, state, public = _initial_state(counts, relations, thresholds, unpublished, public)
    of_key = _of_key(relations)
    narrower = _Narrower(counts, relations, state, threshold_of)
    if narrower.empty:  # inconsistent counts (no whole solution): the plain search, as it always was
        return _protect_from_scratch(counts, relations, thresholds, unpublished, public)

    def intervals() -> tuple[dict, dict]:
        return dict(zip(narrower.keys, narrower.low, strict=True)), dict(zip(narrower.keys, narrower.high, strict=True))

    def pinned(proven_open: set, given_up: set) -> list[Hashable]:
        return narrower.pinned(counts, relations, state, of_key, proven_open, given_up)

    def hide(choice: Hashable) -> bool:
        return narrower.hide(choice, state, threshold_of, counts)

    if not _hide_until_nothing_pinned(counts, relations, state, public, of_key, pinned, intervals, hide):
        return _protect_from_scratch(counts, relations, thresholds, unpublished, public)
    return _disclosed(counts, state, threshold_of)


def _protect_from_scratch(counts, relations, thresholds, unpublished, public) -> dict[Hashable, Disclosed]:
    """The same search, every interval worked out again from the start after each count hidden: the
    reference the incremental `_Narrower` is tested against, and what runs on counts that admit no
    whole solution at all (the intervals' fixpoint is then not unique)."""
    threshold_of, state, public = _initial_state(counts, relations, thresholds, unpublished, public)
    of_key = _of_key(relations)

    def intervals() -> tuple[dict, dict]:
        low, high = _start(counts, state, threshold_of)
        _narrow(low, high, relations, of_key, list(range(len(relations))))
        return low, high

    def pinned(proven_open: set, given_up: set) -> list[Hashable]:
        return _pinned(counts, relations, state, threshold_of, proven_open, given_up)

    _hide_until_nothing_pinned(counts, relations, state, public, of_key, pinned, intervals, lambda _choice: True)
    return _disclosed(counts, state, threshold_of)


def _hide_until_nothing_pinned(counts, relations, state, public, of_key, pinned, intervals, hide) -> bool:
    """The complementary suppression itself, one count hidden at a time until no hidden count can be
    worked out; `pinned`, `intervals` and `hide` are the kept or the from-scratch intervals. False
    when `hide` finds the intervals empty.

    A count the bounded search (`_can_differ`) takes as pinned is audited by linear programming
    (`_LinearAudit`) before anything is hidden for it: the bounded search gives up early where a
    change must travel far or split, and hiding for a count that is open hides counts readers need
    (and, met in a count no shown count in its own sums could protect, once stopped the whole
    search, leaving pinned counts behind). A pinned count whose sums, and those beyond them through
    never-shown counts, have no shown member left gets the nearest shown count beyond the hidden
    ones hidden. A count no shown count reaches at all is given up (nothing shown ties it, so hiding
    more cannot help); that keeps the loop finite."""
    # Hiding one more count only widens what a reader must consider: a count once shown to be open
    # stays open, and is not searched again.
    proven_open: set[Hashable] = set()
    given_up: set[Hashable] = set()
    audit = _LinearAudit(counts, relations)
    while True:
        found = pinned(proven_open, given_up)
        if not found:
            return True
        if len(found) == 1:
            # One count, pinned by the bounded search unless its interval is one value: make sure.
            (key,) = found
            low, high = intervals()
            if low[key] != high[key]:
                shown_open = audit.open_counts(key, low, high)
                proven_open.update(shown_open)
                if key in shown_open:
                    continue
        choice = _complement(found, counts, relations, state, public, of_key)
        if choice is None:
            for key in found:
                choice = _nearest_shown_beyond_hidden(key, counts, relations, state, public, of_key)
                if choice is not None:
                    break
                given_up.add(key)
            else:
                continue
        state[choice] = State.HIDDEN
        if not hide(choice):
            return False


class _LinearAudit:
    """What a reader can work out of one count with linear programming: the least and the most it
    can be over every solution of the sums within the intervals (the audit of statistical disclosure
    control, as τ-ARGUS does it). The bounded search proves most counts open quickly; this settles the
    ones it gives up on, whatever the length of the change that opens them.

    The relaxation allows fractions, so it may call open a count that only fractional solutions move;
    on sums of counts over two groupings of the same households (totals of rows, rows of crossings)
    the solutions at the ends are whole numbers, and the property tests check it against an attacker
    who searches whole numbers exhaustively.

    One HiGHS model serves every audit of a table: the sums are loaded once, and an audit changes only
    the intervals and the count looked at, so the simplex starts from the last audit's basis. A
    region's area has a few hundred audits of thousands of counts; set up anew each time (scipy's
    linprog) they took 85–90 % of laying out its housing tables (5–49 s); warm, the layout takes 0.8–1.7 s."""

    def __init__(self, counts, relations: Sequence[Relation]) -> None:
        self.counts = counts
        self.relations = relations
        self._model: tuple | None = None
        self._looked_at: int | None = None  # the count whose cost is set in the model

    def _prepare(self) -> tuple:
        """The keys, their index, the model with the sums and the true values: made by the first audit
        (most tables never need one, so neither HiGHS nor these are loaded for them)."""
        if self._model is None:
            import highspy
            import numpy

            keys = list(self.counts)
            index = {key: i for i, key in enumerate(keys)}
            starts: list[int] = []
            columns: list[int] = []
            values: list[float] = []
            for rel in self.relations:
                row: dict[int, float] = {index[rel.total]: 1.0}
                for part in rel.parts:  # a count named twice in one sum counts twice
                    row[index[part]] = row.get(index[part], 0.0) - 1.0
                starts.append(len(columns))
                columns.extend(row)
                values.extend(row.values())
            highs = highspy.Highs()
            highs.setOptionValue("output_flag", False)
            highs.addVars(len(keys), numpy.zeros(len(keys)), numpy.full(len(keys), highspy.kHighsInf))
            zeros = numpy.zeros(len(self.relations))  # every sum: total − parts = 0
            highs.addRows(
                len(self.relations),
                zeros,
                zeros,
                len(columns),
                numpy.array(starts, dtype=numpy.int32),
                numpy.array(columns, dtype=numpy.int32),
                numpy.array(values, dtype=numpy.float64),
            )
            truth = numpy.array([self.counts[k] for k in keys], dtype=numpy.float64)
            self._model = (keys, index, highs, truth)
        return self._model

    def open_counts(self, key, low: Mapping, high: Mapping) -> set[Hashable]:
        """The counts shown open by the least and the most `key` can be: those that differ by one or
        more from their true value in either of the two solutions (`key` among them if it is open).
        One audit answers for many counts, since a solution at an end moves many at once."""
        if not self.relations:
            return {key} if low[key] != high[key] else set()
        import highspy
        import numpy

        keys, index, highs, truth = self._prepare()
        infinite = highspy.kHighsInf
        highs.changeColsBounds(
            len(keys),
            numpy.arange(len(keys), dtype=numpy.int32),
            numpy.array([low[k] for k in keys], dtype=numpy.float64),
            numpy.array([infinite if high[k] >= _UNBOUNDED else high[k] for k in keys], dtype=numpy.float64),
        )
        if self._looked_at is not None:
            highs.changeColCost(self._looked_at, 0.0)
        self._looked_at = index[key]
        found: set[Hashable] = set()
        unbounded = (highspy.HighsModelStatus.kUnbounded, highspy.HighsModelStatus.kUnboundedOrInfeasible)
        settled = (highspy.HighsModelStatus.kOptimal, *unbounded)
        for sign in (1.0, -1.0):  # the least, then the most
            highs.changeColCost(index[key], sign)
            highs.run()
            status = highs.getModelStatus()
            if status not in settled:
                # Started from the basis an unbounded audit left, the simplex can stop without a
                # verdict (kUnknown) where a model of its own finds one: this audit is solved cold.
                highs.clearSolver()
                highs.run()
                status = highs.getModelStatus()
            if status in unbounded:
                found.add(key)  # it can be as large as one likes (the true values are a solution)
            elif status == highspy.HighsModelStatus.kOptimal:
                moved = numpy.flatnonzero(numpy.abs(numpy.asarray(highs.getSolution().col_value) - truth) >= 1 - 1e-6)
                found.update(keys[i] for i in moved)
            # Anything else proves nothing open: the count is taken as pinned, which hides one more.
        return found


def _initial_state(counts, relations, thresholds, unpublished, public):
    threshold_of = {key: thresholds.get(key, SUPPRESSION_THRESHOLD) for key in counts}
    state = {key: State.SMALL if value < threshold_of[key] else State.SHOWN for key, value in counts.items()}
    for key in unpublished:
        state[key] = State.UNPUBLISHED
    public = frozenset(public)
    for key in public:
        state[key] = State.SHOWN
    for rel in relations:
        for key in (rel.total, *rel.parts):
            if key not in counts:
                raise KeyError(f"relation names {key!r}, which is not among the counts")
    return threshold_of, state, public


def _disclosed(counts, state, threshold_of) -> dict[Hashable, Disclosed]:
    return {
        key: Disclosed(
            value=value if state[key] is State.SHOWN else None, state=state[key], threshold=threshold_of[key]
        )
        for key, value in counts.items()
    }


# The search for another solution (`_can_differ`) gives up after this many steps for one count and
# treats it as pinned (one more count hidden: safe, and a page's time stays bounded).
SEARCH_STEPS = 60


def _start(counts, state, threshold_of) -> tuple[dict[Hashable, int], dict[Hashable, int]]:
    low: dict[Hashable, int] = {}
    high: dict[Hashable, int] = {}
    for key, value in counts.items():
        if state[key] is State.SHOWN:
            low[key] = high[key] = value
        elif state[key] is State.SMALL:
            low[key], high[key] = 0, threshold_of[key] - 1
        elif state[key] is State.UNPUBLISHED:
            low[key], high[key] = 0, _UNBOUNDED
        else:
            low[key], high[key] = threshold_of[key], _UNBOUNDED
    return low, high


def _narrow(low: dict, high: dict, relations: Sequence[Relation], of_key: dict, queue: list[int]) -> bool:
    """Narrow the intervals in place through the sums (starting with those in `queue`) until nothing
    narrows; False when some interval becomes empty (no whole numbers fit)."""
    queued = set(queue)
    while queue:
        index = queue.pop()
        queued.discard(index)
        rel = relations[index]
        changed: list[Hashable] = []
        sum_low = sum(low[p] for p in rel.parts)
        sum_high = sum(high[p] for p in rel.parts)
        if sum_low > low[rel.total]:
            low[rel.total] = sum_low
            changed.append(rel.total)
        if sum_high < high[rel.total]:
            high[rel.total] = sum_high
            changed.append(rel.total)
        if low[rel.total] > high[rel.total]:
            return False
        for part in rel.parts:
            new_low = low[rel.total] - (sum_high - high[part])
            new_high = high[rel.total] - (sum_low - low[part])
            if new_low > low[part]:
                low[part] = new_low
                changed.append(part)
            if new_high < high[part]:
                high[part] = new_high
                changed.append(part)
            if low[part] > high[part]:
                return False
        for key in changed:
            for other in of_key.get(key, ()):
                if other not in queued:
                    queue.append(other)
                    queued.add(other)
    return True


def _of_key(relations: Sequence[Relation]) -> dict[Hashable, list[int]]:
    of_key: dict[Hashable, list[int]] = {}
    for index, rel in enumerate(relations):
        for key in (rel.total, *rel.parts):
            of_key.setdefault(key, []).append(index)
    return of_key


def bounds(
    counts: Mapping[Hashable, int],
    relations: Sequence[Relation],
    state: Mapping[Hashable, State],
    threshold_of: Mapping[Hashable, int],
) -> dict[Hashable, tuple[int, int]]:
    """What a reader can work out of each count, quickly: the interval that the shown counts, the
    labels ("< 5": 0…4; "hidden": 5 or more) and the sums leave for it, by propagating bounds
    through the sums until nothing narrows. Sound but not complete: sums combined across rows and
    columns can pin a count that every interval on its own leaves open (see `_can_differ`)."""
    low, high = _start(counts, state, threshold_of)
    _narrow(low, high, relations, _of_key(relations), list(range(len(relations))))
    return {key: (low[key], high[key]) for key in counts}


def _can_differ(key, counts, relations, of_key, low: dict, high: dict) -> bool:
    """Is there another whole-number solution of every sum, within what a reader can work out, in
    which `key` is one more or one less than it is? Searched as a change that starts at `key` and is
    passed on, one sum at a time, to another count that may still move (a count never shown left
    over from a row takes it up at once), backtracking for at most SEARCH_STEPS steps. Found: `key`
    is open. Not found within the steps: answered no, and one more count is hidden — safe either way,
    since the search only ever claims "open" with a whole solution in hand."""
    steps = 0
    change: dict[Hashable, int] = {}

    def unbalanced() -> tuple[Relation, int] | None:
        seen: set[int] = set()
        for changed in change:
            for index in of_key.get(changed, ()):
                if index in seen:
                    continue
                seen.add(index)
                rel = relations[index]
                rest = change.get(rel.total, 0) - sum(change.get(p, 0) for p in rel.parts)
                if rest:
                    return rel, rest
        return None

    def movable(member, by: int) -> bool:
        return member not in change and low[member] <= counts[member] + by <= high[member]

    def balance() -> bool:
        nonlocal steps
        found = unbalanced()
        if found is None:
            return True
        steps += 1
        if steps > SEARCH_STEPS:
            return False
        rel, rest = found
        # A part moves by the rest, or the total by minus the rest; a member in one sum only first.
        options = [(p, rest) for p in rel.parts] + [(rel.total, -rest)]
        options.sort(key=lambda option: len(of_key.get(option[0], ())))
        for member, by in options:
            if movable(member, by):
                change[member] = by
                if balance():
                    return True
                del change[member]
                if steps > SEARCH_STEPS:
                    return False
        return False

    for by in (1, -1):
        if low[key] <= counts[key] + by <= high[key]:
            change.clear()
            change[key] = by
            if balance():
                return True
    return False


def _pinned(counts, relations, state, threshold_of, proven_open: set, given_up: set) -> list[Hashable]:
    """The hidden counts a reader can work out: first those the intervals pin, else those that the
    exact search pins (one at a time: hiding a further count changes everything)."""
    low, high = _start(counts, state, threshold_of)
    of_key = _of_key(relations)
    _narrow(low, high, relations, of_key, list(range(len(relations))))
    hidden = [
        key for key in counts if state[key] in (State.SMALL, State.HIDDEN) and key in of_key and key not in given_up
    ]
    quick = [key for key in hidden if low[key] == high[key]]
    if quick:
        return quick
    for key in hidden:
        if key in proven_open:
            continue
        if not _can_differ(key, counts, relations, of_key, low, high):
            return [key]
        proven_open.add(key)
    return []


class _Narrower:
    """The intervals of `bounds`, kept up to date while counts are hidden one at a time, without
    working them all out again each time (a region's area hides a hundred counts or more among two
    thousand, and the sums tie nearly all of them together through the never-shown parts).

    Why it may: narrowing through the sums reaches the same intervals from any starting point that
    lies between them and the labels' intervals (the greatest fixpoint below the start; each step
    only narrows and is monotone). Hiding a count widens what a reader can work out, so the old
    intervals are too narrow only where they were worked out from the count's shown value. Each
    narrowing step is recorded as a node that depends on the steps that set the intervals it read;
    a hidden count's start node taints everything derived from it, those counts go back to their
    labels' intervals, and only the sums that name them are narrowed again. The result is the one
    `bounds` gives from scratch (tests compare the two at every step)."""

    def __init__(self, counts, relations: Sequence[Relation], state, threshold_of) -> None:
        self.keys = list(counts)
        self.index = {key: i for i, key in enumerate(self.keys)}
        self.totals = [self.index[rel.total] for rel in relations]
        self.parts = [tuple(self.index[p] for p in rel.parts) for rel in relations]
        self.members = [tuple(dict.fromkeys((t, *parts))) for t, parts in zip(self.totals, self.parts, strict=True)]
        self.of_key: list[list[int]] = [[] for _key in self.keys]
        for r, members in enumerate(self.members):
            for m in members:
                self.of_key[m].append(r)
        low, high = _start(counts, state, threshold_of)
        self.low = [low[key] for key in self.keys]
        self.high = [high[key] for key in self.keys]
        # The derivation graph: node → the nodes that read it. Each count's start node (node i for
        # count i), then one node per narrowing step that changed something; `set_low`/`set_high`:
        # the node that set each count's bounds as they are now.
        self.dependents: list[list[int]] = [[] for _key in self.keys]
        self.set_low = list(range(len(self.keys)))
        self.set_high = list(range(len(self.keys)))
        self.dead = bytearray(len(self.keys))  # tainted once: no bound is set by them any more
        self.set_by: list[list[int]] = [[i] for i in range(len(self.keys))]  # node → counts it set
        # The counts a reader does not see that some sum names: those that may be pinned.
        self.hidden = [
            i for i, key in enumerate(self.keys) if state[key] in (State.SMALL, State.HIDDEN) and self.of_key[i]
        ]
        self.empty = not self._narrow(list(range(len(relations))))

    def _narrow(self, queue: list[int]) -> bool:
        """`_narrow` on lists of whole numbers, each step that changes a bound recorded as a node;
        False when some interval becomes empty."""
        low, high, totals, parts, members = self.low, self.high, self.totals, self.parts, self.members
        of_key, dependents, set_low, set_high = self.of_key, self.dependents, self.set_low, self.set_high
        dead, set_by = self.dead, self.set_by
        queued = bytearray(len(totals))
        for r in queue:
            queued[r] = 1
        while queue:
            r = queue.pop()
            queued[r] = 0
            total, rel_parts = totals[r], parts[r]
            sum_low = sum([low[p] for p in rel_parts])
            sum_high = sum([high[p] for p in rel_parts])
            total_low, total_high = low[total], high[total]
            lows: list[tuple[int, int]] = []  # (count, its new lower bound)
            highs: list[tuple[int, int]] = []
            if sum_low > total_low:
                total_low = sum_low
                lows.append((total, total_low))
            if sum_high < total_high:
                total_high = sum_high
                highs.append((total, total_high))
            if total_low > total_high:
                return False
            # A part's low rises only if it is wider than what the others leave above the total's low
            # (sum_high − total_low), its high falls only if wider than total_high − sum_low: with
            # wide sums (a column of sixty rows) few parts are, and only those are looked at.
            room = min(sum_high - total_low, total_high - sum_low)
            for p in [p for p in rel_parts if high[p] - low[p] > room]:
                new_low = total_low - (sum_high - high[p])
                new_high = total_high - (sum_low - low[p])
                if new_low > low[p]:
                    lows.append((p, new_low))
                else:
                    new_low = low[p]
                if new_high < high[p]:
                    highs.append((p, new_high))
                else:
                    new_high = high[p]
                if new_low > new_high:
                    return False
            if not lows and not highs:
                continue
            node = len(dependents)
            dependents.append([])
            dead.append(0)
            set_by.append([p for p, _value in (*lows, *highs)])
            for source in {*(set_low[m] for m in members[r]), *(set_high[m] for m in members[r])}:
                dependents[source].append(node)
            for p, value in lows:
                low[p] = value
                set_low[p] = node
            for p, value in highs:
                high[p] = value
                set_high[p] = node
            for p, _value in (*lows, *highs):
                for other in of_key[p]:
                    if not queued[other]:
                        queue.append(other)
                        queued[other] = 1
        return True

    def hide(self, key: Hashable, state, threshold_of, counts) -> bool:
        """`key` is hidden from now on: every count whose interval was worked out, in any step, from
        its shown value goes back to its label's interval, and the sums that name those are narrowed
        again. False when some interval becomes empty."""
        k = self.index[key]
        tainted: set[int] = set()
        stack = [self.set_low[k], self.set_high[k]]  # a shown count's: its start node, its value
        while stack:
            node = stack.pop()
            if node in tainted or self.dead[node]:
                continue
            tainted.add(node)
            stack.extend(self.dependents[node])
        for node in tainted:
            self.dead[node] = 1
        reset = {k} | {
            i
            for node in tainted
            for i in self.set_by[node]
            if self.set_low[i] in tainted or self.set_high[i] in tainted
        }
        if state[key] in (State.SMALL, State.HIDDEN) and self.of_key[k]:
            self.hidden = sorted({*self.hidden, k})  # in the counts' order, as `_pinned` looks
        queue: dict[int, None] = {}
        for i in sorted(reset):
            name = self.keys[i]
            low, high = _start({name: counts[name]}, state, threshold_of)
            # A fresh start node: what is derived from it from now on is tainted only by a later hide.
            node = len(self.dependents)
            self.dependents.append([])
            self.dead.append(0)
            self.set_by.append([i])
            self.low[i], self.high[i] = low[name], high[name]
            self.set_low[i] = self.set_high[i] = node
            queue.update(dict.fromkeys(self.of_key[i]))
        return self._narrow(list(queue))

    def pinned(self, counts, relations, state, of_key: dict, proven_open: set, given_up: set) -> list[Hashable]:
        """As `_pinned`, on the intervals kept here."""
        hidden = [i for i in self.hidden if self.keys[i] not in given_up] if given_up else self.hidden
        low_of, high_of = self.low, self.high
        quick = [self.keys[i] for i in hidden if low_of[i] == high_of[i]]
        if quick:
            return quick
        low = dict(zip(self.keys, self.low, strict=True))
        high = dict(zip(self.keys, self.high, strict=True))
        for i in hidden:
            key = self.keys[i]
            if key in proven_open:
                continue
            if not _can_differ(key, counts, relations, of_key, low, high):
                return [key]
            proven_open.add(key)
        return []


def _complement(
    pinned: list[Hashable], counts, relations: Sequence[Relation], state, public: frozenset, of_key: dict
) -> Hashable | None:
    for key in pinned:
        candidates = _candidates(key, counts, relations, state, public, of_key)
        if not candidates:
            # Pinned through never-shown counts only (a complex that is one street's every home: both
            # rows are the same never-shown crossing): the shown members of the sums beyond them.
            candidates = _candidates_beyond_unpublished(key, counts, relations, state, public, of_key)
        if candidates:
            return _cheapest(candidates)
    return None


def _cheapest(candidates: list[tuple]) -> Hashable:
    """A part before a total, the smallest first (the least lost), then by name (the same every time)."""
    return min(candidates, key=lambda c: c[:3])[3]


def _candidates(key, counts, relations, state, public, of_key, *, indexes=None) -> list[tuple]:
    candidates: list[tuple] = []
    for index in indexes if indexes is not None else dict.fromkeys(of_key.get(key, ())):
        rel = relations[index]
        candidates += [(0, counts[p], str(p), p) for p in rel.parts if state[p] is State.SHOWN and p not in public]
        if state[rel.total] is State.SHOWN and rel.total not in public:
            candidates.append((1, counts[rel.total], str(rel.total), rel.total))
    return candidates


def _candidates_beyond_unpublished(key, counts, relations, state, public, of_key) -> list[tuple]:
    """The shown members of the sums reached from `key` through never-shown counts, nearest first."""
    return _candidates_beyond(key, counts, relations, state, public, of_key, through=(State.UNPUBLISHED,))


def _nearest_shown_beyond_hidden(key, counts, relations, state, public, of_key) -> Hashable | None:
    """The shown count nearest to `key` through counts a reader does not see (hidden, under the
    threshold or never shown), a part before a total and the smallest first; None if none is reached."""
    through = (State.UNPUBLISHED, State.SMALL, State.HIDDEN)
    candidates = _candidates_beyond(key, counts, relations, state, public, of_key, through=through)
    return _cheapest(candidates) if candidates else None


def _candidates_beyond(key, counts, relations, state, public, of_key, *, through: tuple[State, ...]) -> list[tuple]:
    """The shown members of the sums reached from `key` through counts in the states `through`,
    nearest first (the first ring of sums that has any)."""
    seen_keys, seen_relations = {key}, set(of_key.get(key, ()))
    frontier = [k for index in seen_relations for k in (relations[index].total, *relations[index].parts)]
    while frontier:
        reached: dict[int, None] = {}
        for member in frontier:
            if member in seen_keys or state[member] not in through:
                continue
            seen_keys.add(member)
            reached.update((index, None) for index in of_key.get(member, ()) if index not in seen_relations)
        if not reached:
            return []
        seen_relations.update(reached)
        candidates = _candidates(key, counts, relations, state, public, of_key, indexes=reached)
        if candidates:
            return candidates
        frontier = [k for index in reached for k in (relations[index].total, *relations[index].parts)]
    return []


def protect_table(
    rows: Sequence[Sequence[int]],
    *,
    totals: Sequence[int] | None = None,
    row_totals: Sequence[int] | None = None,
    sees_persons: bool = False,
    threshold: int = SUPPRESSION_THRESHOLD,
) -> tuple[list[list[Disclosed]], list[Disclosed] | None, list[Disclosed] | None]:
    """A table of counts: rows × columns, with (optionally) a total row that sums each column and a
    total column that sums each row. Returns the protected rows, total row and total column."""
    counts: dict[Hashable, int] = {}
    rels: list[Relation] = []
    width = len(rows[0]) if rows else len(totals or ())
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            counts[(r, c)] = value
    if totals is not None:
        for c, value in enumerate(totals):
            counts[("total", c)] = value
            rels.append(relation(("total", c), [(r, c) for r in range(len(rows))]))
    if row_totals is not None:
        for r, value in enumerate(row_totals):
            counts[(r, "total")] = value
            rels.append(relation((r, "total"), [(r, c) for c in range(width)]))
    if totals is not None and row_totals is not None:
        # The row totals and the column totals add up to the same grand total, shown or not: a
        # reader combines the two (a small row total beside shown column totals bounds both).
        counts[("total", "total")] = sum(totals)
        rels.append(relation(("total", "total"), [("total", c) for c in range(width)]))
        rels.append(relation(("total", "total"), [(r, "total") for r in range(len(rows))]))
    result = protect(counts, rels, thresholds=dict.fromkeys(counts, threshold), sees_persons=sees_persons)
    return (
        [[result[(r, c)] for c in range(width)] for r in range(len(rows))],
        [result[("total", c)] for c in range(width)] if totals is not None else None,
        [result[(r, "total")] for r in range(len(rows))] if row_totals is not None else None,
    )
