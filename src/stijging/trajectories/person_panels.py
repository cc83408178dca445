"""What the trajectories floor shows on the registry's person and household pages (registry/panels.py)."""

from __future__ import annotations

from stijging.panels import Panel
from stijging.registry.selectors import person_programme_id

from . import access, selectors


def person_panel(user, person) -> Panel | None:
    if not access.has_caseload(user) and not user.has_role("fieldworker"):
        return None
    programme_id = person_programme_id(person.pk) or 0
    return Panel(
        "trajectories/_person_panel.html",
        {
            "person": person,
            "trajectories": selectors.trajectories_of_person(user, person),
            "rise": selectors.rise_of(user, person, programme_id),
            # The role in the person's own programme, not "a case manager somewhere".
            "may_manage": access.may_manage(user, programme_id),
        },
    )


def household_panel(user, household) -> Panel | None:
    trajectories = selectors.trajectories_of_household(user, household)
    open_ones = [t for t in trajectories if not t.is_closed]
    # One household, one plan: the coordinating case manager is the one with most open trajectories
    # in the household (the earliest opened decides a tie).
    counts: dict = {}
    for trajectory in sorted(open_ones, key=lambda t: t.opened_at):
        counts.setdefault(trajectory.case_manager, 0)
        counts[trajectory.case_manager] += 1
    coordinator = max(counts, key=lambda cm: counts[cm]) if counts else None
    return Panel(
        "trajectories/_household_panel.html",
        {"trajectories": trajectories, "coordinator": coordinator, "household": household},
    )
