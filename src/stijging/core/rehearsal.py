"""The restore rehearsal (`stijging restore_rehearsal`, issue 18): dump the database, restore the
dump into a new database, migrate it, verify its audit log against the anchor, and compare the
programmes' figures and every table's row count before and after. Exits non-zero when they differ
or the audit log fails in any way other than "the dump is older than the anchor".

The figures before are computed in the very snapshot pg_dump takes (an exported snapshot in a
REPEATABLE READ transaction), so a live site that keeps writing during the rehearsal does not make
the comparison fail. The restored copy is checked by `stijging` processes of its own with
DATABASE_URL pointing at it, as an operator would after a real restore.
"""

from __future__ import annotations

import dataclasses
import datetime
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone

# A seal whose anchor line was written this long before the dump's snapshot may still have
# committed after it (the line is written just before the commit).
ANCHOR_CLOCK_SLACK = datetime.timedelta(seconds=5)


def _plain(value):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(_plain(v) for v in value)
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)  # dates, decimals


def figures_snapshot() -> dict:
    """Every table's row count (the project's apps) and each programme's figures, computed now (in
    English: the names in the figures are translated, and both sides must be in the same language)."""
    from django.utils import translation

    from stijging.monitoring import figures, kpis
    from stijging.registry.models import Programme

    counts = {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model.__module__.startswith("stijging.")
    }
    programmes = {}
    with translation.override("en"):
        for programme in Programme.objects.order_by("pk"):
            period = kpis.programme_period(programme)
            programmes[programme.slug] = {
                part: _plain(compute(programme, period, None)) for part, compute in figures.PROGRAMME_PARTS.items()
            }
    return {"counts": dict(sorted(counts.items())), "programmes": programmes}


def differences(before, after, path: str = "") -> list[str]:
    if isinstance(before, dict) and isinstance(after, dict):
        found = []
        for key in sorted(set(before) | set(after)):
            found += differences(before.get(key), after.get(key), f"{path}/{key}")
        return found
    return [] if before == after else [f"{path}: {before!r} before, {after!r} after"]


def classify_audit(report: dict, dump_time: datetime.datetime) -> tuple[bool, str]:
    """(passes, what to say) for `audit_verify --json` on the restored copy. The one failure that
    passes is a dump older than the anchor: the chain in the dump is sound, its last seal is a line
    of the anchor, and the next line was written after the dump's snapshot."""
    if report.get("ok"):
        return True, f"audit log intact: {report['sealed']} sealed events verify against the anchor"
    position = report.get("position")
    if report.get("chain_ok") and position:
        next_written = datetime.datetime.fromisoformat(position["next_written"])
        if next_written >= dump_time - ANCHOR_CLOCK_SLACK:
            return True, (
                f"the dump is older than the anchor (not tampering): it ends at seal {position['seal']};"
                f" the anchor's {position['lines_ahead']} later line(s) were written from {position['next_written']},"
                f" after the dump was taken ({dump_time.isoformat()}). Those events are gone with the rest of the"
                " data after the dump; keep the anchor with the restore record (docs/operations/backup-restore.md)"
            )
        return False, (
            f"TAMPERING SUSPECTED: seal {position['next_seal']} was anchored at {position['next_written']},"
            f" before the dump was taken ({dump_time.isoformat()}), yet the dump does not hold it:"
            " sealed events were cut off before the dump"
        )
    return False, "the audit log failed verification: " + "; ".join(report.get("problems", []))


def pg_tool(name: str) -> str:
    """pg_dump / pg_restore: STIJGING_PG_BIN, else the newest /usr/lib/postgresql/*/bin, else PATH."""
    configured = os.environ.get("STIJGING_PG_BIN")
    if configured:
        return str(Path(configured) / name)
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3]))
    if candidates:
        return str(candidates[-1])
    found = shutil.which(name)
    if not found:
        raise RuntimeError(f"{name} not found: set STIJGING_PG_BIN")
    return found


def pg_env(name: str) -> dict[str, str]:
    db = connection.settings_dict
    env = {
        **os.environ,
        "PGDATABASE": name,
        "PGUSER": db["USER"] or "",
        "PGHOST": db["HOST"] or "",
        "PGPORT": str(db["PORT"] or ""),
    }
    if db["PASSWORD"]:
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def database_url(name: str) -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{name}"


def dump_with_figures(path: Path) -> tuple[dict, datetime.datetime]:
    """pg_dump -Fc into path, and the figures, of one and the same snapshot."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot(), now()")
            snapshot, taken_at = cursor.fetchone()
        dump = subprocess.Popen(  # noqa: S603 - our own arguments, no shell
            [pg_tool("pg_dump"), "-Fc", f"--snapshot={snapshot}", "-f", str(path)],
            env=pg_env(connection.settings_dict["NAME"]),
            stderr=subprocess.PIPE,
            text=True,
        )
        # The transaction stays open (and the snapshot valid) until pg_dump is done with it.
        before = figures_snapshot()
        _out, err = dump.communicate()
        if dump.returncode:
            raise RuntimeError(f"pg_dump failed: {err.strip()}")
    return before, taken_at


def dump_created_at(path: Path) -> datetime.datetime:
    """When a given dump was made, from its table of contents ("Archive created at 2026-12-07
    02:00:01 CET"): pg_dump writes the local time of the machine it ran on, which is taken to be
    this one's (dumps are made on the database server); --dump-time overrides it."""
    listing = subprocess.run(  # noqa: S603 - our own arguments, no shell
        [pg_tool("pg_restore"), "-l", str(path)], capture_output=True, text=True, check=True
    )
    for line in listing.stdout.splitlines():
        if line.startswith("; Archive created at"):
            stamp = line.split("created at", 1)[1].strip()
            clock, _space, zone = stamp.rpartition(" ")
            naive = datetime.datetime.strptime(clock, "%Y-%m-%d %H:%M:%S")
            if zone in ("UTC", "GMT"):
                return naive.replace(tzinfo=datetime.UTC)
            return naive.astimezone()  # a naive time read as this machine's local time
    raise RuntimeError(f"cannot read when {path} was made: give --dump-time")


def restore(path: Path, target: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{target}"')
    result = subprocess.run(  # noqa: S603 - our own arguments, no shell
        [pg_tool("pg_restore"), "--no-owner", "--no-acl", "--exit-on-error", "-d", target, str(path)],
        env=pg_env(target),
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise RuntimeError(f"pg_restore failed: {result.stderr.strip()}")


def drop(target: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')


def on_restored(target: str, *args: str) -> subprocess.CompletedProcess:
    """`stijging ARGS` against the restored copy (same settings and anchor; no e-mail leaves)."""
    env = {**os.environ, "DATABASE_URL": database_url(target), "EMAIL_BACKEND": "console"}
    return subprocess.run(  # noqa: S603 - our own arguments, no shell
        [sys.executable, "-m", "stijging", *args], env=env, capture_output=True, text=True
    )


def default_target() -> str:
    return f"{connection.settings_dict['NAME']}_rehearsal_{timezone.now():%Y%m%d%H%M%S}"[:63]
