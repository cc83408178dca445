"""The demo, crawled as every demo user: following the links a user is shown, no page names a
resident that user's role may not see (issue 11: "the demo, crawled as every role, shows no
resident's name to a role that may not see it, the admin included")."""

from __future__ import annotations

import re
from collections import deque

import pytest
from django.db import transaction
from django.test import Client

from stijging.accounts.models import CASE_ROLES, Role, User
from stijging.cohesion.models import Participant
from stijging.demo.seed import seed_demo
from stijging.referrals.models import Referral
from stijging.registry.models import HouseholdMembership, Person, full_name_of
from stijging.trajectories.models import Trajectory

pytestmark = pytest.mark.django_db

LINK = re.compile(r'href="(/[^"#]*)"')
SKIP = ("/accounts/logout", "/i18n/", "/static/", "/health/")
PAGES_PER_USER = 120
PER_SHAPE = 2  # pages of the same shape (ids replaced) visited per user


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        seed_demo()
        yield
        transaction.set_rollback(True)


def _names(persons) -> set[str]:
    return {full_name_of(g, t, f) for g, t, f in persons.values_list("given_names", "tussenvoegsel", "family_name")}


def _allowed_persons(user: User):
    """The persons whose names this user may meet somewhere in the application."""
    case_programmes = user.programme_ids_with(CASE_ROLES | {Role.PRIVACY_OFFICER})
    allowed = Person.objects.none()
    if case_programmes:
        ever_lived = HouseholdMembership.objects.filter(
            household__residences__address__area__programme_id__in=case_programmes
        ).values("person_id")
        records = Trajectory.objects.filter(programme_id__in=case_programmes).values("person_id")
        allowed = Person.objects.filter(pk__in=ever_lived) | Person.objects.filter(pk__in=records)
    if user.has_role(Role.PARTNER):
        referred = Referral.objects.filter(organisation_id=user.organisation_id).values("person_id")
        allowed = allowed | Person.objects.filter(pk__in=referred)
    return allowed


def _crawl(client: Client) -> dict[str, str]:
    seen_shapes: dict[str, int] = {}
    pages: dict[str, str] = {}
    queue = deque(["/"])
    visited = set()
    while queue and len(pages) < PAGES_PER_USER:
        url = queue.popleft()
        if url in visited or url.startswith(SKIP):
            continue
        visited.add(url)
        shape = re.sub(r"\d+", "N", url.split("?")[0])
        if seen_shapes.get(shape, 0) >= PER_SHAPE:
            continue
        seen_shapes[shape] = seen_shapes.get(shape, 0) + 1
        response = client.get(url)
        if response.status_code in (301, 302) and response["Location"].startswith("/"):
            queue.append(response["Location"])
            continue
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        pages[url] = html
        queue.extend(link.replace("&amp;", "&") for link in LINK.findall(html))
    return pages


def test_no_demo_user_meets_a_name_their_role_may_not_see(demo):
    everyone = _names(Person.objects.all())
    # The coordinator's own records name participants and, for a child, the parent who agreed.
    participant_names = {n for pair in Participant.objects.values_list("name", "parent_name") for n in pair if n}
    users = User.objects.filter(email__endswith="@demo.stijging.nl", is_active=True).order_by("email")
    assert users.count() >= 14
    problems = []
    crawled = 0
    for user in users:
        allowed = _names(_allowed_persons(user))
        if user.has_role(Role.COORDINATOR):
            allowed |= participant_names
        forbidden = {name for name in everyone - allowed if len(name) >= 8}
        client = Client()
        client.force_login(user)
        pages = _crawl(client)
        crawled += len(pages)
        assert len(pages) > 3, f"{user.email} reached only {list(pages)}"
        for url, html in pages.items():
            shown = sorted(name for name in forbidden if name in html)
            if shown:
                problems.append(f"{user.email} {url}: {shown[:3]}")
    assert not problems, "\n".join(problems)
    assert crawled > 200
