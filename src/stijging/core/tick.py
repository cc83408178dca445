"""`stijging tick`: the one periodic command. Each app's periodic work is a function called here, in
order. Safe every minute from cron and safe when two runs overlap (each step takes its own lock or
claims its rows with a conditional UPDATE)."""

from __future__ import annotations

from collections.abc import Callable

from django.utils import timezone

from stijging.accounts import notifications
from stijging.privacy import audit

from .models import JobRun

# (name, function) in the order they run. Later parts add theirs here.
STEPS: list[tuple[str, Callable[[], object]]] = [
    ("audit_seal", audit.seal),
    ("send_email", notifications.send_pending),
]


def run() -> dict[str, object]:
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
