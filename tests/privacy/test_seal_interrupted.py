"""A sealing run killed after it wrote its anchor line and before its transaction committed (the
kill tests in tests/core/test_tick_faults.py hit this window now and then; here it is made
deterministic): the next run completes exactly that seal instead of raising the tampering alarm,
and refuses when the events are no longer the ones the anchor line covers."""

from __future__ import annotations

import pytest

from stijging.privacy import audit
from stijging.privacy.models import AuditEvent


class Killed(BaseException):
    """Stands in for SIGKILL: nothing after it runs, the transaction does not commit."""


def events(n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        audit.record(actor=None, action="view", object_type="test.thing", object_id=i)


def seal_killed_after_the_anchor(monkeypatch) -> None:
    real = audit._write_anchor

    def write_then_die(*args):
        real(*args)
        raise Killed

    monkeypatch.setattr(audit, "_write_anchor", write_then_die)
    with pytest.raises(Killed):
        audit.seal()
    monkeypatch.setattr(audit, "_write_anchor", real)


@pytest.mark.django_db
@pytest.mark.parametrize("sealed_before", [0, 3], ids=["first-seal", "later-seal"])
def test_the_next_run_completes_the_interrupted_seal(monkeypatch, sealed_before):
    if sealed_before:
        events(sealed_before)
        audit.seal()
    events(4, start=10)
    seal_killed_after_the_anchor(monkeypatch)
    assert AuditEvent.objects.filter(seal_seq__isnull=True).count() == 4  # rolled back
    assert audit.read_anchor()[-1][0] == sealed_before + 4  # the anchor is ahead

    events(2, start=20)  # written meanwhile: sealed after the completed ones
    audit.seal()
    assert audit.current_alarm() is None
    result = audit.verify()
    assert result.ok, result.problems
    assert (result.sealed, result.unsealed) == (sealed_before + 6, 0)
    assert list(AuditEvent.objects.order_by("id").values_list("seal_seq", flat=True)) == list(
        range(1, sealed_before + 7)
    )


@pytest.mark.django_db
def test_an_anchor_line_that_does_not_match_the_unsealed_events_still_raises_the_alarm(monkeypatch):
    events(3)
    audit.seal()
    events(4, start=10)
    seal_killed_after_the_anchor(monkeypatch)
    # The line ahead names a hash that the unsealed events do not give (as if events were altered
    # or the line forged): not an interrupted seal, so the sealer refuses.
    path = audit.anchor_path()
    lines = path.read_text().splitlines()
    stamp, seq, event_id, digest = lines[-1].split()
    lines[-1] = f"{stamp} {seq} {event_id} {'f' * 64}"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(audit.AuditChainBroken):
        audit.seal()
    assert audit.current_alarm() is not None
