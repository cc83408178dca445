"""The demo's caseloads (issue 19): the trajectories spread over several case managers of De Ruit,
each a demo user who can log in, with last-activity dates that vary (recent, and some quiet)."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from stijging.accounts.models import Role, User
from stijging.demo.seed import DEMO_PASSWORD, DEMO_USERS, seed_demo
from stijging.registry.models import Programme
from stijging.trajectories.models import INACTIVITY_DAYS, Trajectory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo, seeded once for this module and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        seed_demo()
        yield Programme.objects.get(slug="de-ruit")
        transaction.set_rollback(True)


def _case_managers() -> list[str]:
    return [email for email, _first, _last, role, _org in DEMO_USERS if role == Role.CASE_MANAGER]


def test_the_trajectories_are_spread_over_four_case_managers_with_different_caseloads(demo):
    emails = _case_managers()
    assert len(emails) == 4
    loads = Counter(Trajectory.objects.filter(programme=demo).values_list("case_manager__email", flat=True))
    assert set(loads) == set(emails)
    total = sum(loads.values())
    shares = sorted((loads[email] / total for email in emails), reverse=True)
    # One full caseload, smaller ones beside it: no two the same size, none empty.
    assert shares[0] > 0.3 and shares[-1] > 0.05 and len({loads[e] for e in emails}) == 4
    for email in emails:
        user = User.objects.get(email=email)
        assert user.check_password(DEMO_PASSWORD)
        assert demo.pk in user.programme_ids_with({Role.CASE_MANAGER})


def test_last_activity_dates_vary_and_some_trajectories_are_quiet(demo):
    now = timezone.now()
    dates = list(Trajectory.objects.filter(programme=demo).values_list("case_manager__email", "last_activity_at"))
    days = [(now - at).days for _email, at in dates]
    assert all(d >= 0 for d in days)
    assert len(set(days)) > 20  # not all touched at seeding time
    assert sum(d <= 14 for d in days) > len(days) / 4
    quiet = [email for (email, _at), d in zip(dates, days, strict=True) if d > INACTIVITY_DAYS]
    assert 10 <= len(quiet) < 0.6 * len(days)
    assert len(set(quiet)) >= 3  # several case managers have something quiet to look at


def test_each_case_manager_opens_their_own_caseload(demo):
    for email in _case_managers():
        client = Client()
        client.force_login(User.objects.get(email=email))
        response = client.get(reverse("trajectories:caseload"))
        assert response.status_code == 200, email
        mine = set(Trajectory.objects.filter(programme=demo, case_manager__email=email).values_list("pk", flat=True))
        listed = {t.pk for t in response.context["load"].trajectories}
        assert listed and listed <= mine, email
