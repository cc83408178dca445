"""The privacy desk's part of `stijging tick`: deadline reminders for data-subject requests, and
retention (see retention.py)."""

from __future__ import annotations

import datetime

from django.db.models import F
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import SubjectRequest

# A request shows up in the privacy officer's e-mail this many days before its deadline, and again
# once it is overdue.
REMIND_DAYS_BEFORE = 7


def remind_deadlines(today: datetime.date | None = None) -> int:
    """One e-mail per privacy officer of the programme per request and stage (near, overdue): a
    link to the request, never the person's name."""
    from stijging.accounts import notifications
    from stijging.accounts.models import Membership

    today = today or timezone.localdate()
    near = today + datetime.timedelta(days=REMIND_DAYS_BEFORE)
    due = (
        SubjectRequest.objects.open()
        .annotate(due=Coalesce(F("extended_until"), F("deadline_on")))
        .filter(due__lte=near)
        .values_list("pk", "programme_id", "due")
    )
    rows = list(due)
    if not rows:
        return 0
    officers: dict[int, list[tuple[int, str]]] = {}
    for programme_id, user_id, email in Membership.objects.filter(
        role="privacy_officer", programme_id__in={r[1] for r in rows}, user__is_active=True
    ).values_list("programme_id", "user_id", "user__email"):
        officers.setdefault(programme_id, []).append((user_id, email))
    queued = 0
    for pk, programme_id, due_on in rows:
        stage = "overdue" if due_on < today else "near"
        link = notifications.absolute_link(reverse("privacy:request", args=[pk]))
        subject = (
            _("A data-subject request is past its deadline")
            if stage == "overdue"
            else _("A data-subject request is due within a week")
        )
        body = _("Deadline %(due)s. Open the request:\n%(link)s") % {"due": due_on.isoformat(), "link": link}
        for user_id, email in officers.get(programme_id, []):
            queued += notifications.queue(
                to=email, subject=subject, body=body, dedup_key=f"subject-request:{pk}:{stage}:{due_on}:{user_id}"
            )
    SubjectRequest.objects.filter(pk__in=[r[0] for r in rows]).update(reminded_on=today)
    return queued
