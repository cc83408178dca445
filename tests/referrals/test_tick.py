"""`stijging tick` escalates an overdue priority referral once, through a real SMTP server on
127.0.0.1 (aiosmtpd): not again on the next run, and once when two runs overlap."""

from __future__ import annotations

import datetime
import socket
import threading

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django.urls import reverse

from stijging.accounts.models import OutgoingEmail
from stijging.core import tick
from stijging.referrals import periodic
from stijging.referrals.models import Referral

from .factories import send_referral


class Inbox:
    def __init__(self):
        self.messages: list[tuple[list[str], str]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), envelope.content.decode("utf-8", "replace")))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
        }
    }
    yield inbox
    controller.stop()


def _overdue(world) -> Referral:
    referral = send_referral(world.own, world, priority=True)
    # Sent on Tue 21 April 2026 with 3 working days: due Fri 24 April; today is later.
    Referral.objects.filter(pk=referral.pk).update(
        sent_at=datetime.datetime(2026, 4, 21, 9, tzinfo=datetime.UTC), answer_due_on=datetime.date(2026, 4, 24)
    )
    OutgoingEmail.objects.all().delete()  # the "new referral" notice is not what is tested here
    return referral


def _escalations(inbox: Inbox) -> list[tuple[list[str], str]]:
    return [m for m in inbox.messages if "overdue" in m[1]]


@pytest.mark.django_db(transaction=True)
def test_escalation_goes_once_through_smtp(world, smtp):
    referral = _overdue(world)
    tick.run()
    tick.run()
    escalations = _escalations(smtp)
    recipients = sorted(r for rcpts, _body in escalations for r in rcpts)
    assert recipients == sorted([world.user("case_manager").email, world.user("partner").email])
    body = escalations[0][1]
    assert reverse("referrals:referral", args=[referral.pk]) in body
    assert world.own.adult.family_name not in body  # a link, no personal data
    referral.refresh_from_db()
    assert referral.escalated_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_referral_not_yet_overdue_is_not_escalated(world, smtp):
    referral = send_referral(world.own, world, priority=True)
    assert referral.answer_due_on >= datetime.date.today()
    tick.run()
    assert _escalations(smtp) == []


@pytest.mark.django_db(transaction=True)
def test_two_overlapping_runs_escalate_once(world, smtp):
    # Two threads, each with its own database connection, run the escalation and the outbox at the
    # same moment. SQLite (the test default) serialises their writes with IMMEDIATE transactions;
    # on PostgreSQL the conditional UPDATE decides. Either way one run wins each claim.
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip(
            "in-memory SQLite (shared cache) reports table locks instead of waiting for them; run with "
            "STIJGING_TEST_SQLITE=/tmp/t.sqlite3 or DATABASE_URL=postgres://…; the interleaved test below "
            "covers the same claim on every backend"
        )
    _overdue(world)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run():
        try:
            barrier.wait()
            periodic.escalate_overdue()
            from stijging.accounts import notifications

            notifications.send_pending()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    assert len(_escalations(smtp)) == 2  # one to the case manager, one to the partner
    assert OutgoingEmail.objects.filter(dedup_key__startswith="referral-overdue:").count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_run_that_starts_while_another_is_queueing_escalates_nothing_twice(world, smtp, monkeypatch):
    """The overlap, made deterministic: a second run starts right after the first claimed the
    referral and while it queues the e-mails; then both send the outbox."""
    from stijging.accounts import notifications

    _overdue(world)
    real_queue = notifications.queue
    nested: list[int] = []

    def queue_with_overlap(**kwargs):
        if not nested:
            nested.append(periodic.escalate_overdue())
        return real_queue(**kwargs)

    monkeypatch.setattr(notifications, "queue", queue_with_overlap)
    assert periodic.escalate_overdue() == 1
    assert nested == [0]
    notifications.send_pending()
    notifications.send_pending()
    assert len(_escalations(smtp)) == 2
