"""Webhooks: a new referral, a withdrawal and an escalation reach the partner system's receiver (a
real HTTP server on the loopback), signed, through the outbox that `stijging tick` works off, with
back-off after a failure; only the referral's id and a link."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import http.server
import json
import threading

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from stijging.api import services, webhooks
from stijging.api.models import WebhookDelivery
from stijging.core import tick
from stijging.referrals import services as referral_services
from stijging.referrals.models import Referral

from ..referrals.factories import send_referral
from .factories import api_client_of


class Receiver:
    """A partner system's webhook endpoint on 127.0.0.1: records what it gets, answers `status`."""

    def __init__(self):
        self.received: list[tuple[dict, bytes]] = []
        self.status = 204
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/stijging"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    settings.STIJGING_WEBHOOK_ALLOW_HTTP = True  # the receiver listens on the loopback, without TLS
    server = Receiver()
    yield server
    server.close()


def _client_with_webhook(world, url, **kwargs):
    client, _token = api_client_of(world, **kwargs)
    secret = services.api_client_set_webhook(acting_user=world.user("admin"), client=client, url=url)
    return client, secret


def test_a_new_referral_is_posted_signed_with_only_its_id_and_a_link(world, receiver):
    client, secret = _client_with_webhook(world, receiver.url)
    referral = send_referral(world.own, world)
    assert WebhookDelivery.objects.filter(client=client, event="referral.created").count() == 1
    assert receiver.received == []  # queued, not posted inside the request
    tick.run()
    tick.run()
    assert len(receiver.received) == 1  # once
    headers, body = receiver.received[0]
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Stijging-Signature"] == expected
    payload = json.loads(body)
    assert set(payload) == {"event", "referral_id", "url", "occurred_at"}
    assert payload["event"] == "referral.created" and payload["referral_id"] == referral.pk
    assert payload["url"].endswith(f"/api/v1/referrals/{referral.pk}/")
    assert "Ownsen" not in body.decode() and "gezondheid" not in body.decode()


def test_withdrawal_and_escalation_are_posted_too(world, receiver):
    client, _secret = _client_with_webhook(world, receiver.url)
    withdrawn = send_referral(world.own, world)
    referral_services.referral_transition(
        acting_user=world.user("case_manager"),
        referral=withdrawn,
        version=withdrawn.version,
        to_status="withdrawn",
        side="case",
        code="no_longer_needed",
    )
    overdue = send_referral(world.own, world, priority=True)
    Referral.objects.filter(pk=overdue.pk).update(answer_due_on=datetime.date(2026, 4, 24))
    tick.run()
    events = sorted((json.loads(body)["event"], json.loads(body)["referral_id"]) for _h, body in receiver.received)
    assert events == sorted(
        [
            ("referral.created", withdrawn.pk),
            ("referral.withdrawn", withdrawn.pk),
            ("referral.created", overdue.pk),
            ("referral.escalated", overdue.pk),
        ]
    )


def test_only_listening_clients_of_the_referrals_organisation_and_programme_hear_of_it(world, receiver):
    _other_org, _s1 = _client_with_webhook(
        world, receiver.url, organisation=world.other_partner_organisation, name="GGZ"
    )
    _case, _s2 = _client_with_webhook(world, receiver.url, scopes=["case"], name="Zaaksysteem")
    revoked, _s3 = _client_with_webhook(world, receiver.url, name="Oud systeem")
    services.api_client_revoke(acting_user=world.user("admin"), client=revoked)
    send_referral(world.own, world)  # to GGD, own programme
    send_referral(world.foreign, world, organisation=world.partner_organisation)  # GGD, foreign programme
    assert WebhookDelivery.objects.count() == 0


def test_a_failing_receiver_is_retried_with_back_off_and_then_delivered(world, receiver):
    _client, _secret = _client_with_webhook(world, receiver.url)
    send_referral(world.own, world)
    receiver.status = 500
    tick.run()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.attempts, delivery.delivered_at) == (1, None)
    assert delivery.next_attempt_at > timezone.now()
    tick.run()  # not due yet: no second post
    assert len(receiver.received) == 1
    receiver.status = 200
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    tick.run()
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.delivered_at is not None
    assert len(receiver.received) == 2
    assert [webhooks.backoff(n).total_seconds() for n in (1, 2, 3, 12)] == [60, 120, 240, 21600]


def test_a_webhook_is_https_only_in_production_and_set_by_an_admin_only(world, settings):
    client, _token = api_client_of(world)
    settings.STIJGING_WEBHOOK_ALLOW_HTTP = False
    with pytest.raises(ValidationError):
        services.api_client_set_webhook(acting_user=world.user("admin"), client=client, url="http://example.test/h")
    assert services.api_client_set_webhook(acting_user=world.user("admin"), client=client, url="https://example.test/h")
    with pytest.raises(ValidationError):
        services.api_client_set_webhook(acting_user=world.user("partner"), client=client, url="https://evil.test/h")
    client.refresh_from_db()
    assert client.webhook_url == "https://example.test/h"
