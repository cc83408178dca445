"""axe-core on every page the walk tests do not already pass through: outreach, search, import,
the privacy officer's screens, the caseload, the timeline and the programme home as the manager."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ..referrals.factories import send_referral

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed rows: a transactional database (see tests/e2e/conftest.py).
    pytest.mark.django_db(transaction=True),
]


def visit(page, path: str, check_a11y, screenshot, step: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 200, f"{path}: {response and response.status}"
    check_a11y(page)
    screenshot(page, step)


def test_the_remaining_pages_pass_axe_for_the_roles_that_use_them(new_page, world, login_as, check_a11y, screenshot):
    site = world.own
    send_referral(site, world)  # a trajectory, a referral and a conversation for the adult
    fieldworker_pages = [
        reverse("outreach:household", args=[site.household.pk]),
        reverse("outreach:agenda") + "?view=week",
        reverse("outreach:walking_list", args=[site.programme.slug, site.area.pk, site.street.pk]),
        reverse("outreach:address_note", args=[site.address.pk]),
        reverse("registry:search") + "?q=Anna",
        reverse("registry:search") + f"?q={site.address.postcode}",
        reverse("trajectories:timeline", args=[site.adult.pk]),
        reverse("registry:household_move", args=[site.household.pk]),
        reverse("registry:member_add", args=[site.household.pk]),
        reverse("registry:person_edit", args=[site.adult.pk]),
    ]
    by_role = {
        "fieldworker": fieldworker_pages,
        "case_manager": [reverse("trajectories:caseload"), reverse("trajectories:hand_over")],
        "admin": [reverse("registry:area_import", args=[site.programme.slug, site.area.pk])],
        "privacy_officer": [
            reverse("privacy:audit_log"),
            reverse("privacy:legal_grounds"),
            reverse("privacy:legal_ground_create"),
        ],
        "manager": [
            reverse("monitoring:programme", args=[site.programme.slug]),
            # Issue 14: the filtered figure pages (period and area in the URL).
            reverse("monitoring:programme", args=[site.programme.slug])
            + "?period=custom&from=2020-01-01&to=2030-01-01",
            reverse("monitoring:housing", args=[site.programme.slug]) + "?period=all",
            reverse("monitoring:turnover", args=[site.programme.slug]) + "?period=all",
            reverse("monitoring:cohesion", args=[site.programme.slug]) + "?period=all",
        ],
        "partner": [reverse("referrals:inbox")],
    }
    for role, paths in by_role.items():
        page = new_page()
        login_as(page, world.user(role))
        for number, path in enumerate(paths):
            visit(page, path, check_a11y, screenshot, f"{role}-{number}")
        page.context.close()
