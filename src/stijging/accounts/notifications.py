"""E-mail through the outbox (ENGINEERING.md): services queue, `stijging tick` sends.

Claiming is a conditional UPDATE (SQLite has no SKIP LOCKED): two overlapping ticks never send the
same e-mail twice. An e-mail holds a link into the application and no personal data.
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import OutgoingEmail

CLAIM_TIMEOUT = datetime.timedelta(minutes=10)
MAX_ATTEMPTS = 5


def queue(*, to: str, subject: str, body: str, dedup_key: str) -> bool:
    """Queue one e-mail; False when one with this key was queued before (it happens once)."""
    try:
        with transaction.atomic():
            OutgoingEmail.objects.create(to=to, subject=subject[:200], body=body, dedup_key=dedup_key[:120])
    except IntegrityError:
        return False
    return True


def absolute_link(path: str) -> str:
    return settings.STIJGING_BASE_URL.rstrip("/") + path


def send_pending(limit: int = 200) -> int:
    """Claim, send and mark pending e-mails. Returns how many were sent."""
    now = timezone.now()
    candidates = list(
        OutgoingEmail.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
        .filter(claimed_at__isnull=True)
        .values_list("pk", flat=True)[:limit]
    ) + list(
        OutgoingEmail.objects.filter(
            sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS, claimed_at__lt=now - CLAIM_TIMEOUT
        ).values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for pk in candidates:
        token = uuid.uuid4().hex
        # Only the run whose UPDATE changes the row may send it.
        claimed = (
            OutgoingEmail.objects.filter(pk=pk, sent_at__isnull=True)
            .filter(claimed_at__isnull=True)
            .update(claimed_at=timezone.now(), claim_token=token)
        ) or (
            OutgoingEmail.objects.filter(pk=pk, sent_at__isnull=True, claimed_at__lt=now - CLAIM_TIMEOUT).update(
                claimed_at=timezone.now(), claim_token=token
            )
        )
        if not claimed:
            continue  # another run got there first
        email = OutgoingEmail.objects.get(pk=pk)
        try:
            mail.send_mail(email.subject, email.body, settings.DEFAULT_FROM_EMAIL, [email.to])
        except Exception as error:  # noqa: BLE001 - any sending failure is retried later
            OutgoingEmail.objects.filter(pk=pk, claim_token=token).update(
                claimed_at=None, attempts=email.attempts + 1, last_error=str(error)[:300]
            )
            continue
        OutgoingEmail.objects.filter(pk=pk, claim_token=token).update(
            sent_at=timezone.now(), attempts=email.attempts + 1
        )
        sent += 1
    return sent
