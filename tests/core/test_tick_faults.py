"""`stijging tick` killed at random moments and started twice at once, as real processes against
PostgreSQL and a real SMTP server (aiosmtpd, in this process). After the kills and one last run
that is left alone: no e-mail arrived twice, no referral was escalated twice, every audit event is
sealed exactly once (the chain verifies against the anchor), the kept figures are those computed
afresh, and the next run finished the work.

On SQLite these are skipped (one server, and the flock is tested in-process below)."""

from __future__ import annotations

import asyncio
import collections
import datetime
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django.utils import timezone

from stijging.accounts import notifications
from stijging.accounts.models import OutgoingEmail, OutgoingEmailStatus
from stijging.core import tick
from stijging.core.models import JobRun
from stijging.monitoring import figures, kpis
from stijging.privacy import audit
from stijging.privacy.models import AuditEvent
from stijging.referrals.models import Referral
from stijging.registry.models import Programme

from ..referrals.factories import send_referral

# Each message takes this long at the server, so a run spends seconds sending and a kill lands in
# the middle of it as often as elsewhere.
SMTP_DELAY_SECONDS = 0.01


class Inbox:
    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.messages: list[tuple[tuple[str, ...], str, str]] = []  # recipients, Message-ID, content
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        if self.delay:
            await asyncio.sleep(self.delay)
        content = envelope.content.decode("utf-8", "replace")
        match = re.search(r"^Message-ID:\s*(\S+)", content, re.MULTILINE | re.IGNORECASE)
        with self.lock:
            self.messages.append((tuple(envelope.rcpt_tos), match.group(1) if match else "", content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def inbox():
    box = Inbox(delay=SMTP_DELAY_SECONDS)
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    box.port = port  # type: ignore[attr-defined]
    yield box
    controller.stop()


@pytest.fixture
def tick_env(tmp_path, settings, inbox):
    """The environment of a `stijging tick` process on this test's database, anchor, cache and SMTP
    server; the test process reads the same anchor and the same file cache."""
    if connection.vendor != "postgresql":
        pytest.skip(
            "the kill and overlap tests run `stijging tick` processes against PostgreSQL (advisory lock, "
            "two servers); run with DATABASE_URL=postgres://…"
        )
    db = connection.settings_dict
    cache_dir = tmp_path / "cache"
    settings.CACHES = {"default": {"BACKEND": "stijging.core.cache.SharedFileCache", "LOCATION": str(cache_dir)}}
    settings.STIJGING_FIGURES_MAX_AGE = 1800
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "STIJGING_VAR_DIR": str(tmp_path / "var"),
        "STIJGING_AUDIT_ANCHOR_FILE": str(settings.STIJGING_AUDIT_ANCHOR_FILE),
        "STIJGING_CACHE_DIR": str(cache_dir),
        "STIJGING_FIGURES_MAX_AGE": "1800",
        "EMAIL_BACKEND": "smtp",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(inbox.port),
        "EMAIL_TIMEOUT": "10",
    }
    return env


def start_tick(env) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "stijging", "tick"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )


def finish(process: subprocess.Popen) -> str:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, (out, err)
    return out


def overdue_referrals(world, n: int) -> list[int]:
    """n overdue priority referrals (copies of one): each escalation queues two e-mails."""
    referral = send_referral(world.own, world, priority=True)
    OutgoingEmail.objects.all().delete()  # the "new referral" notice is not what is tested here
    copies = []
    for _ in range(n - 1):
        copy = Referral.objects.get(pk=referral.pk)
        copy.pk = None
        copies.append(copy)
    Referral.objects.bulk_create(copies)
    Referral.objects.update(
        sent_at=datetime.datetime(2026, 4, 21, 9, tzinfo=datetime.UTC), answer_due_on=datetime.date(2026, 4, 24)
    )
    return list(Referral.objects.values_list("pk", flat=True))


def more_work(round_no: int, *, emails: int = 10, events: int = 300) -> None:
    """What happens between two minutes: e-mails queued and audit events written."""
    for i in range(emails):
        notifications.queue(
            to=f"staff{i}@example.org", subject="Werk", body=f"round {round_no} #{i}", dedup_key=f"t:{round_no}:{i}"
        )
    AuditEvent.objects.bulk_create(
        AuditEvent(action="view", object_type="test.thing", object_id=str(i), detail={"round": round_no})
        for i in range(events)
    )


def assert_invariants(inbox: Inbox, referral_pks: list[int], kills: int) -> None:
    # No e-mail twice: not by Message-ID, not by recipient and content.
    by_id = collections.Counter(message_id for _rcpts, message_id, _content in inbox.messages)
    assert all(message_id for message_id in by_id), "every e-mail carries the Message-ID stored in the outbox"
    assert [m for m, n in by_id.items() if n > 1] == []
    bodies = collections.Counter((rcpts, content.split("\n\n", 1)[-1]) for rcpts, _m, content in inbox.messages)
    assert [b for b, n in bodies.items() if n > 1] == []

    # The outbox: each e-mail sent (and arrived exactly once) or uncertain (a kill mid-send: shown
    # to the admin, arrived at most once); nothing is left pending or sending.
    statuses = collections.Counter(OutgoingEmail.objects.values_list("status", flat=True))
    assert set(statuses) <= {OutgoingEmailStatus.SENT, OutgoingEmailStatus.UNCERTAIN}, statuses
    assert statuses[OutgoingEmailStatus.UNCERTAIN] <= kills
    for message_id in OutgoingEmail.objects.filter(status=OutgoingEmailStatus.SENT).values_list(
        "message_id", flat=True
    ):
        assert by_id[message_id] == 1, message_id

    # Every referral escalated, once: two e-mails each (case manager and partner), no more.
    assert not Referral.objects.filter(pk__in=referral_pks, escalated_at__isnull=True).exists()
    per_referral = collections.Counter(
        key.split(":")[1]
        for key in OutgoingEmail.objects.filter(dedup_key__startswith="referral-overdue:").values_list(
            "dedup_key", flat=True
        )
    )
    assert sorted(per_referral.values()) == [2] * len(referral_pks)
    escalation_mails = [m for m in inbox.messages if "priority referral" in m[2]]
    assert len(escalation_mails) <= 2 * len(referral_pks)

    # Every audit event sealed exactly once: seals 1..N without a gap, and the chain verifies.
    seqs = list(AuditEvent.objects.order_by("seal_seq").values_list("seal_seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    result = audit.verify()
    assert result.ok, result.problems
    assert result.unsealed == 0

    # The kept figures (every part that is kept) are those computed now from the same data.
    for programme in Programme.objects.all():
        period = kpis.programme_period(programme)
        for part, compute in figures.PROGRAMME_PARTS.items():
            from django.core.cache import cache

            kept = cache.get(figures.part_key(programme, period, part))
            assert kept is not None, (programme.pk, part)
            assert kept[0] == compute(programme, period, None), (programme.pk, part)


@pytest.mark.django_db(transaction=True)
def test_a_tick_killed_at_random_moments_loses_nothing_and_does_nothing_twice(world, inbox, tick_env):
    rng = random.Random(os.environ.get("STIJGING_KILL_SEED", "18"))
    referral_pks = overdue_referrals(world, 10)
    kills = 0
    # Few by default (each run starts Django: seconds); STIJGING_KILL_ROUNDS=50 for a long rehearsal.
    rounds = int(os.environ.get("STIJGING_KILL_ROUNDS", "4"))
    for round_no in range(rounds):
        more_work(round_no)
        began = timezone.now()
        process = start_tick(tick_env)
        # Start-up (seconds on a busy machine) is not what is tested: wait until the run has begun
        # its work (it stamps its JobRun first), then kill it at a random moment of its ~2 s of work.
        while process.poll() is None and not JobRun.objects.filter(name="tick", last_started_at__gte=began).exists():
            time.sleep(0.02)
        time.sleep(rng.uniform(0, 2.5))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait(timeout=30)
        process.stdout.close()
        process.stderr.close()
    assert kills >= rounds // 2, f"only {kills} of {rounds} runs were killed: the kills came too late to test much"
    finish(start_tick(tick_env))  # the next run, left alone, finishes the work
    assert_invariants(inbox, referral_pks, kills)


@pytest.mark.django_db(transaction=True)
def test_two_ticks_started_at_once_do_the_work_once(world, inbox, tick_env):
    inbox.delay = 0.05
    referral_pks = overdue_referrals(world, 10)
    more_work(0)
    first, second = start_tick(tick_env), start_tick(tick_env)
    outputs = [finish(first), finish(second)]
    # The work (30 e-mails at 50 ms each, seconds in all) outlasts the difference in start-up: one run waits
    # out the other's lock and says so.
    assert sum("another tick is running" in out for out in outputs) == 1, outputs
    assert_invariants(inbox, referral_pks, kills=0)
    assert OutgoingEmail.objects.filter(status=OutgoingEmailStatus.UNCERTAIN).count() == 0


@pytest.mark.django_db
def test_the_tick_lock_is_taken_once(settings, tmp_path):
    """Within one process too (SQLite: the flock; PostgreSQL: a second session)."""
    settings.VAR_DIR = tmp_path
    if connection.vendor == "postgresql":
        from django.db import connections

        other = connections.create_connection("default")
        try:
            with tick.tick_lock() as got, other.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [tick.TICK_LOCK_KEY])
                assert got and cursor.fetchone()[0] is False
            with other.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [tick.TICK_LOCK_KEY])
                assert cursor.fetchone()[0] is True  # released when the run ended
                cursor.execute("SELECT pg_advisory_unlock(%s)", [tick.TICK_LOCK_KEY])
        finally:
            other.close()
        return
    with tick.tick_lock() as got:
        with tick.tick_lock() as again:
            assert got and not again
        with pytest.raises(tick.TickBusy):
            tick.run()
    with tick.tick_lock() as got_after:
        assert got_after
