"""The restore rehearsal (`stijging restore_rehearsal`) on PostgreSQL, on the demo programme: it
passes on an honest restore, FAILS when the restored copy's figures differ (the copy is altered
before the comparison), and reports a dump older than the anchor as such, not as tampering. CI runs
this with the PostgreSQL test run (.ci/run), on its throw-away cluster."""

from __future__ import annotations

import datetime
import subprocess

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from stijging.core import rehearsal
from stijging.demo.seed import seed_demo
from stijging.privacy import audit

pytestmark = pytest.mark.django_db(transaction=True)

# Moves one address to another area: the same row counts, other figures for two areas.
MOVE_AN_ADDRESS = (
    "UPDATE registry_address SET area_id = (SELECT max(id) FROM registry_area)"
    " WHERE id = (SELECT min(id) FROM registry_address WHERE area_id <> (SELECT max(id) FROM registry_area))"
)


@pytest.fixture
def demo(monkeypatch, settings):
    if connection.vendor != "postgresql":
        pytest.skip("the restore rehearsal uses pg_dump and pg_restore: run with DATABASE_URL=postgres://…")
    # The `stijging` processes that check the restored copy read the same anchor.
    monkeypatch.setenv("DEBUG", "1")
    monkeypatch.setenv("STIJGING_AUDIT_ANCHOR_FILE", str(settings.STIJGING_AUDIT_ANCHOR_FILE))
    seed_demo(households=80)  # the whole programme, smaller: the rehearsal needs its figures, not its size
    for i in range(5):
        audit.record(actor=None, action="view", object_type="test.thing", object_id=i)
    audit.seal()


def rehearse(capsys, **options) -> tuple[str, str]:
    call_command("restore_rehearsal", **options)
    captured = capsys.readouterr()
    return captured.out, captured.err


def test_the_restore_rehearsal(demo, capsys, tmp_path):
    """One test, three rehearsals of the same demo (seeding it takes long on a busy machine)."""
    # 1. An honest restore passes: equal figures, an intact audit log; the copy is dropped again.
    out, _err = rehearse(capsys)
    assert "figures equal before and after" in out
    assert "audit log intact" in out
    assert "restore rehearsal passed" in out
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_database WHERE datname LIKE %s",
            [f"{connection.settings_dict['NAME']}_rehearsal_%"],
        )
        assert cursor.fetchone()[0] == 0

    # 2. It fails when the restored copy's figures differ (same row counts, one address moved).
    with pytest.raises(CommandError, match="figure\\(s\\) differ"):
        call_command("restore_rehearsal", alter_restored=MOVE_AN_ADDRESS)
    assert "DIFFERS: /programmes/de-ruit/summary" in capsys.readouterr().err

    # 3. A nightly dump, then the site goes on (more events, sealed: the anchor grows): that dump is
    # reported as older than the anchor, not as tampering.
    dump = tmp_path / "nightly.dump"
    subprocess.run(  # noqa: S603 - our own arguments
        [rehearsal.pg_tool("pg_dump"), "-Fc", "-f", str(dump)],
        env=rehearsal.pg_env(connection.settings_dict["NAME"]),
        check=True,
    )
    audit.record(actor=None, action="view", object_type="test.thing", object_id="later")
    audit.seal()
    out, _err = rehearse(capsys, dump=str(dump))
    assert "the dump is older than the anchor (not tampering)" in out
    assert "restore rehearsal passed" in out


@pytest.mark.django_db(transaction=False)
def test_a_seal_anchored_before_the_dump_but_missing_from_it_is_tampering():
    report = {
        "ok": False,
        "chain_ok": True,
        "problems": ["the anchor names seal 9 (event 9) but the log ends at seal 5: the newest events were cut off"],
        "position": {
            "seal": 5,
            "written": "2026-12-06T23:00:00+00:00",
            "next_seal": 9,
            "next_written": "2026-12-06T23:10:00+00:00",
            "lines_ahead": 1,
        },
    }
    dump_time = datetime.datetime(2026, 12, 7, 2, 0, tzinfo=datetime.UTC)
    passes, says = rehearsal.classify_audit(report, dump_time)
    assert not passes and says.startswith("TAMPERING SUSPECTED")
    passes, says = rehearsal.classify_audit(report, datetime.datetime(2026, 12, 6, 23, 5, tzinfo=datetime.UTC))
    assert passes and "older than the anchor" in says
    # A chain that does not verify in itself is never "just an older dump".
    passes, _says = rehearsal.classify_audit(
        {**report, "chain_ok": False}, datetime.datetime(2026, 12, 6, 23, 5, tzinfo=datetime.UTC)
    )
    assert not passes
