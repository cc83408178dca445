"""The outreach status of a household, derived — never typed by hand.

Rules, in order:
1. an objection (AVG art. 21) is final: *objected*, do not contact;
2. a held conversation is final: *reached*;
3. otherwise the latest attempt decides: moved away → *moved*, refused → *refused*;
4. a planned appointment in the future → *appointment planned*;
5. any attempt → *not reached yet*; none → *not approached yet*.
A later attempt can undo a refusal (the household changed its mind), never an objection.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from .models import Outcome, OutreachStatus


@dataclass(frozen=True)
class AttemptFact:
    date: datetime.date
    outcome: str
    order: int = 0  # tie-break within one day: the order of recording


def derive(attempts: Iterable[AttemptFact], *, has_planned_appointment: bool) -> str:
    attempts = sorted(attempts, key=lambda a: (a.date, a.order))
    outcomes = {a.outcome for a in attempts}
    if Outcome.OBJECTED in outcomes:
        return OutreachStatus.OBJECTED
    if Outcome.HELD in outcomes:
        return OutreachStatus.REACHED
    latest = attempts[-1].outcome if attempts else None
    if latest == Outcome.MOVED:
        return OutreachStatus.MOVED
    if latest == Outcome.REFUSED:
        return OutreachStatus.REFUSED
    if has_planned_appointment:
        return OutreachStatus.APPOINTMENT
    if attempts:
        return OutreachStatus.ATTEMPTED
    return OutreachStatus.NOT_APPROACHED
