"""The outreach status is derived from attempts and appointments, never typed (hand-computed cases)."""

import datetime

import pytest

from stijging.outreach.models import Outcome, OutreachStatus
from stijging.outreach.status import AttemptFact, derive

D = datetime.date


def facts(*items):
    return [AttemptFact(date=D(2026, 5, day), outcome=outcome, order=n) for n, (day, outcome) in enumerate(items)]


@pytest.mark.parametrize(
    "attempts,planned,expected",
    [
        ([], False, OutreachStatus.NOT_APPROACHED),
        ([], True, OutreachStatus.APPOINTMENT),
        ([(1, Outcome.NOT_HOME), (3, Outcome.NOT_HOME)], False, OutreachStatus.ATTEMPTED),
        ([(1, Outcome.NOT_HOME), (3, Outcome.APPOINTMENT)], True, OutreachStatus.APPOINTMENT),
        ([(1, Outcome.REFUSED)], False, OutreachStatus.REFUSED),
        # A refusal can be undone by a later appointment (the household changed its mind)…
        ([(1, Outcome.REFUSED), (9, Outcome.APPOINTMENT)], True, OutreachStatus.APPOINTMENT),
        # …an objection never: it is final.
        ([(1, Outcome.OBJECTED), (9, Outcome.APPOINTMENT)], True, OutreachStatus.OBJECTED),
        ([(1, Outcome.HELD), (9, Outcome.OBJECTED)], False, OutreachStatus.OBJECTED),
        ([(1, Outcome.HELD), (9, Outcome.REFUSED)], False, OutreachStatus.REACHED),
        ([(1, Outcome.NOT_HOME), (2, Outcome.MOVED)], False, OutreachStatus.MOVED),
        ([(2, Outcome.MOVED), (1, Outcome.NOT_HOME)], False, OutreachStatus.MOVED),  # order by date
        ([(1, Outcome.UNREACHABLE)], False, OutreachStatus.ATTEMPTED),
    ],
)
def test_status_follows_the_rules(attempts, planned, expected):
    assert derive(facts(*attempts), has_planned_appointment=planned) == expected


def test_two_attempts_on_one_day_are_ordered_as_recorded():
    same_day = [AttemptFact(D(2026, 5, 1), Outcome.REFUSED, 1), AttemptFact(D(2026, 5, 1), Outcome.NOT_HOME, 2)]
    assert derive(same_day, has_planned_appointment=False) == OutreachStatus.ATTEMPTED
