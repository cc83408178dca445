"""What the conversations floor shows on the registry's household page (registry/panels.py): the
household's conversations, so that a worker goes on with a visit instead of starting a second one."""

from __future__ import annotations

from django.db.models import Count
from django.utils import timezone

from stijging.accounts.models import case_programme_ids
from stijging.panels import Panel

from . import selectors


def household_panel(user, household) -> Panel | None:
    if not case_programme_ids(user):
        return None
    conversations = list(
        selectors.conversations_of_household(user, household).annotate(interview_count=Count("interviews"))
    )
    today = timezone.localdate()
    return Panel(
        "conversations/_household_panel.html",
        {
            "household": household,
            "conversations": conversations,
            "todays": next((c for c in conversations if c.held_on == today), None),
        },
    )
