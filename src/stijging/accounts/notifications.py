"""E-mail through the outbox (ENGINEERING.md): services queue, `stijging tick` sends.

An e-mail holds a link into the application and no personal data. Each one goes through
claim → send → mark, each step its own commit:

- claim: a conditional UPDATE pending → sending that also stores the e-mail's Message-ID. Only the
  run whose UPDATE changed the row sends it, so two overlapping runs never send the same e-mail.
- send: one SMTP transaction with that Message-ID.
- mark: sent; or, when the server refused or could not be reached, back to pending with the error,
  the attempt counted and the next attempt pushed back (1, 2, 4 … minutes, at most an hour); after
  MAX_ATTEMPTS it is failed, and the admin sees it in the outbox (beheer) and may send it again.

A run killed between claim and mark leaves the e-mail "sending": the mail server may or may not
have accepted it, and nothing here can find out. The choice is at most once: the next tick (which
holds the tick lock, so the run that claimed it is dead) marks it uncertain instead of sending it
again, and the admin sees it with its Message-ID to look up in the mail server's log. The window is
that of one SMTP conversation; a second copy would be the worse fault for a reminder that says
"this is overdue" to a partner, a lost one is visible.
"""

from __future__ import annotations

import datetime
import smtplib
import uuid

from django.conf import settings
from django.core import mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from .models import OutgoingEmail, OutgoingEmailStatus

MAX_ATTEMPTS = 10
FIRST_BACK_OFF = datetime.timedelta(minutes=1)
LONGEST_BACK_OFF = datetime.timedelta(hours=1)
REFUSALS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)
# Ten attempts, 1+2+4+…+60 minutes apart: an SMTP server may be away for about four hours before an
# e-mail is given up.


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


def back_off(attempts: int) -> datetime.timedelta:
    """How long to wait after the given number of failed attempts."""
    return min(FIRST_BACK_OFF * 2 ** max(attempts - 1, 0), LONGEST_BACK_OFF)


def message_id(email: OutgoingEmail) -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >") or "stijging.invalid"
    return f"<outbox.{email.pk}.{uuid.uuid4().hex}@{domain}>"


def mark_interrupted() -> int:
    """E-mails a dead run left "sending" become uncertain (see the module's docstring). Only for a
    caller that holds the tick lock: then no live run is sending. Returns how many."""
    return OutgoingEmail.objects.filter(status=OutgoingEmailStatus.SENDING).update(
        status=OutgoingEmailStatus.UNCERTAIN,
        last_error="The run that was sending this e-mail was interrupted: it may or may not have arrived.",
    )


def send_again(*, acting_user, pks) -> int:
    """An admin's decision: failed or uncertain e-mails are sent again (with the same Message-ID),
    from the first attempt's back-off on. Audited. Returns how many."""
    from stijging.privacy import audit
    from stijging.privacy.models import AuditAction

    with transaction.atomic():
        pks = list(
            OutgoingEmail.objects.select_for_update()
            .filter(pk__in=pks, status__in=(OutgoingEmailStatus.FAILED, OutgoingEmailStatus.UNCERTAIN))
            .values_list("pk", flat=True)
        )
        OutgoingEmail.objects.filter(pk__in=pks).update(
            status=OutgoingEmailStatus.PENDING, attempts=0, next_attempt_at=None, claim_token=""
        )
        if pks:
            audit.record(
                actor=acting_user,
                action=AuditAction.UPDATE,
                object_type="accounts.outgoingemail",
                detail={"send_again": pks[:100], "count": len(pks)},
            )
    return len(pks)


def send_pending(limit: int = 200) -> int:
    """Claim, send and mark the e-mails that are due. Returns how many were sent."""
    now = timezone.now()
    due = list(
        OutgoingEmail.objects.filter(status=OutgoingEmailStatus.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("pk")[:limit]
    )
    sent = 0
    for email in due:
        token = uuid.uuid4().hex
        msgid = email.message_id or message_id(email)
        # The claim commits the Message-ID before anything goes to the mail server. The condition on
        # the stored Message-ID keeps one from another run from being replaced.
        claimed = OutgoingEmail.objects.filter(
            pk=email.pk, status=OutgoingEmailStatus.PENDING, message_id=email.message_id
        ).update(status=OutgoingEmailStatus.SENDING, claimed_at=timezone.now(), claim_token=token, message_id=msgid)
        if not claimed:
            continue  # another run got there first
        message = mail.EmailMessage(
            email.subject, email.body, settings.DEFAULT_FROM_EMAIL, [email.to], headers={"Message-ID": msgid}
        )
        try:
            message.send()
        except Exception as error:  # noqa: BLE001 - any sending failure is kept and retried later
            # A refusal is about this e-mail; anything else (refused connection, timeout, lost
            # connection) about the server: the rest waits for the next run instead of each
            # waiting out its own timeout now.
            server_away = not isinstance(error, REFUSALS)
            attempts = email.attempts + 1
            gave_up = attempts >= MAX_ATTEMPTS
            OutgoingEmail.objects.filter(pk=email.pk, claim_token=token).update(
                status=OutgoingEmailStatus.FAILED if gave_up else OutgoingEmailStatus.PENDING,
                attempts=attempts,
                next_attempt_at=None if gave_up else timezone.now() + back_off(attempts),
                last_error=f"{error.__class__.__name__}: {error}"[:300],
            )
            if server_away:
                break
            continue
        OutgoingEmail.objects.filter(pk=email.pk, claim_token=token).update(
            status=OutgoingEmailStatus.SENT, sent_at=timezone.now(), attempts=email.attempts + 1
        )
        sent += 1
    return sent
