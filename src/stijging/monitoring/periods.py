"""The period of every figure page, chosen in the URL so that a link reproduces the view (SPEC §7):
`?period=all` (the programme so far, the default), `?period=2026` (a year), `?period=2026-Q3` (a
quarter), or `?period=custom&from=2026-02-01&to=2026-04-30`. A period is cut to the programme's own
(from its start up to today or its end); what cannot be read falls back to the programme so far."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from stijging.registry.models import Programme

from .kpis import Period, programme_period

ALL = "all"
CUSTOM = "custom"
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True)
class PeriodChoice:
    key: str
    label: str
    period: Period


def quarter_period(year: int, quarter: int) -> Period:
    start = datetime.date(year, 3 * quarter - 2, 1)
    end = datetime.date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1) - datetime.timedelta(days=1)
    return Period(start=start, end=end)


def _clip(period: Period, whole: Period) -> Period | None:
    start, end = max(period.start, whole.start), min(period.end, whole.end)
    return Period(start=start, end=end) if start <= end else None


def choices(programme: Programme, today: datetime.date | None = None) -> list[PeriodChoice]:
    """The programme so far, then its quarters and its years, newest first, each cut to the programme."""
    whole = programme_period(programme, today)
    out = [PeriodChoice(ALL, _("The programme so far"), whole)]
    year, quarter = whole.end.year, (whole.end.month - 1) // 3 + 1
    while True:
        clipped = _clip(quarter_period(year, quarter), whole)
        if clipped is None:
            break
        out.append(
            PeriodChoice(f"{year}-Q{quarter}", _("Q%(quarter)s %(year)s") % {"quarter": quarter, "year": year}, clipped)
        )
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    for year in range(whole.end.year, whole.start.year - 1, -1):
        clipped = _clip(Period(datetime.date(year, 1, 1), datetime.date(year, 12, 31)), whole)
        if clipped is not None:
            out.append(PeriodChoice(str(year), str(year), clipped))
    return out


@dataclass(frozen=True)
class ChosenPeriod:
    key: str  # one of the choices' keys, or CUSTOM
    period: Period
    label: str
    date_from: str  # the custom dates as typed back into the form ("" unless custom)
    date_to: str


def _date(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def chosen(params, programme: Programme, today: datetime.date | None = None) -> ChosenPeriod:
    today = today or timezone.localdate()
    options = {choice.key: choice for choice in choices(programme, today)}
    key = params.get("period", ALL)
    if key == CUSTOM:
        start, end = _date(params.get("from", "")), _date(params.get("to", ""))
        if start and end:
            clipped = _clip(Period(start, end), options[ALL].period)
            if clipped is not None:
                label = _("%(start)s up to and including %(end)s") % {
                    "start": clipped.start.strftime("%d-%m-%Y"),
                    "end": clipped.end.strftime("%d-%m-%Y"),
                }
                return ChosenPeriod(CUSTOM, clipped, label, clipped.start.isoformat(), clipped.end.isoformat())
        key = ALL
    choice = options.get(key) or options[ALL]
    return ChosenPeriod(choice.key, choice.period, choice.label, "", "")
