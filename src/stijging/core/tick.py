"""`stijging tick`: the one periodic command. Each app's periodic work is a function called here, in
order. Safe every minute from cron, when two runs overlap and when a run is killed at any moment:

- One run at a time: the run holds the tick lock (PostgreSQL: a session advisory lock, which also
  covers two application servers; SQLite: an flock on a file in STIJGING_VAR_DIR, one server by
  nature). A run that finds it taken does nothing and says so; a killed run's lock goes with its
  process (the operating system drops the flock, PostgreSQL the session's lock).
- Each step commits in small transactions and is idempotent on its own as well (conditional
  UPDATE claims, dedup keys, the sealer's advisory lock), so a kill leaves no half-done unit and
  the next run picks up where it stopped. See tests/core/test_tick_faults.py.
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Callable, Iterator

from django.conf import settings
from django.db import connection
from django.utils import timezone

from stijging.accounts import notifications
from stijging.monitoring import figures
from stijging.privacy import audit, retention
from stijging.privacy import periodic as privacy_periodic
from stijging.referrals import periodic as referral_periodic
from stijging.trajectories import periodic as trajectory_periodic

from .models import JobRun

# (name, function) in the order they run. Later parts add theirs here.
# The steps that queue e-mail run before send_email, so their e-mail leaves in the same run; the
# sealer runs last, so the events of this run are sealed in it too.
STEPS: list[tuple[str, Callable[[], object]]] = [
    ("referrals_escalate_overdue", referral_periodic.escalate_overdue),
    ("trajectories_reminders", trajectory_periodic.send_reminders),
    ("privacy_request_reminders", privacy_periodic.remind_deadlines),
    ("privacy_retention", retention.tick),
    ("send_email", notifications.send_pending),
    ("monitoring_figures", figures.refresh_all),
    ("audit_seal", audit.seal),
]


# pg_advisory_lock keys (the sealer uses 7513 for its own transaction-level lock).
TICK_LOCK_KEY = 7512


@contextlib.contextmanager
def tick_lock() -> Iterator[bool]:
    """Yields whether this process got the tick lock; held until the block ends (or the process dies)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [TICK_LOCK_KEY])
            got = bool(cursor.fetchone()[0])
        try:
            yield got
        finally:
            if got:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [TICK_LOCK_KEY])
        return
    path = settings.VAR_DIR / "tick.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


class TickBusy(Exception):
    """Another run holds the tick lock."""


def register_step(name: str, step: Callable[[], object], *, before: str) -> None:
    """A floor above core (the API's webhooks) adds its step in its AppConfig.ready, so that core
    does not import it. Registering the same name twice keeps one step."""
    if any(existing == name for existing, _step in STEPS):
        return
    position = next(i for i, (existing, _step) in enumerate(STEPS) if existing == before)
    STEPS.insert(position, (name, step))


def run() -> dict[str, object]:
    """Run every step once, or raise TickBusy when another run is still going."""
    with tick_lock() as got:
        if not got:
            raise TickBusy("another tick is running; this one did nothing")
        return _run()


def _run() -> dict[str, object]:
    # The run that claimed an e-mail that is still "sending" is dead: this run holds the lock.
    interrupted = notifications.mark_interrupted()
    if connection.vendor == "postgresql":
        # The tick shares the machine's cores with the web workers (SPEC §3: 2 cores, PostgreSQL on
        # the same machine). A parallel plan for its aggregates would take both cores at once and
        # stall every page for seconds; one core at a time leaves the other to the pages.
        with connection.cursor() as cursor:
            cursor.execute("SET max_parallel_workers_per_gather = 0")
    job, _created = JobRun.objects.get_or_create(name="tick")
    JobRun.objects.filter(pk=job.pk).update(last_started_at=timezone.now())
    results: dict[str, object] = {"interrupted_email": interrupted} if interrupted else {}
    ok = True
    message = ""
    for name, step in STEPS:
        try:
            results[name] = step()
        except Exception as error:
            ok = False
            message = f"{name}: {error.__class__.__name__}: {error}"[:500]
            results[name] = message
    JobRun.objects.filter(pk=job.pk).update(last_finished_at=timezone.now(), last_ok=ok, last_message=message)
    if not ok:
        raise RuntimeError(message)
    return results
