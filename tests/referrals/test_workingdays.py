"""Working days: weekends and the Dutch public holidays (the `holidays` package, with the programme's
own rules of referrals/workingdays.py on top)."""

from __future__ import annotations

import datetime

import pytest

from stijging.referrals import workingdays

D = datetime.date


@pytest.mark.parametrize(
    "year,expected",
    [
        (2000, D(2000, 4, 23)),
        (2019, D(2019, 4, 21)),
        (2024, D(2024, 3, 31)),
        (2025, D(2025, 4, 20)),
        (2026, D(2026, 4, 5)),
        (2027, D(2027, 3, 28)),
        (2038, D(2038, 4, 25)),
    ],
)
def test_easter_and_the_days_that_follow_it_match_the_calendar(year, expected):
    holidays = workingdays.public_holidays(year)
    day = datetime.timedelta(days=1)
    assert {expected, expected + day, expected + 39 * day, expected + 49 * day, expected + 50 * day} <= holidays
    assert expected - 2 * day not in holidays  # Goede Vrijdag: the programme's rule


@pytest.mark.parametrize("year", [2023, 2026, 2027, 2031])
def test_bevrijdingsdag_counts_every_year_not_only_in_lustrum_years(year):
    assert D(year, 5, 5) in workingdays.public_holidays(year)
    assert not workingdays.is_working_day(D(year, 5, 5))


def test_the_holidays_of_2026():
    assert workingdays.public_holidays(2026) == {
        D(2026, 1, 1),
        D(2026, 4, 5),
        D(2026, 4, 6),
        D(2026, 4, 27),
        D(2026, 5, 5),
        D(2026, 5, 14),
        D(2026, 5, 24),
        D(2026, 5, 25),
        D(2026, 12, 25),
        D(2026, 12, 26),
    }


def test_kings_day_moves_to_saturday_when_the_27th_is_a_sunday():
    assert D(2025, 4, 27).weekday() == 6
    assert D(2025, 4, 26) in workingdays.public_holidays(2025)
    assert D(2025, 4, 27) not in workingdays.public_holidays(2025)


def test_good_friday_is_a_working_day():
    assert workingdays.is_working_day(D(2026, 4, 3))


def test_three_working_days_across_easter_skip_easter_monday():
    # Thu 2 April 2026 → Fri 3 (Good Friday works), [Sat, Sun, Easter Monday], Tue 7, Wed 8.
    assert workingdays.add_working_days(D(2026, 4, 2), 3) == D(2026, 4, 8)


def test_three_working_days_across_kings_day():
    # Fri 24 April 2026 → [Sat, Sun, Koningsdag Mon 27], Tue 28, Wed 29, Thu 30.
    assert workingdays.add_working_days(D(2026, 4, 24), 3) == D(2026, 4, 30)


def test_three_working_days_across_christmas_and_new_year():
    # Wed 23 Dec 2026 → Thu 24, [25, 26, Sun 27], Mon 28, Tue 29.
    assert workingdays.add_working_days(D(2026, 12, 23), 3) == D(2026, 12, 29)
    # Tue 29 Dec 2026 → Wed 30, Thu 31, [New Year's Day Fri 1 Jan], Mon 4 Jan.
    assert workingdays.add_working_days(D(2026, 12, 29), 3) == D(2027, 1, 4)


def test_a_referral_answered_on_the_last_working_day_before_a_holiday_is_on_time():
    sent = D(2026, 4, 21)  # Tuesday
    due = workingdays.add_working_days(sent, 3)
    assert due == D(2026, 4, 24)  # Friday, the last working day before Koningsdag (Mon 27 April)
    assert workingdays.working_days_between(sent, D(2026, 4, 24)) == 3
    # Answered the next working day, Tue 28 April, it is one working day late.
    assert workingdays.working_days_between(sent, D(2026, 4, 28)) == 4


def test_working_days_between_the_same_day_is_zero():
    assert workingdays.working_days_between(D(2026, 4, 21), D(2026, 4, 21)) == 0
