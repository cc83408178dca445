"""The programme home's figures computed cold (issue 14 items 3 and 7): what a first visit of a
period and area that no tick has kept costs, part by part, with the charts over time among them.

In this process, no server needed, read-only; against the demo database or a generated region
(benchmarks/README.md, step 2):

    DEBUG=1 .venv/bin/python benchmarks/figures_cold.py --programme de-ruit            # the demo (SQLite)
    DATABASE_URL=postgres://stijging@127.0.0.1:55433/stijging_bench \\
        .venv/bin/python benchmarks/figures_cold.py --programme <slug> --areas 3

For every period offered (the programme so far, each quarter, each year) and the whole programme
plus the first `--areas` offered areas, every part of monitoring.figures.PROGRAMME_PARTS is computed
once, without the cache, and timed; then the laying out through the disclosure layer
(reports.home_figures, the protect search itself, not its cache). Prints a markdown table: per part
p50 / p95 / max seconds, and the sum per (period, area) — the cold programme home. The page's own
figures (p95 under 300 ms) hold only where the tick keeps the figures; this says how far a cold
one is from that. Results go into the note, not into the tests.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from unittest import mock

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stijging.settings")


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programme", required=True, help="the programme's slug")
    parser.add_argument("--areas", type=int, default=2, help="how many offered areas besides the whole programme")
    parser.add_argument("--periods", type=int, default=6, help="at most this many of the periods offered")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.cache.backends.dummy import DummyCache
    from django.utils import timezone

    from stijging.monitoring import figures, periods, reports
    from stijging.privacy import disclosure
    from stijging.registry.models import Programme

    programme = Programme.objects.get(slug=args.programme)
    choices = periods.choices(programme)[: args.periods]
    areas = [None, *reports.offered_areas(programme, timezone.localdate())[: args.areas]]
    timings: dict[str, list[float]] = {name: [] for name in [*figures.PROGRAMME_PARTS, "protect", "total"]}
    for choice in choices:
        for area in areas:
            area_id = area.pk if area else None
            values, total = {}, 0.0
            for name, compute in figures.PROGRAMME_PARTS.items():
                started = time.perf_counter()
                values[name] = compute(programme, choice.period, area_id)
                spent = time.perf_counter() - started
                timings[name].append(spent)
                total += spent
            started = time.perf_counter()
            # Nothing kept: the layer runs its search (its cache is left alone, not cleared).
            with mock.patch.object(disclosure, "cache", DummyCache("none", {})):
                summary = values["summary"]
                if area is not None:
                    rows = [r for r in summary["areas"] if r.area.pk == area.pk]
                    summary = {"areas": rows, "total": rows[0] if rows else summary["total"]}
                reports.home_figures(
                    participation=values["participation"],
                    visits=values["visits"],
                    uptake=values["uptake"],
                    rise=values["rise"],
                    handling=values["handling"],
                    summary=summary,
                    sees_persons=False,
                    special_allowed=area is None,
                    series=values["series"],
                    ordinary=values["ordinary"],
                    revisits=values["revisits"],
                )
            spent = time.perf_counter() - started
            timings["protect"].append(spent)
            timings["total"].append(total + spent)
            print(f"{choice.key:>8} {area.name if area else 'programme':<24} {total + spent:7.3f} s", file=sys.stderr)
    runs = len(timings["total"])
    print(f"\nProgramme {programme.slug}: {len(choices)} periods × {len(areas)} areas = {runs} cold homes\n")
    print("| part | p50 s | p95 s | max s |")
    print("|---|---:|---:|---:|")
    for name, values_ in timings.items():
        print(f"| {name} | {statistics.median(values_):.3f} | {_p(values_, 0.95):.3f} | {max(values_):.3f} |")


if __name__ == "__main__":
    main()
