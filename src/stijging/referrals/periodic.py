"""The referrals floor's part of `stijging tick`: escalate overdue priority referrals. Safe every minute and when two runs overlap: a
referral is claimed by a conditional UPDATE before its e-mails are queued, and every e-mail carries a
dedup key, so it is queued once. E-mails hold a link, never personal data.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from stijging.accounts import notifications

from . import signals
from .models import Referral
from .services import partner_users
from .states import ReferralStatus

BATCH = 500


def overdue_referrals(today: datetime.date):
    return Referral.objects.filter(priority=True, status=ReferralStatus.SENT, answer_due_on__lt=today)


def escalate_overdue(today: datetime.date | None = None) -> int:
    """Queue the escalation e-mail of each newly overdue priority referral, once. Returns how many
    referrals were escalated."""
    today = today or timezone.localdate()
    escalated = 0
    while True:
        pks = list(
            overdue_referrals(today)
            .filter(escalated_at__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)[:BATCH]
        )
        if not pks:
            return escalated
        for pk in pks:
            with transaction.atomic():
                # The claim and the queued e-mails commit together: of two overlapping runs, the one
                # whose UPDATE changed the row queues; the other skips it.
                if not Referral.objects.filter(pk=pk, escalated_at__isnull=True).update(escalated_at=timezone.now()):
                    continue
                referral = Referral.objects.select_related("trajectory__case_manager").get(pk=pk)
                link = notifications.absolute_link(reverse("referrals:referral", args=[pk]))
                recipients = [
                    referral.trajectory.case_manager,
                    *partner_users(referral.organisation_id, referral.programme_id),
                ]
                for user in {u.pk: u for u in recipients}.values():
                    notifications.queue(
                        to=user.email,
                        subject=_("A priority referral is overdue"),
                        body=_("A priority referral has not been answered within the service level. See:\n%(link)s")
                        % {"link": link},
                        dedup_key=f"referral-overdue:{pk}:{user.pk}",
                    )
                signals.referral_event.send(sender=Referral, referral=referral, event=signals.ESCALATED)
                escalated += 1
