"""Mail that cannot be delivered, against a real SMTP server on 127.0.0.1 (aiosmtpd) that refuses,
is away, then accepts: the e-mail stays in the outbox with its error, is tried again after a
back-off, gives up as failed after MAX_ATTEMPTS (the admin sees it and may send it again), and
arrives once, with the Message-ID stored before the first attempt."""

from __future__ import annotations

import datetime
import re
import socket
import threading

import pytest
from aiosmtpd.controller import Controller
from django.urls import reverse
from django.utils import timezone

from stijging.accounts import notifications
from stijging.accounts.models import OutgoingEmail, OutgoingEmailStatus
from stijging.privacy.models import AuditEvent

from .factories import MembershipFactory, UserFactory


class Server:
    """Refuses every recipient while `refuse` is set; records what it accepted."""

    def __init__(self):
        self.refuse = True
        self.accepted: list[tuple[tuple[str, ...], str]] = []  # recipients, Message-ID
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        content = envelope.content.decode("utf-8", "replace")
        match = re.search(r"^Message-ID:\s*(\S+)", content, re.MULTILINE | re.IGNORECASE)
        with self.lock:
            self.accepted.append((tuple(envelope.rcpt_tos), match.group(1) if match else ""))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Running:
    """The server on one port, stopped (connections refused) and started again."""

    def __init__(self, server: Server, port: int):
        self.server, self.port, self.controller = server, port, None

    def start(self) -> None:
        self.controller = Controller(self.server, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(settings):
    server = Server()
    running = Running(server, free_port())
    running.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": running.port, "timeout": 5},
        }
    }
    server.running = running  # type: ignore[attr-defined]
    yield server
    running.stop()


def due_now() -> None:
    """Time passes: the back-off of every waiting e-mail is over."""
    OutgoingEmail.objects.filter(next_attempt_at__isnull=False).update(
        next_attempt_at=timezone.now() - datetime.timedelta(seconds=1)
    )


def queue(n: int = 1, to: str = "cm@example.org") -> list[OutgoingEmail]:
    for i in range(n):
        notifications.queue(to=to, subject="Herinnering", body=f"Zie /x/{i}", dedup_key=f"outbox-test:{to}:{i}")
    return list(OutgoingEmail.objects.order_by("pk"))


@pytest.mark.django_db
def test_a_refused_email_keeps_its_error_waits_its_back_off_and_arrives_once(smtp):
    [email] = queue()
    assert notifications.send_pending() == 0
    email.refresh_from_db()
    assert email.status == OutgoingEmailStatus.PENDING
    assert email.attempts == 1
    assert "550" in email.last_error
    assert email.message_id.startswith("<outbox.")
    first_message_id = email.message_id
    wait = email.next_attempt_at - timezone.now()
    assert datetime.timedelta(seconds=50) < wait <= notifications.FIRST_BACK_OFF

    smtp.refuse = False
    assert notifications.send_pending() == 0  # still in its back-off: not tried
    due_now()
    assert notifications.send_pending() == 1
    assert notifications.send_pending() == 0
    email.refresh_from_db()
    assert (email.status, email.attempts, email.message_id) == (OutgoingEmailStatus.SENT, 2, first_message_id)
    assert smtp.accepted == [(("cm@example.org",), first_message_id)]


def test_the_back_off_doubles_up_to_an_hour():
    waits = [notifications.back_off(n) for n in range(1, notifications.MAX_ATTEMPTS + 1)]
    assert waits[:4] == [datetime.timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert max(waits) == notifications.LONGEST_BACK_OFF


@pytest.mark.django_db
def test_with_the_server_away_the_first_email_keeps_the_error_and_the_rest_wait(smtp):
    queue(3)
    smtp.running.stop()
    assert notifications.send_pending() == 0
    first, second, third = OutgoingEmail.objects.order_by("pk")
    assert first.attempts == 1 and first.status == OutgoingEmailStatus.PENDING
    assert "Connection" in first.last_error or "refused" in first.last_error.lower()
    # Not each waiting out its own timeout in this run: they wait for the server to come back.
    assert (second.attempts, third.attempts) == (0, 0)
    smtp.running.start()
    smtp.refuse = False
    due_now()
    assert notifications.send_pending() == 3
    assert len(smtp.accepted) == 3
    assert len({message_id for _to, message_id in smtp.accepted}) == 3


@pytest.mark.django_db
def test_after_max_attempts_it_fails_shows_to_the_admin_and_is_sent_again_once(smtp, world, client):
    admin = world.user("admin")
    own_user = world.user("case_manager")
    foreign_user = UserFactory(email="cm-elders@example.test")
    MembershipFactory(user=foreign_user, programme=world.foreign.programme, role="case_manager")
    queue(1, to=own_user.email)
    queue(1, to=foreign_user.email)
    for _ in range(notifications.MAX_ATTEMPTS):
        notifications.send_pending()
        due_now()
    email = OutgoingEmail.objects.get(to=own_user.email)
    assert email.status == OutgoingEmailStatus.FAILED
    assert email.attempts == notifications.MAX_ATTEMPTS
    assert email.next_attempt_at is None
    assert notifications.send_pending() == 0  # given up: not tried again by itself
    assert smtp.accepted == []

    client.force_login(admin)
    url = reverse("beheer:accounts_outgoingemail_changelist")
    page = client.get(url + "?status=failed")
    assert page.status_code == 200
    html = page.content.decode()
    assert own_user.email in html and "550" in html
    assert foreign_user.email not in html  # another programme's users are another admin's

    smtp.refuse = False
    before = AuditEvent.objects.count()
    response = client.post(url, {"action": "send_again", "_selected_action": [email.pk]})
    assert response.status_code == 302
    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutgoingEmailStatus.PENDING, 0)
    event = AuditEvent.objects.order_by("-pk").first()
    assert AuditEvent.objects.count() == before + 1
    assert event.actor_id == admin.pk and event.detail["send_again"] == [email.pk]
    assert notifications.send_pending() >= 1
    assert [m for _to, m in smtp.accepted].count(email.message_id) == 1


@pytest.mark.django_db
def test_an_interrupted_send_is_uncertain_and_not_sent_again_by_itself(smtp):
    """At most once: the run that claimed it died mid-send (the tick holding the lock finds it
    "sending"); the admin decides, with the Message-ID to look up in the mail server's log."""
    [email] = queue()
    OutgoingEmail.objects.filter(pk=email.pk).update(
        status=OutgoingEmailStatus.SENDING, message_id="<outbox.1.x@stijging.invalid>", claimed_at=timezone.now()
    )
    assert notifications.mark_interrupted() == 1
    smtp.refuse = False
    assert notifications.send_pending() == 0
    email.refresh_from_db()
    assert email.status == OutgoingEmailStatus.UNCERTAIN
    assert smtp.accepted == []


@pytest.mark.django_db
def test_the_outbox_list_takes_a_fixed_number_of_queries(world, client, django_assert_max_num_queries):
    client.force_login(world.user("admin"))
    queue(30, to=world.user("case_manager").email)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("beheer:accounts_outgoingemail_changelist")).status_code == 200
