"""The audit log is append-only and tamper-evident (ENGINEERING.md convention 4, SPEC §2.8).

`record()` only inserts; `seal()` chains the events in id order and appends the newest hash to an
anchor file outside the database; `verify()` recomputes the chain and holds it against the anchor.
Each kind of tampering gets its own test: an edited event, a deleted event in the middle, a cut-off
tail, and a chain an attacker rewrote from scratch after deleting an event.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.urls import reverse

from stijging.core import tick
from stijging.core.models import JobRun
from stijging.privacy import audit, context
from stijging.privacy.models import AuditAction, AuditEvent, AuditOutcome

from .tamper import as_table_owner

pytestmark = pytest.mark.django_db

SRC_DIR = Path(__file__).resolve().parents[2] / "src"


def make_events(n: int, *, actor=None, start: int = 0) -> list[AuditEvent]:
    return [
        audit.record(
            actor=actor,
            action=AuditAction.VIEW,
            object_type="registry.person",
            object_id=start + i + 1,
            person_ids=[start + i + 1],
            purpose="test",
            detail={"n": start + i},
        )
        for i in range(n)
    ]


def sealed_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(seal_seq__isnull=False).order_by("seal_seq"))


def anchor_lines() -> list[str]:
    path = Path(settings.STIJGING_AUDIT_ANCHOR_FILE)
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


# --- record() -------------------------------------------------------------------------------------


def test_a_request_through_the_middleware_stamps_the_event_with_client_address_request_id_and_path(world, login):
    fieldworker = world.user("fieldworker")
    client = login(fieldworker)
    person = world.own.adult
    url = reverse("registry:person", args=[person.pk])

    response = client.get(url, headers={"X-Request-ID": "req-7513.a_b"}, REMOTE_ADDR="203.0.113.7")

    assert response.status_code == 200
    assert response["X-Request-ID"] == "req-7513.a_b"
    event = AuditEvent.objects.get(action=AuditAction.VIEW, object_type="registry.person", object_id=str(person.pk))
    assert event.client_ip == "203.0.113.7"
    assert event.request_id == "req-7513.a_b"
    assert event.path == url
    assert event.actor == fieldworker
    assert event.actor_label == fieldworker.email
    assert event.role == "fieldworker"
    assert event.organisation_id == fieldworker.organisation_id
    assert event.person_ids == [person.pk]
    assert event.outcome == AuditOutcome.OK
    assert event.seal_seq is None and event.seal_hash == ""


def test_a_malformed_request_id_is_replaced_by_a_fresh_one_rather_than_stored(world, login):
    client = login(world.user("fieldworker"))
    response = client.get(
        reverse("registry:person", args=[world.own.adult.pk]),
        headers={"X-Request-ID": "evil id; DROP TABLE"},
    )
    event = AuditEvent.objects.get(action=AuditAction.VIEW, object_type="registry.person")
    assert event.request_id != "evil id; DROP TABLE"
    assert len(event.request_id) == 32  # a uuid4 hex
    assert response["X-Request-ID"] == event.request_id


def test_record_outside_a_request_leaves_client_address_and_request_id_empty(db):
    event = audit.record(actor=None, action=AuditAction.VIEW, object_type="x", object_id=1, person_ids=[3, 1, 3])
    assert event.client_ip is None
    assert event.request_id == ""
    assert event.path == ""
    assert event.actor is None and event.actor_label == ""
    # Persons by id only, deduplicated and sorted.
    assert event.person_ids == [1, 3]


def test_record_picks_up_the_context_a_caller_sets(db):
    token = context.set_current(context.RequestContext(request_id="r1", client_ip="198.51.100.2", path="/x/"))
    try:
        event = audit.record(actor=None, action=AuditAction.LIST)
    finally:
        context.reset(token)
    assert (event.request_id, event.client_ip, event.path) == ("r1", "198.51.100.2", "/x/")


def test_record_costs_one_insert_and_never_reads_earlier_events(db, django_assert_num_queries):
    make_events(3)
    # 1: INSERT INTO privacy_auditevent (no lock, no read of the previous event).
    with django_assert_num_queries(1) as captured:
        audit.record(actor=None, action=AuditAction.VIEW, object_type="x", object_id=1)
    assert captured.captured_queries[0]["sql"].lstrip().upper().startswith("INSERT")


def test_record_with_an_object_fills_its_type_and_id(world):
    event = audit.record(actor=world.user("fieldworker"), action=AuditAction.VIEW, obj=world.own.household)
    assert event.object_type == "registry.household"
    assert event.object_id == str(world.own.household.pk)


# --- seal() -----------------------------------------------------------------------------------------


def test_seal_chains_every_unsealed_event_in_id_order_and_writes_the_anchor(db):
    events = make_events(5)

    sealed = audit.seal()

    assert sealed == 5
    chain = sealed_events()
    assert [e.pk for e in chain] == [e.pk for e in events]
    assert [e.seal_seq for e in chain] == [1, 2, 3, 4, 5]
    previous = audit.GENESIS_HASH
    for event in chain:
        assert event.seal_hash == audit.chain_hash(previous, event)
        assert event.sealed_at is not None
        previous = event.seal_hash
    assert audit.read_anchor() == [(5, chain[-1].pk, chain[-1].seal_hash)]
    # The anchor is a plain text line the privacy officer can read: timestamp, seq, event id, hash.
    (line,) = anchor_lines()
    assert line.split()[1:] == ["5", str(chain[-1].pk), chain[-1].seal_hash]


def test_sealing_twice_seals_nothing_new_and_leaves_the_anchor_alone(db):
    make_events(3)
    assert audit.seal() == 3
    before = anchor_lines()

    assert audit.seal() == 0

    assert anchor_lines() == before
    assert audit.verify().ok


def test_events_recorded_after_a_seal_continue_the_same_chain(db):
    make_events(3)
    audit.seal()
    make_events(2, start=3)

    assert audit.seal() == 2

    chain = sealed_events()
    assert [e.seal_seq for e in chain] == [1, 2, 3, 4, 5]
    assert chain[3].seal_hash == audit.chain_hash(chain[2].seal_hash, chain[3])
    assert [seq for seq, _event, _hash in audit.read_anchor()] == [3, 5]
    assert audit.verify().ok


def test_seal_works_through_more_events_than_one_batch(db, monkeypatch):
    monkeypatch.setattr(audit, "SEAL_BATCH", 4)
    make_events(10)

    assert audit.seal() == 10

    # One anchor line per batch: 4, 8, 10.
    assert [seq for seq, _event, _hash in audit.read_anchor()] == [4, 8, 10]
    assert audit.verify().ok


# --- verify() ---------------------------------------------------------------------------------------


def test_verify_is_ok_on_an_untouched_log(db):
    make_events(6)
    audit.seal()
    make_events(2, start=6)  # not sealed yet: counted, not a problem

    result = audit.verify()

    assert result.ok, result.problems
    assert result.sealed == 6
    assert result.unsealed == 2
    assert result.problems == []


def test_verify_is_ok_on_an_empty_log_without_an_anchor(db):
    result = audit.verify()
    assert result.ok
    assert result.sealed == 0


def test_verify_detects_an_edited_event(db):
    make_events(5)
    audit.seal()
    victim = sealed_events()[2]

    # Someone with database access rewrites whose data was viewed.
    with as_table_owner():
        AuditEvent.objects.filter(pk=victim.pk).update(person_ids=[999])

    result = audit.verify()
    assert not result.ok
    assert any(f"event {victim.pk}" in p and "edited" in p for p in result.problems), result.problems


def test_verify_detects_an_edited_actor_or_timestamp_too(db):
    make_events(3)
    audit.seal()
    victim = sealed_events()[0]
    with as_table_owner():
        AuditEvent.objects.filter(pk=victim.pk).update(actor_label="someone-else@example.test")
    assert not audit.verify().ok


def test_verify_detects_a_deleted_event_in_the_middle(db):
    make_events(6)
    audit.seal()
    victim = sealed_events()[2]  # seal 3

    with as_table_owner():
        AuditEvent.objects.filter(pk=victim.pk).delete()

    result = audit.verify()
    assert not result.ok
    assert any("jumps from 2 to 4" in p and "missing" in p for p in result.problems), result.problems


def test_verify_detects_the_last_events_cut_off(db):
    make_events(6)
    audit.seal()
    newest = sealed_events()[-2:]

    # Deleting the newest sealed events leaves a chain that is consistent in itself ...
    with as_table_owner():
        AuditEvent.objects.filter(pk__in=[e.pk for e in newest]).delete()

    # ... but the anchor outside the database still names seal 6.
    result = audit.verify()
    assert not result.ok
    assert any("cut off" in p and "seal 6" in p and "ends at seal 4" in p for p in result.problems), result.problems


def test_a_chain_rewritten_from_scratch_after_a_deletion_is_caught_by_the_anchor(db):
    make_events(6)
    audit.seal()
    chain = sealed_events()

    # The attacker deletes one event, fabricates a harmless one so the count still matches, and
    # recomputes every seal hash in order, so the chain is consistent in itself.
    with as_table_owner():
        AuditEvent.objects.filter(pk=chain[2].pk).delete()
        audit.record(actor=None, action=AuditAction.VIEW, object_type="x", object_id="filler")
        AuditEvent.objects.update(seal_seq=None, seal_hash="")  # seal_seq is unique: clear before renumbering
        previous = audit.GENESIS_HASH
        for seq, event in enumerate(AuditEvent.objects.order_by("id"), start=1):
            previous = audit.chain_hash(previous, event)
            AuditEvent.objects.filter(pk=event.pk).update(seal_seq=seq, seal_hash=previous)
    assert AuditEvent.objects.filter(seal_seq__isnull=False).count() == 6

    result = audit.verify()
    # Without the anchor the chain would pass: every hash matches its predecessor.
    assert not any("edited" in p or "missing" in p for p in result.problems), result.problems
    assert not result.ok
    assert any("rewritten" in p for p in result.problems), result.problems


def test_verify_without_the_anchor_file_cannot_rule_out_a_cut_off_tail(db):
    make_events(2)
    audit.seal()
    Path(settings.STIJGING_AUDIT_ANCHOR_FILE).unlink()

    result = audit.verify()
    assert not result.ok
    assert any("no anchor" in p for p in result.problems)


# --- overlapping seals ------------------------------------------------------------------------------


def _seal_in_threads(n_threads: int) -> list[object]:
    barrier = threading.Barrier(n_threads)
    results: list[object] = [None] * n_threads

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = audit.seal()
        except Exception as error:  # noqa: BLE001 - reported by the test
            results[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n_threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_overlapping_seals_from_threads_do_not_double_seal(monkeypatch):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip(
            "in-memory SQLite (shared cache) reports table locks instead of waiting for them; the file-based "
            "SQLite test below and the PostgreSQL run cover overlapping seals"
        )
    monkeypatch.setattr(audit, "SEAL_BATCH", 50)
    AuditEvent.objects.bulk_create(
        AuditEvent(action=AuditAction.VIEW, object_type="x", object_id=str(i)) for i in range(400)
    )

    results = _seal_in_threads(2)

    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == 400  # type: ignore[arg-type]
    assert AuditEvent.objects.filter(seal_seq__isnull=True).count() == 0
    seqs = [seq for seq, _event, _hash in audit.read_anchor()]
    assert seqs == sorted(set(seqs))
    assert seqs[-1] == 400
    assert audit.verify().ok


OVERLAP_SCRIPT = textwrap.dedent(
    """
    import json, sys, threading
    import django
    django.setup()
    from django.core.management import call_command
    from django.db import connections
    from stijging.privacy import audit
    from stijging.privacy.models import AuditAction, AuditEvent

    call_command("migrate", verbosity=0)
    audit.SEAL_BATCH = 50
    AuditEvent.objects.bulk_create(
        AuditEvent(action=AuditAction.VIEW, object_type="x", object_id=str(i)) for i in range(600)
    )
    barrier = threading.Barrier(3)
    results = [None, None, None]

    def run(i):
        try:
            barrier.wait(timeout=10)
            results[i] = audit.seal()
        except Exception as error:
            results[i] = repr(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    result = audit.verify()
    print(json.dumps({
        "results": results,
        "unsealed": AuditEvent.objects.filter(seal_seq__isnull=True).count(),
        "anchor_seqs": [seq for seq, _e, _h in audit.read_anchor()],
        "ok": result.ok,
        "problems": result.problems,
    }))
    """
)


def test_overlapping_seals_on_a_file_based_sqlite_database_do_not_double_seal(tmp_path):
    """Three threads seal at once against one SQLite file (WAL, IMMEDIATE transactions), as two cron
    ticks would. Run in a child process because the test database is in memory."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "stijging.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'overlap.sqlite3'}",
        "STIJGING_AUDIT_ANCHOR_FILE": str(tmp_path / "anchor.log"),
        "STIJGING_VAR_DIR": str(tmp_path),
        "DEBUG": "1",
        "PYTHONPATH": str(SRC_DIR),
    }
    completed = subprocess.run(
        [sys.executable, "-c", OVERLAP_SCRIPT], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    assert all(isinstance(r, int) for r in report["results"]), report["results"]
    assert sum(report["results"]) == 600
    assert report["unsealed"] == 0
    assert report["anchor_seqs"] == sorted(set(report["anchor_seqs"]))
    assert report["anchor_seqs"][-1] == 600
    assert report["ok"], report["problems"]


# --- the commands ---------------------------------------------------------------------------------


def test_audit_verify_command_says_the_log_is_intact(db, capsys):
    make_events(3)
    audit.seal()
    call_command("audit_verify")
    out = capsys.readouterr().out
    assert "sealed events checked: 3" in out
    assert "intact" in out


def test_audit_verify_command_fails_on_an_edited_event(db, capsys):
    make_events(3)
    audit.seal()
    with as_table_owner():
        AuditEvent.objects.filter(pk=sealed_events()[1].pk).update(purpose="tampered")

    with pytest.raises(CommandError, match="failed verification"):
        call_command("audit_verify")
    assert "PROBLEM:" in capsys.readouterr().err


def test_audit_verify_command_fails_on_a_cut_off_tail(db):
    make_events(4)
    audit.seal()
    with as_table_owner():
        AuditEvent.objects.filter(pk=sealed_events()[-1].pk).delete()
    with pytest.raises(CommandError):
        call_command("audit_verify")


def test_audit_verify_from_the_command_line_exits_non_zero_on_tamper(db, monkeypatch, capsys):
    from stijging.__main__ import main

    make_events(3)
    audit.seal()
    with as_table_owner():
        AuditEvent.objects.filter(pk=sealed_events()[1].pk).delete()
    monkeypatch.setattr(sys, "argv", ["stijging", "audit_verify"])

    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code not in (0, None)
    assert "failed verification" in capsys.readouterr().err


def test_tick_command_seals_the_log_and_records_that_it_ran(db, capsys):
    make_events(4)

    call_command("tick")

    assert "audit_seal: 4" in capsys.readouterr().out
    assert AuditEvent.objects.filter(seal_seq__isnull=True).count() == 0
    job = JobRun.objects.get(name="tick")
    assert job.last_ok and job.last_finished_at is not None and job.last_message == ""
    call_command("audit_verify")


def test_tick_command_fails_and_says_which_step_when_a_step_fails(db, monkeypatch):
    def broken():
        raise OSError("anchor file not writable")

    monkeypatch.setattr(tick, "STEPS", [("audit_seal", broken)])

    with pytest.raises(CommandError, match="audit_seal: OSError: anchor file not writable"):
        call_command("tick")
    job = JobRun.objects.get(name="tick")
    assert job.last_ok is False
    assert "anchor file not writable" in job.last_message
