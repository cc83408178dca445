"""`stijging tick`: the one periodic command. Each app's periodic work is a function called here, in
order. Safe every minute from cron and safe when two runs overlap (each step takes its own lock or
claims its rows with a conditional UPDATE)."""

from __future__ import annotations

from collections.abc import Callable

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


def register_step(name: str, step: Callable[[], object], *, before: str) -> None:
    """A floor above core (the API's webhooks) adds its step in its AppConfig.ready, so that core
    does not import it. Registering the same name twice keeps one step."""
    if any(existing == name for existing, _step in STEPS):
        return
    position = next(i for i, (existing, _step) in enumerate(STEPS) if existing == before)
    STEPS.insert(position, (name, step))


def run() -> dict[str, object]:
    if connection.vendor == "postgresql":
        # The tick shares the machine's cores with the web workers (SPEC §3: 2 cores, PostgreSQL on
        # the same machine). A parallel plan for its aggregates would take both cores at once and
        # stall every page for seconds; one core at a time leaves the other to the pages.
        with connection.cursor() as cursor:
            cursor.execute("SET max_parallel_workers_per_gather = 0")
    job, _created = JobRun.objects.get_or_create(name="tick")
    JobRun.objects.filter(pk=job.pk).update(last_started_at=timezone.now())
    results: dict[str, object] = {}
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
