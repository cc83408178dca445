"""Retention at scale (issue 13): what a round finds expired, and how long its bounded runs take.

Against a generated region (benchmarks/README.md, step 2), in this process, no server needed:

    DATABASE_URL=postgres://stijging@127.0.0.1:55433/stijging_bench \\
        .venv/bin/python benchmarks/retention.py --reference 2032-06-01

`--reference` is the day the round is computed for (the generated data are recent: a date some
years ahead makes a year's worth of them expire). The script counts (the dry run), approves the
round as a privacy officer would, then runs `retention.apply()` tick after tick until the round is
done, printing each tick's seconds and the longest single batch transaction: the figure that bounds
how long a page can wait behind it. It changes data (it anonymises and deletes), so run it only on
benchmark data. Results go into the note, not into the tests.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stijging.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", required=True, type=datetime.date.fromisoformat)
    parser.add_argument("--budget", type=float, default=20.0, help="seconds of work per tick (the tick's default)")
    parser.add_argument("--max-ticks", type=int, default=500)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from stijging.privacy import retention
    from stijging.privacy.models import RetentionRun, RetentionRunStatus

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET max_parallel_workers_per_gather = 0")  # as the tick does
    started = time.monotonic()
    planned = retention.dry_run(args.reference)
    dry_seconds = time.monotonic() - started
    print(f"dry run for {args.reference}: {dry_seconds:.1f} s")
    print("| records | expired |\n|---|---:|")
    for name, count in planned.items():
        print(f"| {name} | {count:,} |")
    run = RetentionRun.objects.create(
        reference_date=args.reference, planned=planned, status=RetentionRunStatus.APPROVED, decided_at=timezone.now()
    )

    # A batch is one transaction: the select of the next ids (pending) and what is done to them.
    longest = [0.0, ""]
    batch_started = [0.0]
    for step in retention.STEPS:

        def pending(cutoffs, _original=step.pending):
            batch_started[0] = time.monotonic()
            return _original(cutoffs)

        def timed(ids, _original=step.apply, _name=step.name):
            n = _original(ids)
            spent = time.monotonic() - batch_started[0]
            if spent > longest[0]:
                longest[0], longest[1] = spent, _name
            return n

        object.__setattr__(step, "pending", pending)
        object.__setattr__(step, "apply", timed)

    ticks = []
    for _tick in range(args.max_ticks):
        t0 = time.monotonic()
        retention.apply(budget_seconds=args.budget)
        ticks.append(time.monotonic() - t0)
        run.refresh_from_db()
        if run.status == RetentionRunStatus.DONE:
            break
    print(f"\n{len(ticks)} tick(s); seconds each: {', '.join(f'{t:.1f}' for t in ticks)}")
    print(f"longest batch: {longest[0] * 1000:.0f} ms ({longest[1]})")
    print("| records | done |\n|---|---:|")
    for name, count in run.done.items():
        print(f"| {name} | {count:,} |")


if __name__ == "__main__":
    main()
