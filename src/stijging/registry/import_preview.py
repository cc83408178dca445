"""The uploaded address file between the import screen's preview and its confirmation.

A browser cannot send a chosen file twice, so the preview keeps it server-side, in a directory the
server's workers share (`STIJGING_IMPORT_PREVIEW_DIR`), under a random token, bound to the user and
the area it was previewed for. The options (complete extract, move from other programmes, valid rows
only) are kept with it: the confirmation sends only the token and the preview's plan, so it cannot
import under other options than the ones the preview showed. A file waits an hour at most: every
new preview sweeps out the older ones, so the directory holds no more than an hour's uploads. A BAG
extract holds addresses only, no personal data.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings

from stijging.privacy import audit

from .imports import ImportReport, import_addresses
from .models import Area

# Long enough to read a preview of a large file and confirm it; short enough not to keep files around.
MAX_AGE = 60 * 60
# What `secrets.token_urlsafe(32)` makes. The token comes back in a form post and names a file: nothing
# else may reach the file system (no "..", no "/").
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")


@dataclass(frozen=True)
class PendingImport:
    user_id: int
    area_id: int
    filename: str
    data: bytes
    valid_rows_only: bool
    complete: bool
    move_from_other_programmes: bool


def _directory() -> Path:
    return Path(settings.STIJGING_IMPORT_PREVIEW_DIR)


def _sweep(directory: Path) -> None:
    cutoff = time.time() - MAX_AGE
    for path in directory.iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except FileNotFoundError:
            pass  # another worker swept it first


def keep_file(meta: dict, data: bytes) -> str:
    """Keep an upload and its options (`meta`, with the `user_id` and `area_id` it was previewed
    by and for) until it is confirmed; returns the token. Also the people import's (people_preview)."""
    directory = _directory()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    _sweep(directory)
    token = secrets.token_urlsafe(32)
    header = json.dumps(meta).encode()
    # Written aside and renamed, so that a confirmation never reads half a file. mkstemp makes it
    # readable by the server's user only.
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".partial-")
    with os.fdopen(handle, "wb") as out:
        out.write(header + b"\n" + data)
    os.replace(temporary, directory / token)
    return token


def take_file(token: str, *, user, area: Area, object_type: str) -> tuple[dict, bytes] | None:
    """The options and upload kept under `token`, if it was previewed by this user for this area."""
    if not TOKEN_RE.match(token or ""):
        return None
    path = _directory() / token
    try:
        if path.stat().st_mtime < time.time() - MAX_AGE:
            path.unlink()
            return None
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    header, _newline, data = raw.partition(b"\n")
    meta = json.loads(header)
    if meta.get("user_id") != user.pk or meta.get("area_id") != area.pk:
        # A token is 256 random bits: one that exists but is not this user's for this area was passed
        # on or taken from someone's page, so it is logged as a refused access.
        audit.record_denied(
            actor=user,
            object_type=object_type,
            object_id=area.pk,
            detail={"reason": "the preview of another user or area"},
        )
        return None
    return meta, data


def keep(pending: PendingImport) -> str:
    fields = asdict(pending)
    return keep_file({name: value for name, value in fields.items() if name != "data"}, pending.data)


def take(token: str, *, user, area: Area) -> PendingImport | None:
    """The pending import under `token`, if it was previewed by this user for this area."""
    kept = take_file(token, user=user, area=area, object_type="registry.address_import")
    if kept is None:
        return None
    meta, data = kept
    return PendingImport(data=data, **meta)


def drop(token: str) -> None:
    if TOKEN_RE.match(token or ""):
        (_directory() / token).unlink(missing_ok=True)


def preview(
    *,
    acting_user,
    area: Area,
    data: bytes,
    filename: str,
    valid_rows_only: bool,
    complete: bool,
    move_from_other_programmes: bool,
) -> tuple[ImportReport, str]:
    """What importing the file would do, written nowhere; and the token to confirm it with, when
    there is something to import (empty when the file is refused or changes nothing).
    Raises ImportFileError for a file that cannot be read."""
    report = import_addresses(
        acting_user=acting_user,
        area=area,
        data=data,
        filename=filename,
        dry_run=True,
        valid_rows_only=valid_rows_only,
        complete=complete,
        move_from_other_programmes=move_from_other_programmes,
    )
    if (report.rejected and not valid_rows_only) or not (report.accepted or report.retired):
        return report, ""
    pending = PendingImport(
        user_id=acting_user.pk,
        area_id=area.pk,
        filename=filename,
        data=data,
        valid_rows_only=valid_rows_only,
        complete=complete,
        move_from_other_programmes=move_from_other_programmes,
    )
    return report, keep(pending)


def confirm(*, acting_user, area: Area, token: str, plan: str) -> tuple[ImportReport | None, str]:
    """Import a previewed file under the options of its preview, held to the preview's `plan`.
    Returns (None, "") for an unknown, expired, used or foreign token; otherwise the report and the
    token that still confirms it (only when the plan changed: the report is then the new preview)."""
    pending = take(token, user=acting_user, area=area)
    if pending is None:
        return None, ""
    report = import_addresses(
        acting_user=acting_user,
        area=area,
        data=pending.data,
        filename=pending.filename,
        valid_rows_only=pending.valid_rows_only,
        complete=pending.complete,
        move_from_other_programmes=pending.move_from_other_programmes,
        expected_plan=plan,
    )
    if report.plan_changed:
        return report, token
    # Imported, or refused because rows are rejected now: either way there is nothing left to confirm.
    drop(token)
    return report, ""
