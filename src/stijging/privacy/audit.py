"""Writing, sealing and verifying the audit log.

`record()` only inserts: no lock, no read of earlier events, so it costs one INSERT per request.
`seal()` (run by `stijging tick`) chains the unsealed events in id order: each event's hash covers its
own content and the hash of the event sealed before it. The newest hash is appended to an anchor
file outside the database, which the privacy officer keeps. `verify()` recomputes the chain and
compares it with the anchor, so an edited event, a deleted event and a cut-off tail all show.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from . import context
from .models import AuditAction, AuditEvent, AuditOutcome

GENESIS_HASH = "0" * 64
SEAL_BATCH = 2000
# The detail key of the event that retention writes before it deletes the oldest sealed events
# (privacy.retention.audit_events_expire): the seal the remaining chain continues from.
EXPIRY_KEY = "expired_through"


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


def seal() -> int:
    """Chain every unsealed event. Returns how many were sealed."""
    total = 0
    while True:
        with transaction.atomic():
            _lock_sealer()
            last = AuditEvent.objects.filter(seal_seq__isnull=False).order_by("-seal_seq").first()
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
            # be ahead of the database and verify() would say so, which is the safe direction.
            _write_anchor(seq, batch[-1].pk, previous)
            total += len(batch)


@dataclass
class VerifyResult:
    ok: bool
    sealed: int = 0
    unsealed: int = 0
    problems: list[str] = field(default_factory=list)


def verify() -> VerifyResult:
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
    queryset = AuditEvent.objects.filter(seal_seq__isnull=False).order_by("seal_seq")
    for event in queryset.iterator(chunk_size=2000):
        if event.seal_seq != expected_seq:
            result.problems.append(
                f"seal sequence jumps from {expected_seq - 1} to {event.seal_seq}: events are missing"
            )
            previous = event.seal_hash  # resynchronise so that one gap is reported once
            expected_seq = (event.seal_seq or 0) + 1
            hashes_by_seq[event.seal_seq or 0] = event.seal_hash
            continue
        digest = chain_hash(previous, event)
        if digest != event.seal_hash:
            result.problems.append(f"event {event.pk} (seal {event.seal_seq}) does not match its seal: edited")
        previous = event.seal_hash
        hashes_by_seq[event.seal_seq] = event.seal_hash
        expected_seq += 1
        result.sealed += 1
    last_seq = expected_seq - 1
    anchor = read_anchor()
    if anchor:
        anchor_seq, anchor_event, anchor_hash = anchor[-1]
        if anchor_seq > last_seq:
            result.problems.append(
                f"the anchor names seal {anchor_seq} (event {anchor_event}) but the log ends at seal {last_seq}:"
                " the newest events were cut off"
            )
        for seq, event_id, digest in anchor:
            if seq in hashes_by_seq and hashes_by_seq[seq] != digest:
                result.problems.append(
                    f"seal {seq} (event {event_id}) differs from the anchor: the chain was rewritten"
                )
    elif last_seq:
        result.problems.append("there is no anchor file, so a cut-off tail cannot be ruled out")
    result.unsealed = AuditEvent.objects.filter(seal_seq__isnull=True).count()
    result.ok = not result.problems
    return result
