"""Working days for service levels: weekends and Dutch public holidays excluded.

The holidays counted (the general days off of most collective agreements): Nieuwjaarsdag, Eerste
and Tweede Paasdag, Koningsdag (27 April, or 26 April when the 27th is a Sunday), Bevrijdingsdag
(5 May — counted every year, not only in lustrum years: partners in care and welfare mostly close
on it, and a service level should not fall due on a day nobody answers), Hemelvaartsdag, Eerste and
Tweede Pinksterdag, Eerste and Tweede Kerstdag. Goede Vrijdag is not a general day off and counts as a
working day.
"""

from __future__ import annotations

import datetime
from functools import lru_cache


def easter(year: int) -> datetime.date:
    """Easter Sunday of the Gregorian calendar (the anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return datetime.date(year, month, day + 1)


@lru_cache(maxsize=64)
def public_holidays(year: int) -> frozenset[datetime.date]:
    sunday = easter(year)
    day = datetime.timedelta(days=1)
    kings_day = datetime.date(year, 4, 27)
    if kings_day.weekday() == 6:
        kings_day = datetime.date(year, 4, 26)
    return frozenset(
        {
            datetime.date(year, 1, 1),
            sunday,
            sunday + day,  # Tweede Paasdag
            kings_day,
            datetime.date(year, 5, 5),
            sunday + 39 * day,  # Hemelvaartsdag
            sunday + 49 * day,  # Eerste Pinksterdag
            sunday + 50 * day,  # Tweede Pinksterdag
            datetime.date(year, 12, 25),
            datetime.date(year, 12, 26),
        }
    )


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
