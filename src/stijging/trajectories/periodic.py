"""The trajectories floor's part of `stijging tick`: reminders of due actions and due measurements.
Safe every minute and when two runs overlap: each reminder has a dedup key per user and day, so the
outbox queues it once. The e-mail holds counts and a link, never personal data."""

from __future__ import annotations

import datetime

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from stijging.accounts import notifications
from stijging.accounts.models import User

from .models import Action, ActionStatus, Trajectory


def send_reminders(today: datetime.date | None = None) -> int:
    """One reminder per user per day with what is due (counts only): open actions due by today that
    they own, and follow-up measurements due on trajectories they manage."""
    today = today or timezone.localdate()
    actions = dict(
        Action.objects.filter(status=ActionStatus.OPEN, due_date__lte=today)
        .exclude(trajectory__status="closed")
        .values("owner_id")
        .annotate(n=Count("pk"))
        .values_list("owner_id", "n")
    )
    measurements = dict(
        Trajectory.objects.not_closed()
        .filter(next_measurement_on__lte=today)
        .values("case_manager_id")
        .annotate(n=Count("pk"))
        .values_list("case_manager_id", "n")
    )
    user_ids = set(actions) | set(measurements)
    if not user_ids:
        return 0
    link = notifications.absolute_link(reverse("trajectories:caseload"))
    queued = 0
    for user_id, email in User.objects.filter(pk__in=user_ids, is_active=True).values_list("pk", "email"):
        body = _(
            "Due today in Stijging: %(actions)d action(s) and %(measurements)d follow-up measurement(s).\n%(link)s"
        ) % {"actions": actions.get(user_id, 0), "measurements": measurements.get(user_id, 0), "link": link}
        queued += notifications.queue(
            to=email, subject=_("Reminder: work due"), body=body, dedup_key=f"reminder:{user_id}:{today.isoformat()}"
        )
    return queued
