"""An attacker of published aggregates, written apart from the disclosure layer on purpose: it does
not reuse its bound propagation, it searches exhaustively for whole solutions.

Given what a table publishes — shown counts, "< 5" (0 … threshold − 1), "hidden" (threshold or
more) — and the sums a reader knows, `derivable` returns the hidden counts that every consistent
set of whole, non-negative numbers gives the same value: those a reader can work out."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

SHOWN, SMALL, HIDDEN, UNPUBLISHED = "shown", "small", "hidden", "unpublished"


def derivable(
    truth: Mapping[Hashable, int],
    published: Mapping[Hashable, tuple[str, int | None]],
    sums: Sequence[tuple[Hashable, Sequence[Hashable]]],
    *,
    threshold: int | Mapping[Hashable, int] = 5,
) -> list[Hashable]:
    """`published[key]` is (SHOWN, value), (SMALL, None), (HIDDEN, None) or (UNPUBLISHED, None) for
    a count a reader knows only to be 0 or more (what is left of a row's households); `sums` are
    (total, parts). The true counts serve only to bound the search (a ceiling well above all of
    them; a smaller search space only removes solutions, so "not derivable" stays proven)."""
    ceiling = 2 * sum(truth.values()) + 10
    domains: dict[Hashable, list[int]] = {}
    for key, (kind, value) in published.items():
        limit = threshold if isinstance(threshold, int) else threshold.get(key, 5)
        if kind == SHOWN:
            assert value == truth[key], f"{key!r} is published as {value}, but is {truth[key]}"
            domains[key] = [value]
        elif kind == UNPUBLISHED:  # never shown: 0 or more, and not itself a secret
            domains[key] = list(range(ceiling + 1))
        elif kind == SMALL:
            assert truth[key] < limit, f"{key!r} is labelled under {limit} but is {truth[key]}"
            domains[key] = list(range(limit))
        else:
            assert truth[key] >= limit, f"{key!r} is labelled hidden (≥ {limit}) but is {truth[key]}"
            domains[key] = list(range(limit, ceiling + 1))
    found: list[Hashable] = []
    for key, (kind, _value) in published.items():
        if kind in (SHOWN, UNPUBLISHED):
            continue
        # Another value below or above the true one: two searches, each over a whole range.
        below = [v for v in domains[key] if v < truth[key]]
        above = [v for v in domains[key] if v > truth[key]]
        if not any(_solvable({**domains, key: side}, sums) for side in (below, above) if side):
            found.append(key)
    return found


def _solvable(domains: dict[Hashable, list[int]], sums: Sequence[tuple[Hashable, Sequence[Hashable]]]) -> bool:
    """Is there an assignment of whole numbers from the domains (each a range) that meets every sum?
    Complete search by halving intervals, narrowing each interval by every sum before a split (a
    sound narrowing: it never drops a solution)."""
    start = {key: (min(values), max(values)) for key, values in domains.items()}

    def narrow(box: dict[Hashable, tuple[int, int]]) -> dict[Hashable, tuple[int, int]] | None:
        box = dict(box)
        changed = True
        while changed:
            changed = False
            for total, parts in sums:
                low_sum = sum(box[p][0] for p in parts)
                high_sum = sum(box[p][1] for p in parts)
                t_low, t_high = max(box[total][0], low_sum), min(box[total][1], high_sum)
                if t_low > t_high:
                    return None
                if (t_low, t_high) != box[total]:
                    box[total] = (t_low, t_high)
                    changed = True
                for p in parts:
                    p_low = max(box[p][0], t_low - (high_sum - box[p][1]))
                    p_high = min(box[p][1], t_high - (low_sum - box[p][0]))
                    if p_low > p_high:
                        return None
                    if (p_low, p_high) != box[p]:
                        box[p] = (p_low, p_high)
                        changed = True
                        low_sum = sum(box[q][0] for q in parts)
                        high_sum = sum(box[q][1] for q in parts)
        return box

    def search(box: dict[Hashable, tuple[int, int]]) -> bool:
        narrowed = narrow(box)
        if narrowed is None:
            return False
        open_keys = [k for k, (low, high) in narrowed.items() if low < high]
        if not open_keys:
            return all(narrowed[t][0] == sum(narrowed[p][0] for p in parts) for t, parts in sums)
        key = min(open_keys, key=lambda k: narrowed[k][1] - narrowed[k][0])
        low, high = narrowed[key]
        middle = (low + high) // 2
        return search({**narrowed, key: (low, middle)}) or search({**narrowed, key: (middle + 1, high)})

    return search(start)


def published_of(disclosed: Mapping[Hashable, object]) -> dict[Hashable, tuple[str, int | None]]:
    """From the layer's Disclosed cells to what a reader sees."""
    out: dict[Hashable, tuple[str, int | None]] = {}
    for key, cell in disclosed.items():
        state = str(cell.state)  # type: ignore[attr-defined]
        out[key] = (state, cell.value)  # type: ignore[attr-defined]
    return out
