"""Dates in the export are stored as ISO text (the JSON the resident may take along); the PDF shows
them the Dutch way."""

from __future__ import annotations

import datetime

from django import template
from django.utils import timezone
from django.utils.formats import date_format

register = template.Library()


@register.filter
def isodate(value: str | None, with_time: bool = False) -> str:
    if not value:
        return "—"
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        return value
    if len(value) <= 10:
        return date_format(parsed.date(), "j F Y")
    if timezone.is_aware(parsed):
        parsed = timezone.localtime(parsed)
    return date_format(parsed, "j F Y H:i" if with_time else "j F Y")
