"""PostgreSQL restarted under load (issue 18): while an open-loop latency load runs against a server
started by benchmarks/serve.sh, the cluster is restarted (`pg_ctl restart -m fast`, then
`-m immediate`). Prints, per restart, the answers by kind (200, the 503 "temporarily unavailable"
page, other statuses, connection errors and timeouts), how long the 503s took, and the recovery
time: from the database accepting connections again to the last request that was not answered
normally. gunicorn is not restarted.

Run it on a cluster of YOUR OWN (it is restarted), as root or as the cluster's owner:

    DATABASE_URL=postgres://stijging@127.0.0.1:55440/restart18 PORT=8011 benchmarks/serve.sh   # shell 1
    DATABASE_URL=postgres://stijging@127.0.0.1:55440/restart18 .venv/bin/python benchmarks/db_restart.py \\
        --pgdata /work/pg18/data --pg-log /work/pg18/log --base-url http://127.0.0.1:8011      # shell 2

The data: `stijging generate --households 3000 --bench-users` (the benchmark's users log in).
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as bench  # noqa: E402 - the benchmark's pages, samples, login and HTTP client

UNAVAILABLE_MARK = b"Tijdelijk niet beschikbaar"


@dataclass
class Answer:
    scheduled: float  # seconds since the load began
    latency: float
    kind: str


def kind_of(status: int, body: bytes) -> str:
    if status == 200:
        return "200"
    if status == 503:
        return "503 page" if UNAVAILABLE_MARK in body else "503 other"
    return f"HTTP {status}"


def load(target, pages, sessions, *, rate: float, seconds: float, timeout: float, seed: int) -> list[Answer]:
    """Open loop: request i leaves at i / rate s whatever came back before."""
    rng = random.Random(seed)
    live = [p for p in pages if p.samples]
    answers: list[Answer] = []
    lock = threading.Lock()

    def fire(page, sample, scheduled, started):
        try:
            response = bench.request(target, "GET", sample.path, sessions[page.role], timeout=timeout)
            kind = kind_of(response.status, response.body)
        except TimeoutError:
            kind = "timeout"
        except OSError as error:
            kind = f"connection: {error.__class__.__name__}"
        done = time.perf_counter()
        with lock:
            answers.append(Answer(scheduled, done - (started + scheduled), kind))

    pool = ThreadPoolExecutor(max_workers=max(8, int(rate * timeout)))
    futures = []
    started = time.perf_counter()
    for i in range(int(rate * seconds)):
        page = rng.choices(live, weights=[p.weight for p in live])[0]
        sample = rng.choice(page.samples)
        scheduled = i / rate
        delay = started + scheduled - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        futures.append(pool.submit(fire, page, sample, scheduled, started))
    wait(futures, timeout=timeout + 5)
    pool.shutdown(wait=False, cancel_futures=True)
    return sorted(answers, key=lambda a: a.scheduled)


def pg_ctl(pgdata: str, *args: str) -> list[str]:
    binary = os.environ.get("PG_CTL") or shutil.which("pg_ctl") or "pg_ctl"
    command = [binary, "-D", pgdata, *args]
    # initdb/pg_ctl refuse root: the cluster belongs to postgres.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def restart_during_load(target, pages, sessions, args, mode: str) -> None:
    events: dict[str, float] = {}

    def restart():
        time.sleep(args.before)
        events["down"] = time.perf_counter()
        logging = ["-l", args.pg_log] if args.pg_log else []
        # No pipes: the restarted server inherits them and would hold them open for good.
        subprocess.run(  # noqa: S603 - our own arguments
            pg_ctl(args.pgdata, "restart", "-m", mode, "-w", "-t", "60", *logging),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        events["up"] = time.perf_counter()

    restarter = threading.Thread(target=restart)
    began = time.perf_counter()
    restarter.start()
    answers = load(
        target, pages, sessions, rate=args.rate, seconds=args.before + args.after, timeout=args.timeout, seed=args.seed
    )
    restarter.join()
    down, up = events["down"] - began, events["up"] - began
    print(f"\n## `pg_ctl restart -m {mode}` after {args.before:g} s of load ({args.rate:g} requests/s)\n")
    print(f"Database down from {down:.1f} s to {up:.1f} s ({up - down:.1f} s, until pg_ctl saw it accept again).\n")
    print("| window | answers | " + " | ".join(sorted({a.kind for a in answers})) + " |")
    kinds = sorted({a.kind for a in answers})
    print("|---|---:|" + "---:|" * len(kinds))
    windows = {
        "before": [a for a in answers if a.scheduled < down],
        "during the restart": [a for a in answers if down <= a.scheduled < up],
        "after": [a for a in answers if a.scheduled >= up],
    }
    for name, rows in windows.items():
        counts = collections.Counter(a.kind for a in rows)
        print(f"| {name} | {len(rows)} | " + " | ".join(str(counts.get(k, 0)) for k in kinds) + " |")
    unavailable = [a.latency for a in answers if a.kind == "503 page"]
    if unavailable:
        print(
            f"\n503 pages: {len(unavailable)}, answered in p50 {bench.ms(bench.percentile(unavailable, 50))} ms,"
            f" max {bench.ms(max(unavailable))} ms."
        )
    failures = [a for a in answers if a.kind != "200"]
    last_bad = max((a.scheduled for a in failures), default=None)
    if last_bad is None:
        print("Every request answered 200: the restart went unnoticed.")
    else:
        print(
            f"Last request not answered 200 was sent at {last_bad:.1f} s: recovery {max(0.0, last_bad - up):.1f} s"
            f" after the database was back, {last_bad - down:.1f} s after the restart began."
        )
    after = [a.latency for a in windows["after"] if a.kind == "200" and a.scheduled > (last_bad or up)]
    if after:
        print(
            f"Afterwards: p50 {bench.ms(bench.percentile(after, 50))} ms, p95 {bench.ms(bench.percentile(after, 95))} ms."
        )


def healthy(target, limit: float = 120.0) -> None:
    """Wait until /health/ answers 200 (the database is up and the last run's backlog is gone)."""
    deadline = time.perf_counter() + limit
    while time.perf_counter() < deadline:
        try:
            if bench.request(target, "GET", "/health/", timeout=10).status == 200:
                return
        except OSError:
            pass
        time.sleep(1)
    raise SystemExit("the server did not become healthy")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8011")
    parser.add_argument("--pgdata", required=True, help="the data directory of YOUR OWN cluster (it is restarted)")
    parser.add_argument("--pg-log", help="the cluster's log file (pg_ctl -l), kept across the restart")
    parser.add_argument("--programme", default="regio")
    parser.add_argument("--modes", default="fast,immediate")
    parser.add_argument("--rate", type=float, default=8.0, help="requests per second")
    parser.add_argument("--before", type=float, default=8.0, help="seconds of load before the restart")
    parser.add_argument("--after", type=float, default=20.0, help="seconds of load after the restart began")
    parser.add_argument("--timeout", type=float, default=15.0, help="a request unanswered this long is a timeout")
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not (0 < args.rate <= 50 and 0 < args.before + args.after <= 120):
        raise SystemExit("Out of bounds: rate ≤ 50/s, before + after ≤ 120 s.")
    target = bench.Target.parse(args.base_url)

    import django

    django.setup()
    from stijging.demo.generate import BENCH_PASSWORD, BENCH_TOTP_SECRET, bench_email

    pages = bench.build_pages()
    bench.pick_samples(pages, args.programme, args.samples, args.seed)
    pages = [p for p in pages if p.samples]
    sessions = {
        role: bench.login(target, bench_email(role, args.programme), BENCH_PASSWORD, BENCH_TOTP_SECRET)
        for role in {p.role for p in pages}
    }
    from django.db import connection

    connection.close()  # this process's own connection must not be what the restart breaks
    print(f"# PostgreSQL restart under load, {time.strftime('%Y-%m-%d %H:%M')}")
    print(f"\n`benchmarks/db_restart.py {' '.join(sys.argv[1:])}`; pages: {', '.join(p.name for p in pages)}")
    for mode in args.modes.split(","):
        healthy(target)
        restart_during_load(target, pages, sessions, args, mode.strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
