"""The referrals' panels on the trajectory page and the caseload (see trajectories/panels.py)."""

from __future__ import annotations

from django.utils import timezone

from stijging.links import row_link
from stijging.trajectories.panels import Panel

from . import access, selectors


def caseload_panel(user) -> Panel:
    return Panel(
        "referrals/_caseload_panel.html",
        {
            "rows": selectors.waiting_on_partner(user),
            # The row link reversed once and filled in per row (the `fill` filter).
            "referral_url": row_link("referrals:referral"),
        },
    )


def trajectory_panel(user, trajectory) -> Panel:
    today = timezone.localdate()
    rows = [(r, r.is_overdue(today)) for r in selectors.referrals_of_trajectory(user, trajectory)]
    return Panel(
        "referrals/_trajectory_panel.html",
        {
            "rows": rows,
            "trajectory": trajectory,
            "may_send": access.may_send(user, trajectory.programme_id) and not trajectory.is_closed,
        },
    )


def timeline_entries(user, person) -> list:
    """Each step of the person's referrals, for their timeline (one query)."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from stijging.trajectories.selectors import TimelineEntry

    from .models import Referral, ReferralEvent

    events = (
        ReferralEvent.objects.filter(referral__in=Referral.objects.visible_to(user).filter(person=person))
        .select_related("referral__organisation")
        .order_by("at")
    )
    return [
        TimelineEntry(
            timezone.localtime(event.at).date(),
            "referral",
            _("Referral to %(organisation)s: %(status)s")
            % {"organisation": event.referral.organisation, "status": event.get_to_status_display()},
            reverse("referrals:referral", args=[event.referral_id]),
        )
        for event in events
    ]
