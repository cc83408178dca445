"""The housing tables per complex and per street, protected together (issue 14 item 5): what the
disclosure layer's search costs for one area, cold (its cache left out), on the data set given by
DATABASE_URL.

    DATABASE_URL=postgres://stijging@127.0.0.1:55432/h14d_region \\
        .venv/bin/python benchmarks/disclosure.py --areas 20

For the first `--areas` areas offered in each programme (or `--programme <slug>`), the housing
signals of the programme's period are counted once (not timed), then the three housing tables per
complex and per street — each pair in one call of the layer, as the housing page, the PDF and the
XLSX lay them out — are laid out `--repeat` times without the layer's cache and timed. Prints per
area the households, streets, complexes and the best time, then median / p95 / max over the areas.
`--profile` prints cProfile's top functions for the slowest area; `--from-scratch` times the
search as it was before the intervals were kept (the reference it is tested against). Results go into the note, not
into the tests. `BENCH_SRC=/path/to/other/src` times another tree's layer (a before) on the same data.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from unittest import mock

sys.path.insert(0, os.environ.get("BENCH_SRC") or os.path.join(os.path.dirname(__file__), "..", "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stijging.settings")


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programme", help="the programme's slug (default: every programme)")
    parser.add_argument("--areas", type=int, default=10, help="how many offered areas per programme")
    parser.add_argument("--repeat", type=int, default=1, help="times per area; the best counts")
    parser.add_argument("--profile", action="store_true", help="cProfile the slowest area once more")
    parser.add_argument(
        "--from-scratch",
        action="store_true",
        help="the layer as it was: every interval worked out again after each count hidden (the before)",
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.cache.backends.dummy import DummyCache
    from django.utils import timezone

    from stijging.monitoring import kpis, reports
    from stijging.privacy import disclosure
    from stijging.registry.models import Programme
    from stijging.registry.selectors import streets_in_area

    programmes = Programme.objects.order_by("pk")
    if args.programme:
        programmes = programmes.filter(slug=args.programme)
    categories = reports.defect_categories()
    cases = []
    for programme in programmes:
        period = kpis.programme_period(programme)
        for area in reports.offered_areas(programme, timezone.localdate())[: args.areas]:
            signals = kpis.housing_signals(programme, period, area_id=area.pk)
            streets = dict(streets_in_area(area).values_list("pk", "name"))
            cases.append((programme, area, signals, streets))

    def lay_out(area, signals, streets) -> None:
        reports.housing_tables(signals, area, categories, streets=streets)

    timings: list[tuple[float, object]] = []
    print("| programme | area | households answered | streets | complexes | seconds |")
    print("|---|---|---:|---:|---:|---:|")
    search = disclosure._protect_from_scratch if args.from_scratch else disclosure._protect
    with (
        mock.patch.object(disclosure, "cache", DummyCache("none", {})),
        mock.patch.object(disclosure, "_protect", search),
    ):
        for programme, area, signals, streets in cases:
            best = float("inf")
            for _ in range(args.repeat):
                started = time.perf_counter()
                lay_out(area, signals, streets)
                best = min(best, time.perf_counter() - started)
            timings.append((best, (area, signals, streets)))
            counts = signals.areas.get(area.pk)
            complexes = sum(1 for (a, _n) in signals.complexes if a == area.pk)
            n_streets = sum(1 for (a, _s) in signals.streets if a == area.pk)
            print(
                f"| {programme.slug} | {area.name} | {counts.households if counts else 0} | {n_streets} "
                f"| {complexes} | {best:.3f} |"
            )
        seconds = [t for t, _case in timings]
        print()
        print(
            f"{len(seconds)} areas: median {statistics.median(seconds):.3f} s, p95 {_p(seconds, 0.95):.3f} s, "
            f"max {max(seconds):.3f} s"
        )
        if args.profile and timings:
            _t, (area, signals, streets) = max(timings, key=lambda item: item[0])
            profiler = cProfile.Profile()
            profiler.runcall(lay_out, area, signals, streets)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
