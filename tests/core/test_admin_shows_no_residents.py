"""No page of the configuration screens shows a resident's or participant's name: the admin walks
every /beheer/ link reachable from the index (change, history and delete-confirmation pages
included) in a world whose residents' names are known, and none of them may appear."""

from __future__ import annotations

import html
import re
from collections import deque

import pytest

from stijging.accounts.models import User

from ..accounts.factories import OrganisationFactory, UserFactory
from ..cohesion.factories import activity_of, participant_of
from ..referrals.factories import referral_of

# The world's residents are "Anna/Bram Ownsen" and "… Foreignsen" in households "Own family" and
# "Foreign family"; the neighbourhood track's participants are "Noor Ownberg" and "Noor Foreignberg".
RESIDENT_NAMES = ("Ownsen", "Foreignsen", "Own family", "Foreign family", "Ownberg", "Foreignberg")
LINK = re.compile(r'href="(/beheer/[^"#]*)"')
# Leaving the site or changing state is not looking; everything else is walked.
SKIP = ("/beheer/logout/", "/beheer/password_change/", "/beheer/jsi18n/", "/beheer/r/")
MAX_PAGES = 600


def _filled_world(world):
    for site in (world.own, world.foreign):
        referral_of(site, world)  # a conversation, a trajectory and a referral with their people
        participant_of(site, world)
        activity_of(site, world)
    # One organisation with nothing attached, so that a delete confirmation is shown in full.
    OrganisationFactory(name="Lege organisatie")


def _crawl(client) -> dict[str, str]:
    seen: dict[str, str] = {}
    queue = deque(["/beheer/"])
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        if url in seen or url.startswith(SKIP):
            continue
        # Followed, so that the page a refusal lands on (with its message) is read too.
        response = client.get(url, follow=True)
        body = response.content.decode() if response.status_code == 200 else ""
        seen[url] = body
        for link in LINK.findall(body):
            link = html.unescape(link)
            path = link.split("?")[0]
            # Every filter combination of a changelist would be walked otherwise; the searches below
            # stand in for them.
            candidates = [path]
            if path.endswith("/change/"):
                candidates += [path.replace("/change/", "/delete/"), path.replace("/change/", "/history/")]
            if re.fullmatch(r"/beheer/\w+/\w+/", path):
                candidates += [f"{path}?q=sen", f"{path}?q=Anna", f"{path}?q=family"]
            queue.extend(c for c in candidates if c not in seen)
    return seen


@pytest.mark.parametrize("who", ["admin", "superuser"])
def test_no_configuration_page_shows_a_residents_name(world, client, who):
    _filled_world(world)
    user: User = (
        world.user("admin")
        if who == "admin"
        else UserFactory(email="root@example.test", is_superuser=True, is_staff=True)
    )
    client.force_login(user)
    pages = _crawl(client)
    assert len(pages) > 20, sorted(pages)
    # The walk reached the pages that listed residents before: the delete confirmations.
    assert f"/beheer/registry/programme/{world.own.programme.pk}/delete/" in pages
    assert any(url.endswith("/delete/") and "Are you sure" in body for url, body in pages.items()), sorted(pages)
    leaks = {url: [name for name in RESIDENT_NAMES if name in body] for url, body in pages.items()}
    leaks = {url: names for url, names in leaks.items() if names}
    assert not leaks, leaks


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo as `stijging demo` loads it, seeded once for this module and rolled back after it."""
    from django.db import transaction

    from stijging.demo.seed import seed_demo

    with django_db_blocker.unblock(), transaction.atomic():
        seed_demo()
        yield
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_the_demo_admin_sees_no_residents_name_anywhere_in_the_configuration_screens(demo, client):
    from stijging.cohesion.models import Participant
    from stijging.registry.models import Household, Person

    names = {f"{given} {family}" for given, family in Person.objects.values_list("given_names", "family_name")}
    names |= set(Participant.objects.values_list("name", flat=True))
    names |= set(Participant.objects.exclude(parent_name="").values_list("parent_name", flat=True))
    staff = {user.get_full_name() for user in User.objects.all()}
    names -= staff  # a resident who shares a name with a worker would be a false alarm
    assert len(names) > 500
    client.force_login(User.objects.get(email="admin@demo.stijging.nl"))
    pages = _crawl(client)
    assert len(pages) > 20
    leaks = {url: sorted(name for name in names if name in body) for url, body in pages.items()}
    leaks = {url: found for url, found in leaks.items() if found}
    assert not leaks, leaks
    household_names = set(Household.objects.values_list("name", flat=True))
    # Household names are family names, which a worker may share: only a full list would be a leak.
    for url, body in pages.items():
        assert sum(name in body for name in household_names) < 5, url
