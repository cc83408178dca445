"""Working days for service levels: weekends and Dutch public holidays excluded.

The Dutch public holidays come from the maintained `holidays` package (the days of the Algemene
termijnenwet: Nieuwjaarsdag, Pasen, Koningsdag — 26 April when the 27th is a Sunday —,
Hemelvaartsdag, Pinksteren, Kerstmis, and Bevrijdingsdag in lustrum years). On top of it the
programme keeps its own two rules, the general days off of most collective agreements in care and
welfare:

- Bevrijdingsdag (5 May) counts every year, not only in lustrum years: partners mostly close on
  it, and a service level should not fall due on a day nobody answers.
- Goede Vrijdag is a working day: the law counts it for its deadlines, but it is not a general day
  off, and partners answer on it.
"""

from __future__ import annotations

import datetime
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def public_holidays(year: int) -> frozenset[datetime.date]:
    dutch = holidays.country_holidays("NL", years=year, language="nl")
    good_friday = {day for day, name in dutch.items() if name == "Goede vrijdag"}
    return frozenset((set(dutch) - good_friday) | {datetime.date(year, 5, 5)})


def is_working_day(date: datetime.date) -> bool:
    return date.weekday() < 5 and date not in public_holidays(date.year)


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date `days` working days after `start` (the day of sending itself does not count)."""
    date = start
    remaining = days
    while remaining > 0:
        date += datetime.timedelta(days=1)
        if is_working_day(date):
            remaining -= 1
    return date


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after `start` up to and including `end` (0 when answered the same day)."""
    if end <= start:
        return 0
    count = 0
    date = start
    while date < end:
        date += datetime.timedelta(days=1)
        if is_working_day(date):
            count += 1
    return count
