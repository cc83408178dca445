"""The trajectories floor's part of `stijging tick`: reminders of due actions and due measurements.
Safe every minute and when two runs overlap: each reminder has a dedup key per user and day, so the
outbox queues it once. The e-mail holds counts and links, never personal data.

The link goes to a page the person can open: the caseload for a case manager; for a project worker
who owns actions (the caseload is the case manager's), the trajectories of those actions."""

from __future__ import annotations

import datetime

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from stijging.accounts import notifications
from stijging.accounts.models import Membership, User

from .access import MANAGE_ROLES
from .models import Action, ActionStatus, Trajectory

# A project worker's reminder links to at most this many trajectories (the earliest due first).
MAX_LINKS = 10


def send_reminders(today: datetime.date | None = None) -> int:
    """One reminder per user per day with what is due (counts only): open actions due by today that
    they own, and follow-up measurements due on trajectories they manage."""
    today = today or timezone.localdate()
    due_actions = (
        Action.objects.filter(status=ActionStatus.OPEN, due_date__lte=today)
        .exclude(trajectory__status="closed")
        .order_by("due_date", "pk")
    )
    actions = dict(due_actions.values("owner_id").annotate(n=Count("pk")).values_list("owner_id", "n"))
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
    with_caseload = set(
        Membership.objects.filter(user_id__in=user_ids, role__in=MANAGE_ROLES).values_list("user_id", flat=True)
    )
    # Those without a caseload own actions only: each gets the trajectories of their due actions.
    trajectories_of: dict[int, list[int]] = {}
    for owner_id, trajectory_id in due_actions.exclude(owner_id__in=with_caseload).values_list(
        "owner_id", "trajectory_id"
    ):
        ids = trajectories_of.setdefault(owner_id, [])
        if trajectory_id not in ids:
            ids.append(trajectory_id)
    caseload = notifications.absolute_link(reverse("trajectories:caseload"))
    queued = 0
    for user_id, email in User.objects.filter(pk__in=user_ids, is_active=True).values_list("pk", "email"):
        if user_id in with_caseload or user_id not in trajectories_of:
            body = _(
                "Due today in Stijging: %(actions)d action(s) and %(measurements)d follow-up measurement(s).\n%(link)s"
            ) % {"actions": actions.get(user_id, 0), "measurements": measurements.get(user_id, 0), "link": caseload}
        else:
            links = [
                notifications.absolute_link(reverse("trajectories:trajectory", args=[pk]) + "#actions-heading")
                for pk in trajectories_of[user_id][:MAX_LINKS]
            ]
            body = _("Due today in Stijging: %(actions)d action(s) of yours, in these trajectories:\n%(links)s") % {
                "actions": actions.get(user_id, 0),
                "links": "\n".join(links),
            }
        queued += notifications.queue(
            to=email, subject=_("Reminder: work due"), body=body, dedup_key=f"reminder:{user_id}:{today.isoformat()}"
        )
    return queued
