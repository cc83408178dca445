"""The tamper-evident log is evident (issue 12, item 1).

The sealer refuses to continue a chain that no longer reaches the anchor's last line, and raises an
alarm the privacy officer sees (banner, e-mail through the outbox); `audit_verify` holds every anchor
line against the log; on PostgreSQL the application's role can neither delete an event nor change
its content or a written seal.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from stijging.accounts import notifications
from stijging.accounts.models import OutgoingEmail
from stijging.privacy import audit
from stijging.privacy.models import AuditAction, AuditEvent

from .tamper import as_table_owner
from .test_audit_chain import make_events, sealed_events

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'",
    reason="the append-only trigger exists on PostgreSQL only (SQLite documents the gap); "
    "run with DATABASE_URL=postgres://... to test it",
)


@pytest.fixture(autouse=True)
def _no_alarm_left_over():
    audit.clear_alarm()
    yield
    audit.clear_alarm()


def _cut_the_tail(n: int) -> None:
    newest = sealed_events()[-n:]
    with as_table_owner():
        AuditEvent.objects.filter(pk__in=[e.pk for e in newest]).delete()


# --- the sealer refuses a chain that does not reach the anchor -------------------------------------


def test_sealing_after_the_tail_was_cut_refuses_and_the_chain_stays_as_it_was(db):
    make_events(20)
    audit.seal()
    _cut_the_tail(10)
    make_events(1, start=100)

    with pytest.raises(audit.AuditChainBroken, match="seal 20.*ends at seal 10"):
        audit.seal()

    # Nothing was sealed over the cut, and the anchor was not extended.
    assert AuditEvent.objects.filter(seal_seq__isnull=True).count() == 1
    assert [seq for seq, _e, _h in audit.read_anchor()] == [20]
    result = audit.verify()
    assert not result.ok
    assert any("seal 20" in p and "cut off" in p for p in result.problems), result.problems


def test_a_cut_tail_raises_the_alarm_for_the_privacy_officer_by_email_and_banner(world, login):
    make_events(5)
    audit.seal()
    _cut_the_tail(2)

    with pytest.raises(audit.AuditChainBroken):
        audit.seal()

    officer = world.user("privacy_officer")
    (email,) = OutgoingEmail.objects.all()
    assert email.to == officer.email
    assert "audit log" in email.subject
    assert "seal 5" in email.body and reverse("privacy:audit_log") in email.body
    # Through the outbox, like every e-mail: the tick sends it.
    assert notifications.send_pending() == 1
    # A second refused seal a minute later does not send the same alarm again.
    with pytest.raises(audit.AuditChainBroken):
        audit.seal()
    assert OutgoingEmail.objects.count() == 1

    page = login(officer).get(reverse("home"), follow=True).content.decode()
    assert "The audit log's chain is broken" in page
    assert "the newest events were cut off" in page
    other = login(world.user("manager")).get(reverse("home")).content.decode()
    assert "chain is broken" not in other


def test_the_tick_fails_when_the_sealer_refuses(db):
    from django.core.management import CommandError, call_command

    make_events(3)
    audit.seal()
    _cut_the_tail(1)
    with pytest.raises(CommandError, match="audit_seal: AuditChainBroken"):
        call_command("tick")


def test_sealing_refuses_when_the_anchor_file_was_removed(db):
    make_events(3)
    audit.seal()
    Path(settings.STIJGING_AUDIT_ANCHOR_FILE).unlink()
    make_events(1, start=10)
    with pytest.raises(audit.AuditChainBroken, match="anchor file is missing"):
        audit.seal()
    assert audit.current_alarm() is not None


def test_sealing_refuses_when_the_newest_sealed_event_was_rewritten(db):
    make_events(4)
    audit.seal()
    newest = sealed_events()[-1]
    with as_table_owner():
        AuditEvent.objects.filter(pk=newest.pk).update(seal_hash="f" * 64)
    make_events(1, start=10)
    with pytest.raises(audit.AuditChainBroken, match="differs from the anchor"):
        audit.seal()


def test_an_intact_chain_seals_on_and_raises_no_alarm(db):
    make_events(3)
    audit.seal()
    make_events(2, start=3)
    assert audit.seal() == 2
    assert audit.current_alarm() is None
    assert not OutgoingEmail.objects.exists()


# --- verify checks every anchor line ----------------------------------------------------------------


def test_verify_finds_a_cut_tail_even_after_a_forged_seal_continued_the_chain(db):
    """The finding: seal 20, delete the last 10, seal one more from the database's last row. The
    sealer now refuses that; verify must still see it if someone seals the old way (here: by hand)."""
    make_events(20)
    audit.seal()
    _cut_the_tail(10)
    (filler,) = make_events(1, start=100)
    last = sealed_events()[-1]
    digest = audit.chain_hash(last.seal_hash, filler)
    with as_table_owner():
        AuditEvent.objects.filter(pk=filler.pk).update(seal_seq=11, seal_hash=digest, sealed_at=timezone.now())
    audit._write_anchor(11, filler.pk, digest)

    result = audit.verify()

    assert not result.ok
    assert any("seal 20" in p for p in result.problems), result.problems
    assert any("anchor was reordered" in p for p in result.problems), result.problems


def test_verify_finds_events_whose_order_was_swapped(db):
    make_events(4)
    audit.seal()
    first, second = sealed_events()[1:3]
    # Swap the content of two neighbouring events (who looked at whom, in which order).
    with as_table_owner():
        AuditEvent.objects.filter(pk=first.pk).update(object_id=second.object_id, person_ids=second.person_ids)
        AuditEvent.objects.filter(pk=second.pk).update(object_id=first.object_id, person_ids=first.person_ids)
    result = audit.verify()
    assert not result.ok
    assert sum("edited" in p for p in result.problems) == 2, result.problems


def test_verify_finds_reordered_seal_numbers(db):
    make_events(4)
    audit.seal()
    a, b = sealed_events()[1:3]
    with as_table_owner():
        AuditEvent.objects.filter(pk=a.pk).update(seal_seq=-1)
        AuditEvent.objects.filter(pk=b.pk).update(seal_seq=a.seal_seq)
        AuditEvent.objects.filter(pk=a.pk).update(seal_seq=b.seal_seq)
    assert not audit.verify().ok


def test_verify_finds_an_anchor_line_that_names_another_event(db):
    make_events(3)
    audit.seal()
    path = Path(settings.STIJGING_AUDIT_ANCHOR_FILE)
    stamp, seq, event_id, digest = path.read_text().split()
    path.write_text(f"{stamp} {seq} {int(event_id) + 1} {digest}\n")
    result = audit.verify()
    assert not result.ok
    assert any("differs from the anchor" in p for p in result.problems), result.problems


def test_verify_finds_an_anchor_that_lost_its_last_lines(db, monkeypatch):
    monkeypatch.setattr(audit, "SEAL_BATCH", 2)
    make_events(4)
    audit.seal()
    path = Path(settings.STIJGING_AUDIT_ANCHOR_FILE)
    path.write_text(path.read_text().splitlines()[0] + "\n")
    result = audit.verify()
    assert any("anchor lost lines" in p for p in result.problems), result.problems


# --- PostgreSQL: the application's role cannot change or delete events -----------------------------


@postgresql_only
def test_on_postgresql_an_unsealed_event_cannot_be_edited(db):
    (event,) = make_events(1)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(person_ids=[999])
    event.refresh_from_db()
    assert event.person_ids == [1]


@postgresql_only
def test_on_postgresql_an_unsealed_event_cannot_be_deleted(db):
    (event,) = make_events(1)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@postgresql_only
def test_on_postgresql_a_sealed_event_cannot_be_edited_deleted_or_resealed(db):
    make_events(3)
    audit.seal()
    victim = sealed_events()[1]
    for change in (
        lambda: AuditEvent.objects.filter(pk=victim.pk).update(purpose="tampered"),
        lambda: AuditEvent.objects.filter(pk=victim.pk).update(seal_hash="0" * 64),
        lambda: AuditEvent.objects.filter(pk=victim.pk).update(seal_seq=None),
        lambda: AuditEvent.objects.filter(seal_seq__gte=2).delete(),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            change()
    assert audit.verify().ok


@postgresql_only
def test_on_postgresql_a_raw_sql_delete_is_refused_too(db):
    make_events(2)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM privacy_auditevent")
    assert AuditEvent.objects.count() == 2


@postgresql_only
def test_on_postgresql_retention_may_delete_only_sealed_events_older_than_a_cutoff_a_year_back(db):
    old, recent = make_events(2)
    audit.seal()
    long_ago = timezone.now() - timezone.timedelta(days=800)
    with as_table_owner():
        AuditEvent.objects.filter(pk=old.pk).update(created_at=long_ago)
    (unsealed_old,) = make_events(1, start=5)
    with as_table_owner():
        AuditEvent.objects.filter(pk=unsealed_old.pk).update(created_at=long_ago)

    # A cutoff of yesterday is refused: the door never opens onto the recent log.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('stijging.audit_retention_before', %s, true)", [timezone.now().isoformat()]
            )
        AuditEvent.objects.filter(pk=recent.pk).delete()
    # An unsealed event stays even when it is old.
    cutoff = (timezone.now() - timezone.timedelta(days=400)).isoformat()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('stijging.audit_retention_before', %s, true)", [cutoff])
        AuditEvent.objects.filter(pk=unsealed_old.pk).delete()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('stijging.audit_retention_before', %s, true)", [cutoff])
        AuditEvent.objects.filter(pk=old.pk).delete()
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    # Outside that transaction the setting is gone again.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=recent.pk).delete()


@postgresql_only
def test_on_postgresql_recording_and_sealing_still_work_under_the_trigger(db):
    make_events(3)
    assert audit.seal() == 3
    make_events(2, start=3)
    assert audit.seal() == 2
    assert audit.verify().ok
    assert AuditAction.VIEW in set(AuditEvent.objects.values_list("action", flat=True))


# --- after the investigation: a new anchor, and the anchor is only ever appended to ----------------


def test_after_the_investigation_a_new_anchor_lets_sealing_resume_and_is_logged(db, tmp_path):
    from django.core.management import CommandError, call_command

    make_events(6)
    audit.seal()
    _cut_the_tail(2)
    make_events(1, start=50)
    with pytest.raises(audit.AuditChainBroken):
        audit.seal()
    # Refused while the old anchor is in place: it is the evidence, moved aside by hand.
    with pytest.raises(CommandError, match="move it aside"):
        call_command("audit_reanchor", reason="INC-7")
    anchor = Path(settings.STIJGING_AUDIT_ANCHOR_FILE)
    anchor.rename(tmp_path / "audit-anchor.evidence")

    call_command("audit_reanchor", reason="INC-7")

    assert audit.current_alarm() is None
    assert [seq for seq, _e, _h in audit.read_anchor()] == [4]
    assert audit.seal() == 2  # the filler and the reanchoring's own event
    assert audit.verify().ok
    assert AuditEvent.objects.filter(object_type="privacy.auditanchor", detail__reason="INC-7").exists()


def test_a_new_anchor_is_refused_while_the_chain_in_the_database_is_edited(db, tmp_path):
    from django.core.management import CommandError, call_command

    make_events(3)
    audit.seal()
    with as_table_owner():
        AuditEvent.objects.filter(pk=sealed_events()[1].pk).update(purpose="tampered")
    Path(settings.STIJGING_AUDIT_ANCHOR_FILE).rename(tmp_path / "old")
    with pytest.raises(CommandError, match="not consistent"):
        call_command("audit_reanchor", reason="x")
    assert not Path(settings.STIJGING_AUDIT_ANCHOR_FILE).exists()


def test_the_anchor_file_is_only_ever_opened_for_appending(db, monkeypatch):
    """So it can be kept append-only (chattr +a, docs/operations/audit-log.md): the application's user
    can add lines but never rewrite or shorten the file."""
    anchor = Path(settings.STIJGING_AUDIT_ANCHOR_FILE)
    modes = []
    real_open = Path.open

    def spy(self, mode="r", *args, **kwargs):
        if self == anchor:
            modes.append(mode)
        return real_open(self, mode, *args, **kwargs)

    monkeypatch.setattr(Path, "open", spy)
    make_events(3)
    audit.seal()
    make_events(2, start=3)
    audit.seal()
    # Read to check the tail, appended to: never opened for (over)writing.
    assert "a" in modes and set(modes) <= {"a", "r"}
