"""Writing, sealing and verifying the audit log.

`record()` only inserts: no lock, no read of earlier events, so it costs one INSERT per request.
`seal()` (run by `stijging tick`) chains the unsealed events in id order: each event's hash covers its
own content and the hash of the event sealed before it. The newest hash is appended to an anchor
file outside the database, which the privacy officer keeps. `verify()` recomputes the chain and
compares it with every anchor line, so an edited event, a deleted event and a cut-off tail all show.

Before it chains anything, `seal()` checks that the database's sealed chain still ends exactly where
the anchor's last line says (sequence number and hash). If it does not, the tail was cut or
rewritten: sealing on from the database's last row would bury that under a fresh, consistent
chain, so the sealer refuses, and raises an alarm (`audit_alarm` signal: the accounts app e-mails
the privacy officers through the outbox; the page banner reads the cache key below) until the
privacy officer has investigated and restored the log.

On PostgreSQL a trigger (migration privacy 0003) refuses every DELETE of an event and every UPDATE
of its content or of a seal already written; see docs/operations/audit-log.md. SQLite has no such
guard: the demo database is a file the application's user owns anyway.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from . import context
from .models import AuditAction, AuditEvent, AuditOutcome
from .signals import audit_alarm

logger = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
SEAL_BATCH = 2000
# The detail key of the event that retention writes before it deletes the oldest sealed events
# (privacy.retention.audit_events_expire): the seal the remaining chain continues from.
EXPIRY_KEY = "expired_through"

# The cache key the page banner reads (no query on any page): set by every refused seal, so it
# comes back within a tick when the cache is cleared, and it lasts a day beyond the last refusal.
ALARM_CACHE_KEY = "stijging:audit-alarm"
ALARM_CACHE_SECONDS = 24 * 60 * 60


def _actor_fields(user) -> dict:
    if user is None or not getattr(user, "is_authenticated", False):
        return {"actor": None, "actor_label": "", "role": "", "organisation_id": None}
    roles = getattr(user, "audit_roles", None)
    role_text = roles() if callable(roles) else ""
    return {
        "actor": user,
        "actor_label": getattr(user, "email", "") or str(user.pk),
        "role": role_text,
        "organisation_id": getattr(user, "organisation_id", None),
    }


def record(
    *,
    actor,
    action: str,
    obj=None,
    object_type: str = "",
    object_id: str | int = "",
    person_ids: Iterable[int] = (),
    purpose: str = "",
    outcome: str = AuditOutcome.OK,
    detail: dict | None = None,
) -> AuditEvent:
    """Insert one audit event. `obj` fills object type and id; persons are given by id only."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    ctx = context.current()
    return AuditEvent.objects.create(
        **_actor_fields(actor),
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        person_ids=sorted({int(pk) for pk in person_ids}),
        purpose=purpose,
        outcome=outcome,
        client_ip=ctx.client_ip,
        request_id=ctx.request_id,
        path=ctx.path,
        detail=detail or {},
    )


def search_hash(text: str) -> str:
    """A keyed hash of a typed search (normalised: case and spaces), for the log instead of the text.

    Keyed with SECRET_KEY, so the log alone does not allow a dictionary of names to be tried."""
    normalised = " ".join(text.lower().split())
    return hmac.new(settings.SECRET_KEY.encode(), b"search:" + normalised.encode(), hashlib.sha256).hexdigest()[:32]


def record_denied(*, actor, object_type: str = "", object_id: str | int = "", detail: dict | None = None):
    return record(
        actor=actor,
        action=AuditAction.DENIED,
        object_type=object_type,
        object_id=object_id,
        outcome=AuditOutcome.DENIED,
        detail=detail,
    )


# --- The chain ----------------------------------------------------------------------------------


def canonical(event: AuditEvent) -> bytes:
    """The bytes the seal covers: every content field, none of the seal fields."""
    payload = {
        "id": event.pk,
        "created_at": event.created_at.isoformat(),
        "actor": event.actor_id,
        "actor_label": event.actor_label,
        "role": event.role,
        "organisation_id": event.organisation_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "person_ids": event.person_ids,
        "purpose": event.purpose,
        "outcome": event.outcome,
        "client_ip": event.client_ip,
        "request_id": event.request_id,
        "path": event.path,
        "detail": event.detail,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()


def chain_hash(previous: str, event: AuditEvent) -> str:
    return hashlib.sha256(previous.encode() + b"\n" + canonical(event)).hexdigest()


def anchor_path() -> Path:
    return Path(settings.STIJGING_AUDIT_ANCHOR_FILE)


def _write_anchor(seq: int, event_id: int, digest: str) -> None:
    path = anchor_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(f"{timezone.now().isoformat()} {seq} {event_id} {digest}\n")
        fh.flush()
        # On disk before the database commits: after a power cut the anchor is at worst ahead of the
        # database, which _complete_interrupted_seal() repairs, never behind it.
        os.fsync(fh.fileno())


def read_anchor_timed() -> list[tuple[str, int, int, str]]:
    """The anchor's lines with the moment each was written: (ISO time, seal, event id, hash)."""
    path = anchor_path()
    if not path.exists():
        return []
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 4:
            lines.append((parts[0], int(parts[1]), int(parts[2]), parts[3]))
    return lines


def position_in_anchor() -> dict | None:
    """When the anchor runs ahead of the log: the anchor line the log's sealed tail matches and the
    first line after it, with their times. None when the tail matches no line (or there is none
    ahead). A restore rehearsal holds the next line's time against the dump's: a line written after
    the dump was taken is a seal the dump cannot hold (an older dump); one written before it is a
    seal the dump should hold (a cut-off tail)."""
    last = AuditEvent.objects.filter(seal_seq__isnull=False).order_by("-seal_seq").first()
    tail = (last.seal_seq, last.pk, last.seal_hash) if last else (0, 0, GENESIS_HASH)
    lines = read_anchor_timed()
    for index, (written, seq, event_id, digest) in enumerate(lines):
        if (seq, event_id, digest) == tail and index + 1 < len(lines):
            following = lines[index + 1]
            return {
                "seal": seq,
                "written": written,
                "next_seal": following[1],
                "next_written": following[0],
                "lines_ahead": len(lines) - index - 1,
            }
    if tail[0] == 0 and lines:
        return {
            "seal": 0,
            "written": "",
            "next_seal": lines[0][1],
            "next_written": lines[0][0],
            "lines_ahead": len(lines),
        }
    return None


def read_anchor() -> list[tuple[int, int, str]]:
    path = anchor_path()
    if not path.exists():
        return []
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 4:
            lines.append((int(parts[1]), int(parts[2]), parts[3]))
    return lines


def _lock_sealer() -> None:
    # Two overlapping ticks must not seal the same events twice. PostgreSQL: an advisory lock for
    # this transaction. SQLite: the IMMEDIATE transaction already holds the write lock.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(7513)")


class AuditChainBroken(Exception):
    """The database's chain does not reach the anchor's last line: sealing would hide the break."""


def _check_tail(last: AuditEvent | None) -> None:
    """Refuse when the database's newest seal is not the anchor's newest line (seq, event, hash)."""
    anchor = read_anchor()
    db_seq = (last.seal_seq or 0) if last else 0
    if not anchor:
        if db_seq:
            raise AuditChainBroken(
                f"the log holds {db_seq} sealed events but the anchor file is missing or empty:"
                " the anchor was removed or replaced"
            )
        return
    anchor_seq, anchor_event, anchor_hash = anchor[-1]
    if last is None or db_seq < anchor_seq:
        raise AuditChainBroken(
            f"the anchor names seal {anchor_seq} (event {anchor_event}) but the log ends at seal {db_seq}:"
            " the newest events were cut off"
        )
    if db_seq > anchor_seq:
        raise AuditChainBroken(
            f"the log ends at seal {db_seq} but the anchor's last line is seal {anchor_seq}:"
            " the anchor lost lines or the log was sealed past it"
        )
    if last.pk != anchor_event or last.seal_hash != anchor_hash:
        raise AuditChainBroken(f"seal {db_seq} (event {last.pk}) differs from the anchor: the chain was rewritten")


def _complete_interrupted_seal(last: AuditEvent | None) -> bool:
    """A sealing run killed after its anchor line was written and before its transaction committed
    leaves the anchor one line ahead of the database, with the events it had chained unsealed. If
    chaining the next unsealed events in id order from the database's tail gives exactly the
    anchor's last line (same count, last event and hash), those are the events it sealed: seal them
    again, with the same hashes, and the anchor and the database agree. Anything else (a line that
    does not follow the database's tail, another hash) is left to _check_tail(), which refuses.
    Returns whether it completed one."""
    anchor = read_anchor()
    if not anchor:
        return False
    anchor_seq, anchor_event, anchor_hash = anchor[-1]
    db_seq = (last.seal_seq or 0) if last else 0
    if anchor_seq <= db_seq:
        return False
    if last is None:
        if len(anchor) != 1:
            return False
        previous = GENESIS_HASH
    else:
        if len(anchor) < 2 or anchor[-2] != (db_seq, last.pk, last.seal_hash):
            return False
        previous = last.seal_hash
    count = anchor_seq - db_seq
    batch = list(AuditEvent.objects.filter(seal_seq__isnull=True).order_by("id")[:count])
    if len(batch) != count or batch[-1].pk != anchor_event:
        return False
    seq = db_seq
    now = timezone.now()
    for event in batch:
        seq += 1
        previous = chain_hash(previous, event)
        event.seal_seq, event.seal_hash, event.sealed_at = seq, previous, now
    if previous != anchor_hash:
        return False
    AuditEvent.objects.bulk_update(batch, ["seal_seq", "seal_hash", "sealed_at"], batch_size=500)
    logger.warning("audit: completed seals %s-%s of an interrupted sealing run", db_seq + 1, anchor_seq)
    return True


def raise_alarm(problem: str) -> None:
    """Tell the privacy officer: the banner on every page (cache) and an e-mail (through the signal)."""
    from django.core.cache import cache

    cache.set(ALARM_CACHE_KEY, {"problem": problem, "at": timezone.now().isoformat()}, ALARM_CACHE_SECONDS)
    # The receivers queue e-mail; a failing receiver must not hide the refusal itself.
    audit_alarm.send_robust(sender=AuditChainBroken, problem=problem)


def current_alarm() -> dict | None:
    from django.core.cache import cache

    return cache.get(ALARM_CACHE_KEY)


def clear_alarm() -> None:
    from django.core.cache import cache

    cache.delete(ALARM_CACHE_KEY)


def seal() -> int:
    """Chain every unsealed event. Returns how many were sealed.

    Raises AuditChainBroken (after raising the alarm) when the chain in the database does not end
    where the anchor's last line says."""
    try:
        return _seal()
    except AuditChainBroken as broken:
        # Outside the sealing transaction, which the refusal rolled back: the alarm's e-mails stay.
        raise_alarm(str(broken))
        raise


def _seal() -> int:
    total = 0
    while True:
        with transaction.atomic():
            _lock_sealer()
            last = AuditEvent.objects.filter(seal_seq__isnull=False).order_by("-seal_seq").first()
            if _complete_interrupted_seal(last):
                continue
            _check_tail(last)
            seq: int = (last.seal_seq or 0) if last else 0
            previous = last.seal_hash if last else GENESIS_HASH
            batch = list(AuditEvent.objects.filter(seal_seq__isnull=True).order_by("id")[:SEAL_BATCH])
            if not batch:
                return total
            now = timezone.now()
            for event in batch:
                seq += 1
                previous = chain_hash(previous, event)
                event.seal_seq = seq
                event.seal_hash = previous
                event.sealed_at = now
            AuditEvent.objects.bulk_update(batch, ["seal_seq", "seal_hash", "sealed_at"], batch_size=500)
            # The anchor is written inside the transaction: if the commit failed, the anchor would
            # be ahead of the database and the next seal and verify() would say so, the safe direction.
            _write_anchor(seq, batch[-1].pk, previous)
            total += len(batch)


def reanchor(*, reason: str) -> tuple[int, int, str]:
    """Start a new anchor at the database's sealed tail, after the privacy officer investigated a
    break and moved the old anchor file aside (kept as evidence). Refused when the anchor file still
    exists, or when the chain in the database has an edited or missing event. Logged, and the
    alarm is cleared."""
    if anchor_path().exists() and anchor_path().stat().st_size:
        raise AuditChainBroken(f"{anchor_path()} still exists: move it aside (keep it) before re-anchoring")
    with transaction.atomic():
        _lock_sealer()
        own = verify_chain()
        if own.problems:
            raise AuditChainBroken("the chain in the database is not consistent: " + "; ".join(own.problems))
        last = AuditEvent.objects.filter(seal_seq__isnull=False).order_by("-seal_seq").first()
        seq, event_id, digest = (last.seal_seq or 0, last.pk, last.seal_hash) if last else (0, 0, GENESIS_HASH)
        if seq:
            _write_anchor(seq, event_id, digest)
        record(
            actor=None,
            action=AuditAction.UPDATE,
            object_type="privacy.auditanchor",
            detail={"reanchored_at_seal": seq, "reason": reason[:200]},
        )
    clear_alarm()
    return seq, event_id, digest


@dataclass
class VerifyResult:
    ok: bool
    sealed: int = 0
    unsealed: int = 0
    problems: list[str] = field(default_factory=list)


def verify() -> VerifyResult:
    """The chain in itself, then held against every line of the anchor."""
    return _verify(with_anchor=True)


def verify_chain() -> VerifyResult:
    """Only the chain in the database: every event matches its seal and no seal number is missing."""
    return _verify(with_anchor=False)


def _verify(*, with_anchor: bool) -> VerifyResult:
    result = VerifyResult(ok=True)
    previous = GENESIS_HASH
    expected_seq = 1
    # Events past their retention were deleted from the start of the chain; it continues from the
    # seal recorded when they were (the newest such record counts).
    expiry = (
        AuditEvent.objects.filter(action=AuditAction.DELETE, object_type="privacy.auditevent", purpose="retention")
        .order_by("-id")
        .values_list("detail", flat=True)
        .first()
    )
    if expiry and EXPIRY_KEY in expiry:
        previous = expiry[EXPIRY_KEY]["seal_hash"]
        expected_seq = int(expiry[EXPIRY_KEY]["seal_seq"]) + 1
    hashes_by_seq: dict[int, str] = {}
    ids_by_seq: dict[int, int] = {}
    queryset = AuditEvent.objects.filter(seal_seq__isnull=False).order_by("seal_seq")
    for event in queryset.iterator(chunk_size=2000):
        if event.seal_seq != expected_seq:
            result.problems.append(
                f"seal sequence jumps from {expected_seq - 1} to {event.seal_seq}: events are missing"
            )
            previous = event.seal_hash  # resynchronise so that one gap is reported once
            expected_seq = (event.seal_seq or 0) + 1
            hashes_by_seq[event.seal_seq or 0] = event.seal_hash
            ids_by_seq[event.seal_seq or 0] = event.pk
            continue
        digest = chain_hash(previous, event)
        if digest != event.seal_hash:
            result.problems.append(f"event {event.pk} (seal {event.seal_seq}) does not match its seal: edited")
        previous = event.seal_hash
        hashes_by_seq[event.seal_seq] = event.seal_hash
        ids_by_seq[event.seal_seq] = event.pk
        expected_seq += 1
        result.sealed += 1
    last_seq = expected_seq - 1
    anchor = read_anchor() if with_anchor else []
    # Every anchor line must name a seal the log still holds, with the same event and hash, and the
    # lines must climb: otherwise a cut tail sealed over afterwards would pass (only the last line
    # was compared before).
    previous_line_seq = 0
    for seq, event_id, digest in anchor:
        if seq <= previous_line_seq:
            result.problems.append(
                f"anchor line for seal {seq} follows one for seal {previous_line_seq}: the anchor was reordered"
            )
        previous_line_seq = max(previous_line_seq, seq)
        if seq > last_seq:
            result.problems.append(
                f"the anchor names seal {seq} (event {event_id}) but the log ends at seal {last_seq}:"
                " the newest events were cut off"
            )
        elif seq not in hashes_by_seq:
            result.problems.append(f"the anchor names seal {seq} (event {event_id}) which the log no longer holds")
        elif hashes_by_seq[seq] != digest or ids_by_seq[seq] != event_id:
            result.problems.append(f"seal {seq} (event {event_id}) differs from the anchor: the chain was rewritten")
    if anchor and last_seq > anchor[-1][0]:
        result.problems.append(
            f"the log is sealed up to seal {last_seq} but the anchor's last line is seal {anchor[-1][0]}:"
            " the anchor lost lines"
        )
    if with_anchor and not anchor and last_seq:
        result.problems.append("there is no anchor file, so a cut-off tail cannot be ruled out")
    result.unsealed = AuditEvent.objects.filter(seal_seq__isnull=True).count()
    result.ok = not result.problems
    return result
