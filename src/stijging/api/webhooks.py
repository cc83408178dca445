"""Webhooks for partner systems: a new referral, a withdrawal and an escalation are posted to the
webhook of every active `referrals` client of the referral's organisation and programme.

Queued by a receiver of referrals.signals.referral_event inside the event's own transaction (so a
rolled-back step queues nothing), delivered by `stijging tick` (core.tick, step registered in
ApiConfig.ready) like the e-mail outbox: claimed with a conditional UPDATE, so overlapping ticks
never post the same notice twice; a failure is retried with exponential back-off.

The body holds the event, the referral's id and a link to it in the API, nothing of the person; it
is signed with HMAC-SHA256 under the client's webhook secret: header
`X-Stijging-Signature: sha256=<hex>`. Redirects are not followed.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import urllib.error
import urllib.request
import uuid

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from stijging.accounts import notifications

from .models import ApiClient, Scope, WebhookDelivery

MAX_ATTEMPTS = 8
TIMEOUT_SECONDS = 10
CLAIM_TIMEOUT = datetime.timedelta(minutes=10)
BATCH = 100
EVENTS = {"created": "referral.created", "withdrawn": "referral.withdrawn", "escalated": "referral.escalated"}


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def backoff(attempts: int) -> datetime.timedelta:
    """1, 2, 4, … minutes after the n-th failure, at most six hours."""
    return datetime.timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def queue_for_referral(sender, *, referral, event: str, **kwargs) -> int:
    """Receiver of referrals.signals.referral_event: one delivery per listening client."""
    clients = ApiClient.objects.filter(
        active=True,
        awaits_approval=False,  # a client that awaits its second admin hears nothing yet
        organisation_id=referral.organisation_id,
        programmes=referral.programme_id,
    ).exclude(webhook_url="")
    queued = 0
    for client in clients:
        if not client.has_scope(Scope.REFERRALS):
            continue
        body = json.dumps(
            {
                "event": EVENTS[event],
                "referral_id": referral.pk,
                "url": notifications.absolute_link(reverse("api:referral", args=[referral.pk])),
                "occurred_at": timezone.now().isoformat(),
            },
            separators=(",", ":"),
        )
        try:
            with transaction.atomic():
                WebhookDelivery.objects.create(
                    client=client, event=EVENTS[event], body=body, dedup_key=f"{event}:{referral.pk}:{client.pk}"
                )
        except IntegrityError:
            continue  # this notice was queued before (it happens once)
        queued += 1
    return queued


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # a redirect is an answer, not a delivery


_opener = urllib.request.build_opener(_NoRedirect)


def _post(delivery: WebhookDelivery) -> None:
    client = delivery.client
    body = delivery.body.encode()
    request = urllib.request.Request(  # noqa: S310 - the URL was checked to be http(s) when it was set
        client.webhook_url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Stijging-Webhooks/1",
            "X-Stijging-Event": delivery.event,
            "X-Stijging-Delivery": str(delivery.pk),
            "X-Stijging-Signature": signature(client.webhook_secret, body),
        },
    )
    with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
        if not 200 <= response.status < 300:
            raise urllib.error.HTTPError(client.webhook_url, response.status, "not 2xx", response.headers, None)


def deliver_pending(limit: int = BATCH) -> int:
    """The tick's step: post what is due. Returns how many were delivered."""
    now = timezone.now()
    due = WebhookDelivery.objects.filter(delivered_at__isnull=True, attempts__lt=MAX_ATTEMPTS, next_attempt_at__lte=now)
    candidates = list(
        due.filter(claimed_at__isnull=True).order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit]
    ) + list(due.filter(claimed_at__lt=now - CLAIM_TIMEOUT).values_list("pk", flat=True)[:limit])
    delivered = 0
    for pk in candidates:
        token = uuid.uuid4().hex
        # Only the run whose UPDATE changes the row may post it.
        claimed = WebhookDelivery.objects.filter(pk=pk, delivered_at__isnull=True).filter(
            claimed_at__isnull=True
        ).update(claimed_at=timezone.now(), claim_token=token) or WebhookDelivery.objects.filter(
            pk=pk, delivered_at__isnull=True, claimed_at__lt=now - CLAIM_TIMEOUT
        ).update(claimed_at=timezone.now(), claim_token=token)
        if not claimed:
            continue
        delivery = WebhookDelivery.objects.select_related("client").get(pk=pk)
        attempts = delivery.attempts + 1
        if not (delivery.client.works and delivery.client.webhook_url):
            WebhookDelivery.objects.filter(pk=pk, claim_token=token).update(
                claimed_at=None,
                attempts=MAX_ATTEMPTS,
                last_error="the client was revoked, awaits approval or has no webhook",
            )
            continue
        try:
            _post(delivery)
        except Exception as error:  # noqa: BLE001 - any failure is retried later, with back-off
            WebhookDelivery.objects.filter(pk=pk, claim_token=token).update(
                claimed_at=None,
                attempts=attempts,
                next_attempt_at=timezone.now() + backoff(attempts),
                last_error=f"{error.__class__.__name__}: {error}"[:300],
            )
            continue
        WebhookDelivery.objects.filter(pk=pk, claim_token=token).update(delivered_at=timezone.now(), attempts=attempts)
        delivered += 1
    return delivered
