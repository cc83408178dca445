"""Every registry and privacy screen, as the role it is for (ENGINEERING.md conventions 4, 6 and 8).

Each test checks the status and what the page shows, counts the queries inside `with
django_assert_max_num_queries(n)` (the comment names them; `n` is the real count, measured), and
checks the audit event of every page that shows persons and of every write. Query counts include
the SAVEPOINT/RELEASE pair of a service's `transaction.atomic`, because the test runs inside a
transaction; in production those are BEGIN/COMMIT, which Django does not count.

The whole access matrix (role x URL x own/foreign) is `tests/test_access_table.py`; here the
allowed role gets the page, and a few refusals check that they are audited.
"""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from stijging.privacy.models import AuditAction, AuditEvent, Consent, LegalGround
from stijging.registry.models import Household, HouseholdMembership, HouseholdResidence, Person

from .factories import MemberFactory, ResidenceFactory

# Every request of a logged-in user starts with the same three queries: the session, the user and
# the user's memberships (with their programmes, fetched once per request).
AUTH = 3
# Panels of the trajectories floor on these pages (registry/panels.py). The household's one plan:
# trajectories, their goals, the goals' domains. A person's help and rise: trajectories (+ goals and
# domains), the baseline interview (+ its answers), measurements (+ scores), domain codes, the
# current instrument's domains; the person's programme (latest household, its area's programme),
# asked once for the baseline and the may-manage check together.
PLAN_PANEL = 3
# The conversations floor's panel on the household page: the household's conversations (scoped),
# with the number of members interviewed in each.
CONVERSATIONS_PANEL = 1
HELP_PANEL = 7


def today() -> datetime.date:
    return timezone.localdate()


def new_events(before: int):
    return list(AuditEvent.objects.order_by("id")[before:])


def latest_event(**filters) -> AuditEvent:
    return AuditEvent.objects.filter(**filters).order_by("-id").first()


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def fieldworker(world, login):
    return login(world.user("fieldworker"))


@pytest.fixture
def privacy_officer(world, login):
    return login(world.user("privacy_officer"))


# --- Home -------------------------------------------------------------------------------------------


def test_home_sends_a_fieldworker_with_one_programme_to_its_home(world, fieldworker, django_assert_max_num_queries):
    # AUTH + the user's programmes.
    with django_assert_max_num_queries(AUTH + 1):
        response = fieldworker.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("monitoring:programme", args=[world.own.programme.slug])


def test_home_sends_the_privacy_officer_to_the_desk(world, privacy_officer, django_assert_max_num_queries):
    # AUTH + the user's programmes. The privacy officer's home is the desk of open requests (issue 13).
    with django_assert_max_num_queries(AUTH + 1):
        response = privacy_officer.get("/")
    assert response.status_code == 302 and response["Location"] == reverse("privacy:desk")
    html = privacy_officer.get(response["Location"]).content.decode()
    # The privacy officer's own screens are in the menu.
    assert reverse("privacy:audit_log") in html
    assert reverse("privacy:legal_grounds") in html


def test_home_tells_a_user_without_a_role_to_ask_for_one(world, login, django_assert_max_num_queries):
    client = login(world.user("no_membership"))
    # AUTH + the user's programmes (none).
    with django_assert_max_num_queries(AUTH + 1):
        response = client.get("/")
    assert response.status_code == 200
    assert "You have no role in a programme yet" in response.content.decode()


def test_home_sends_an_anonymous_visitor_to_the_login_page(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_household_page_query_count_does_not_grow_with_members_or_moves(
    world, fieldworker, django_assert_max_num_queries, django_assert_num_queries
):
    url = reverse("registry:household", args=[world.own.household.pk])
    # AUTH + household (scoped), residences with addresses (prefetch), memberships with persons
    # (prefetch), audit insert; the trajectories floor's "one plan" panel: the members' trajectories
    # (with goals and their domains when there are any); the conversations panel.
    with django_assert_max_num_queries(AUTH + 4 + PLAN_PANEL + CONVERSATIONS_PANEL) as small:
        fieldworker.get(url)
    for _ in range(10):
        MemberFactory(household=world.own.household, relation="child")
    HouseholdResidence.objects.filter(household=world.own.household).update(end_date=datetime.date(2020, 1, 1))
    ResidenceFactory(
        household=world.own.household, address=world.own.empty_address, start_date=datetime.date(2020, 1, 1)
    )
    with django_assert_num_queries(len(small.captured_queries)):
        response = fieldworker.get(url)
    assert len(response.context["members"]) == 12


# --- Household pages --------------------------------------------------------------------------------


def test_household_page_shows_members_and_address_history_and_logs_the_members(
    world, fieldworker, django_assert_max_num_queries
):
    household = world.own.household
    # AUTH + household (scoped), residences with addresses (prefetch), memberships with persons
    # (prefetch), audit insert; the trajectories floor's "one plan" panel: the members' trajectories
    # (with goals and their domains when there are any); the conversations panel.
    with django_assert_max_num_queries(AUTH + 4 + PLAN_PANEL + CONVERSATIONS_PANEL):
        response = fieldworker.get(reverse("registry:household", args=[household.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Household Own family" in html
    assert "Anna Ownsen" in html and "Bram Ownsen" in html
    assert "Ownstraat 1, 5911 AB" in html
    assert reverse("registry:person", args=[world.own.adult.pk]) in html
    event = latest_event(action=AuditAction.VIEW, object_type="registry.household")
    assert event.object_id == str(household.pk)
    assert sorted(event.person_ids) == sorted([world.own.adult.pk, world.own.child.pk])
    assert event.actor == world.user("fieldworker")


def test_household_page_of_another_programme_is_not_found_and_the_refusal_is_logged(world, fieldworker):
    response = fieldworker.get(reverse("registry:household", args=[world.foreign.household.pk]))
    assert response.status_code == 404
    event = latest_event(action=AuditAction.DENIED)
    assert (event.object_type, event.object_id) == ("registry.household", str(world.foreign.household.pk))
    assert event.outcome == "denied"
    assert event.person_ids == []


def test_household_create_form_shows_the_address(world, fieldworker, django_assert_max_num_queries):
    # AUTH + the address with street, area and programme (scoped to the user's programmes).
    with django_assert_max_num_queries(AUTH + 1):
        response = fieldworker.get(reverse("registry:household_create", args=[world.own.empty_address.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Register a household" in html
    assert "Ownstraat 3, 5911 AB" in html


def test_household_create_registers_the_household_and_logs_it(world, fieldworker, django_assert_max_num_queries):
    address = world.own.empty_address
    # AUTH + address; SAVEPOINT, INSERT household, full_clean of the residence (household exists,
    # address exists, SAVEPOINT/check constraint/RELEASE, SAVEPOINT/one-current constraint/RELEASE),
    # INSERT residence, INSERT audit event, RELEASE.
    with django_assert_max_num_queries(AUTH + 14):
        response = fieldworker.post(
            reverse("registry:household_create", args=[address.pk]),
            {"name": "Van Beek", "moved_in_on": "2024-02-03", "note": ""},
        )
    household = Household.objects.get(name="Van Beek")
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:member_add", args=[household.pk])
    assert HouseholdResidence.objects.get(household=household).address == address
    event = latest_event(action=AuditAction.CREATE)
    assert (event.object_type, event.object_id) == ("registry.household", str(household.pk))
    assert event.detail == {"address_id": address.pk}


def test_household_create_refuses_a_future_moving_in_date(world, fieldworker):
    response = fieldworker.post(
        reverse("registry:household_create", args=[world.own.empty_address.pk]),
        {"name": "Later", "moved_in_on": (today() + datetime.timedelta(days=3)).isoformat()},
    )
    assert response.status_code == 200
    assert "A household cannot move in on a future date here." in response.content.decode()
    assert not Household.objects.filter(name="Later").exists()


def test_household_create_at_an_address_of_another_programme_is_not_found(world, fieldworker):
    response = fieldworker.post(
        reverse("registry:household_create", args=[world.foreign.empty_address.pk]),
        {"name": "Intruder", "moved_in_on": "2024-01-01"},
    )
    assert response.status_code == 404
    assert not Household.objects.filter(name="Intruder").exists()


def test_household_edit_form_shows_the_current_values(world, fieldworker, django_assert_max_num_queries):
    household = world.own.household
    # AUTH + household (scoped), audit insert.
    with django_assert_max_num_queries(AUTH + 2):
        response = fieldworker.get(reverse("registry:household_edit", args=[household.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Own family"' in html
    assert 'name="version" value="1"' in html
    event = latest_event(action=AuditAction.VIEW, object_type="registry.household")
    assert event.object_id == str(household.pk)


def test_household_edit_saves_and_logs_the_change(world, fieldworker, django_assert_max_num_queries):
    household = world.own.household
    # AUTH + household (scoped); SAVEPOINT, no member restricted (AVG art. 18), conditional UPDATE,
    # reload, current member ids, INSERT audit event, RELEASE.
    with django_assert_max_num_queries(AUTH + 8):
        response = fieldworker.post(
            reverse("registry:household_edit", args=[household.pk]),
            {"name": "Ownsen-Bakker", "note": "hond", "version": 1},
        )
    assert response.status_code == 302
    household.refresh_from_db()
    assert (household.name, household.note, household.version) == ("Ownsen-Bakker", "hond", 2)
    event = latest_event(action=AuditAction.UPDATE, object_type="registry.household")
    assert event.object_id == str(household.pk)
    assert sorted(event.person_ids) == sorted([world.own.adult.pk, world.own.child.pk])
    assert event.actor == world.user("fieldworker")


def test_household_edit_by_two_users_keeps_the_first_save_and_the_second_users_input(world):
    household = world.own.household
    url = reverse("registry:household_edit", args=[household.pk])
    first, second = client_for(world.user("fieldworker")), client_for(world.user("case_manager"))
    # Both open the form at version 1.
    assert 'name="version" value="1"' in first.get(url).content.decode()
    assert 'name="version" value="1"' in second.get(url).content.decode()

    assert first.post(url, {"name": "Eerste", "note": "first note", "version": 1}).status_code == 302
    response = second.post(url, {"name": "Tweede", "note": "second note", "version": 1})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone else changed this after you opened it." in html
    # The second user's input is kept in the form ...
    assert 'value="Tweede"' in html
    assert "second note</textarea>" in html
    # ... the current values are shown beside it, and the next save is against the current version.
    assert "Saved by someone else in the meantime" in html
    assert "<dd>Eerste</dd>" in html
    assert 'name="version" value="2"' in html
    household.refresh_from_db()
    assert (household.name, household.note, household.version) == ("Eerste", "first note", 2)
    updates = AuditEvent.objects.filter(action=AuditAction.UPDATE, object_type="registry.household")
    assert [e.actor for e in updates] == [world.user("fieldworker")]

    # Having seen both, the second user saves again, knowingly.
    assert second.post(url, {"name": "Tweede", "note": "second note", "version": 2}).status_code == 302
    household.refresh_from_db()
    assert (household.name, household.version) == ("Tweede", 3)


def test_household_move_form_shows_the_current_address(world, fieldworker, django_assert_max_num_queries):
    # AUTH + household (scoped), residences with addresses (prefetch), memberships (prefetch), audit insert.
    with django_assert_max_num_queries(AUTH + 4):
        response = fieldworker.get(reverse("registry:household_move", args=[world.own.household.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Now living at" in html and "Ownstraat 1, 5911 AB" in html
    assert latest_event(action=AuditAction.VIEW).object_type == "registry.household"


def test_household_move_records_the_move_and_logs_it(world, fieldworker, django_assert_max_num_queries):
    household = world.own.household
    # AUTH + household, residences (prefetch), memberships (prefetch), the new address by BAG keys;
    # SAVEPOINT, no member restricted (AVG art. 18), conditional version UPDATE, current residence FOR
    # UPDATE, end it, INSERT the new residence, reload household, current member ids, INSERT audit
    # event, RELEASE.
    with django_assert_max_num_queries(AUTH + 14):
        response = fieldworker.post(
            reverse("registry:household_move", args=[household.pk]),
            {"version": 1, "moved_on": "2026-06-01", "postcode": "5911 ab", "huisnummer": 3},
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:household", args=[household.pk])
    history = list(HouseholdResidence.objects.filter(household=household).order_by("start_date"))
    assert [(r.address, r.end_date) for r in history] == [
        (world.own.address, datetime.date(2026, 6, 1)),
        (world.own.empty_address, None),
    ]
    event = latest_event(action=AuditAction.UPDATE, object_type="registry.household")
    assert event.detail["move"] is True
    assert event.detail["to_address_id"] == world.own.empty_address.pk
    assert sorted(event.person_ids) == sorted([world.own.adult.pk, world.own.child.pk])


def test_household_move_out_of_the_area_needs_no_new_address(world, fieldworker):
    household = world.own.household
    response = fieldworker.post(
        reverse("registry:household_move", args=[household.pk]),
        {"version": 1, "moved_on": "2026-06-01", "left_area": "on"},
    )
    assert response.status_code == 302
    assert not HouseholdResidence.objects.filter(household=household, end_date__isnull=True).exists()
    page = fieldworker.get(reverse("registry:household", args=[household.pk])).content.decode()
    assert "no longer lives in the programme" in page


def test_household_move_with_an_invalid_postcode_says_how_to_write_one(world, fieldworker):
    response = fieldworker.post(
        reverse("registry:household_move", args=[world.own.household.pk]),
        {"version": 1, "moved_on": "2026-06-01", "postcode": "59 11", "huisnummer": 3},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "is not a Dutch postcode; write four digits and two letters, e.g. 5912 AB." in html
    # The user's input is kept.
    assert 'value="59 11"' in html
    assert HouseholdResidence.objects.get(household=world.own.household).end_date is None


def test_household_move_to_an_address_outside_the_programme_is_refused_clearly(world, fieldworker):
    # The foreign programme's address exists, but not for this user: same message as an unknown one.
    for postcode, number in (("5921AB", 3), ("5999ZZ", 1)):
        response = fieldworker.post(
            reverse("registry:household_move", args=[world.own.household.pk]),
            {"version": 1, "moved_on": "2026-06-01", "postcode": postcode, "huisnummer": number},
        )
        assert response.status_code == 200
        assert "This address is not in the registry of your programme&#x27;s areas." in response.content.decode()
    assert HouseholdResidence.objects.filter(household=world.own.household).count() == 1


def test_household_move_without_an_address_or_the_left_area_box_asks_for_one(world, fieldworker):
    response = fieldworker.post(
        reverse("registry:household_move", args=[world.own.household.pk]), {"version": 1, "moved_on": "2026-06-01"}
    )
    assert response.status_code == 200
    assert "Give the new address, or tick that the household left the areas." in response.content.decode()


def test_household_move_before_moving_in_or_in_the_future_is_refused(world, fieldworker):
    url = reverse("registry:household_move", args=[world.own.household.pk])
    response = fieldworker.post(url, {"version": 1, "moved_on": "2015-01-01", "postcode": "5911AB", "huisnummer": 3})
    assert response.status_code == 200
    assert "The move cannot be before the household moved in (01-03-2015)." in response.content.decode()
    tomorrow = (today() + datetime.timedelta(days=1)).isoformat()
    response = fieldworker.post(url, {"version": 1, "moved_on": tomorrow, "postcode": "5911AB", "huisnummer": 3})
    assert "Record a move once it has happened." in response.content.decode()
    assert Household.objects.get(pk=world.own.household.pk).version == 1


def test_household_move_to_the_current_address_is_refused(world, fieldworker):
    response = fieldworker.post(
        reverse("registry:household_move", args=[world.own.household.pk]),
        {"version": 1, "moved_on": "2026-06-01", "postcode": "5911AB", "huisnummer": 1},
    )
    assert response.status_code == 200
    assert "The household already lives at this address." in response.content.decode()


def test_household_move_with_a_stale_version_shows_the_conflict(world, fieldworker):
    Household.objects.filter(pk=world.own.household.pk).update(version=2)
    response = fieldworker.post(
        reverse("registry:household_move", args=[world.own.household.pk]),
        {"version": 1, "moved_on": "2026-06-01", "postcode": "5911AB", "huisnummer": 3},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone else changed this after you opened it." in html
    assert 'name="version" value="2"' in html
    assert HouseholdResidence.objects.filter(household=world.own.household).count() == 1


# --- Members and persons ----------------------------------------------------------------------------


def member_data(**overrides) -> dict:
    data = {
        "given_names": "Cees",
        "tussenvoegsel": "",
        "family_name": "Ownsen",
        "date_of_birth": "2019-07-08",
        "phone": "",
        "email": "",
        "relation": "child",
        "member_since": "2019-07-08",
    }
    data.update(overrides)
    return data


def test_member_add_form_names_the_household(world, fieldworker, django_assert_max_num_queries):
    # AUTH + household (scoped), audit insert.
    with django_assert_max_num_queries(AUTH + 2):
        response = fieldworker.get(reverse("registry:member_add", args=[world.own.household.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Add a member to household Own family" in html
    assert 'name="bsn"' not in html  # BSN is off by default


def test_member_add_creates_the_person_and_logs_it(world, fieldworker, django_assert_max_num_queries):
    household = world.own.household
    # AUTH + household (scoped); SAVEPOINT, no member restricted (AVG art. 18), INSERT person,
    # full_clean of the membership (household exists, person exists, SAVEPOINT/check constraint/
    # RELEASE, SAVEPOINT/one-current constraint/RELEASE), INSERT membership, INSERT audit event, RELEASE.
    with django_assert_max_num_queries(AUTH + 15):
        response = fieldworker.post(
            reverse("registry:member_add", args=[household.pk]), member_data(phone="06 12345678")
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:household", args=[household.pk])
    person = Person.objects.get(given_names="Cees")
    assert person.phone == "+31612345678"
    assert HouseholdMembership.objects.get(person=person).household == household
    event = latest_event(action=AuditAction.CREATE, object_type="registry.person")
    assert event.object_id == str(person.pk)
    assert event.person_ids == [person.pk]


def test_member_add_and_add_another_returns_to_the_empty_form(world, fieldworker):
    response = fieldworker.post(
        reverse("registry:member_add", args=[world.own.household.pk]), member_data(add_another="1")
    )
    assert response["Location"] == reverse("registry:member_add", args=[world.own.household.pk])


def test_member_add_refuses_a_date_of_birth_in_the_future(world, fieldworker):
    tomorrow = (today() + datetime.timedelta(days=1)).isoformat()
    response = fieldworker.post(
        reverse("registry:member_add", args=[world.own.household.pk]),
        member_data(date_of_birth=tomorrow, member_since=tomorrow),
    )
    assert response.status_code == 200
    assert "A date of birth cannot be in the future." in response.content.decode()
    assert not Person.objects.filter(given_names="Cees").exists()


def test_member_add_refuses_joining_before_birth_and_a_bad_phone_number(world, fieldworker):
    response = fieldworker.post(
        reverse("registry:member_add", args=[world.own.household.pk]),
        member_data(member_since="2019-01-01", phone="12"),
    )
    html = response.content.decode()
    assert "A person cannot join a household before being born." in html
    assert "This is not a valid phone number" in html
    # The input is kept.
    assert 'value="Cees"' in html


def test_person_page_shows_the_person_and_consents_and_logs_the_view(world, fieldworker, django_assert_max_num_queries):
    person = world.own.adult
    # AUTH + person (scoped), memberships with households (prefetch), consents with organisations
    # (prefetch), audit insert, organisations for the consent form's choice list; the trajectories
    # floor's "help and rise" panel (HELP_PANEL).
    with django_assert_max_num_queries(AUTH + 5 + HELP_PANEL):
        response = fieldworker.get(reverse("registry:person", args=[person.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Anna Ownsen" in html
    assert "2 April 1985" in html
    assert "receive help" in html
    assert reverse("registry:consent_create", args=[person.pk]) in html
    assert reverse("registry:household", args=[world.own.household.pk]) in html
    assert "BSN" not in html  # off by default
    event = latest_event(action=AuditAction.VIEW, object_type="registry.person")
    assert event.object_id == str(person.pk)
    assert event.person_ids == [person.pk]
    assert event.purpose == "registry"


def test_person_page_query_count_does_not_grow_with_consents_or_households(
    world, fieldworker, django_assert_max_num_queries, django_assert_num_queries
):
    person = world.own.adult
    url = reverse("registry:person", args=[person.pk])
    # AUTH + person, memberships (prefetch), consents (prefetch), audit insert, organisations, and
    # the help-and-rise panel.
    with django_assert_max_num_queries(AUTH + 5 + HELP_PANEL) as small:
        fieldworker.get(url)
    for _ in range(5):
        Consent.objects.create(
            person=person,
            purpose="share",
            organisation=world.partner_organisation,
            given_by="person",
            given_on=datetime.date(2026, 3, 1),
        )
        MemberFactory(person=person, relation="other", start_date=datetime.date(2021, 1, 1))
    with django_assert_num_queries(len(small.captured_queries)):
        response = fieldworker.get(url)
    assert len(response.context["consents"]) == 6


def test_person_page_shows_the_bsn_only_when_it_is_enabled(world, fieldworker, settings):
    Person.objects.filter(pk=world.own.adult.pk).update(bsn="111222333")
    url = reverse("registry:person", args=[world.own.adult.pk])
    assert "111222333" not in fieldworker.get(url).content.decode()
    settings.STIJGING_ENABLE_BSN = True
    assert "111222333" in fieldworker.get(url).content.decode()


def test_person_of_another_programme_is_not_found_and_the_refusal_is_logged(world, fieldworker):
    response = fieldworker.get(reverse("registry:person", args=[world.foreign.adult.pk]))
    assert response.status_code == 404
    event = latest_event(action=AuditAction.DENIED)
    assert (event.object_type, event.object_id) == ("registry.person", str(world.foreign.adult.pk))


def test_a_partner_never_sees_the_registrys_person_page(world, login):
    client = login(world.user("partner"))
    response = client.get(reverse("registry:person", args=[world.own.adult.pk]))
    assert response.status_code == 404
    assert latest_event(action=AuditAction.DENIED).actor == world.user("partner")


def person_data(**overrides) -> dict:
    data = {
        "given_names": "Anna",
        "tussenvoegsel": "",
        "family_name": "Ownsen",
        "date_of_birth": "1985-04-02",
        "phone": "",
        "email": "",
        "version": 1,
    }
    data.update(overrides)
    return data


def test_person_edit_form_shows_the_current_values_and_logs_the_view(world, fieldworker, django_assert_max_num_queries):
    person = world.own.adult
    # AUTH + person (scoped), audit insert.
    with django_assert_max_num_queries(AUTH + 2):
        response = fieldworker.get(reverse("registry:person_edit", args=[person.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Anna"' in html and 'value="1985-04-02"' in html
    assert 'name="version" value="1"' in html
    event = latest_event(action=AuditAction.VIEW, object_type="registry.person")
    assert event.person_ids == [person.pk]


def test_person_edit_saves_and_logs_the_change(world, fieldworker, django_assert_max_num_queries):
    person = world.own.adult
    # AUTH + person (scoped); SAVEPOINT, restriction check (AVG art. 18), conditional UPDATE, reload,
    # INSERT audit event, RELEASE.
    with django_assert_max_num_queries(AUTH + 7):
        response = fieldworker.post(
            reverse("registry:person_edit", args=[person.pk]), person_data(email="anna@example.test")
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:person", args=[person.pk])
    person.refresh_from_db()
    assert (person.email, person.version) == ("anna@example.test", 2)
    event = latest_event(action=AuditAction.UPDATE, object_type="registry.person")
    assert event.object_id == str(person.pk)
    assert event.person_ids == [person.pk]


def test_person_edit_by_two_users_keeps_the_first_save_and_the_second_users_input(world):
    person = world.own.adult
    url = reverse("registry:person_edit", args=[person.pk])
    first, second = client_for(world.user("fieldworker")), client_for(world.user("case_manager"))
    first.get(url)
    second.get(url)

    assert first.post(url, person_data(phone="077 123 4567")).status_code == 302
    response = second.post(url, person_data(family_name="Ownsen-Smit", email="second@example.test"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone else changed this after you opened it." in html
    assert 'value="Ownsen-Smit"' in html and 'value="second@example.test"' in html
    # The first user's phone number is shown as the current value.
    assert "Saved by someone else in the meantime" in html
    assert "+31771234567" in html
    assert 'name="version" value="2"' in html
    person.refresh_from_db()
    assert (person.family_name, person.email, person.phone, person.version) == ("Ownsen", "", "+31771234567", 2)


def test_person_edit_refuses_a_date_of_birth_in_the_future(world, fieldworker):
    tomorrow = (today() + datetime.timedelta(days=1)).isoformat()
    response = fieldworker.post(
        reverse("registry:person_edit", args=[world.own.adult.pk]), person_data(date_of_birth=tomorrow)
    )
    assert response.status_code == 200
    assert "A date of birth cannot be in the future." in response.content.decode()
    assert Person.objects.get(pk=world.own.adult.pk).date_of_birth == datetime.date(1985, 4, 2)


def test_person_edit_checks_the_bsn_when_it_is_enabled(world, fieldworker, settings):
    settings.STIJGING_ENABLE_BSN = True
    url = reverse("registry:person_edit", args=[world.own.adult.pk])
    response = fieldworker.post(url, person_data(bsn="123456789"))
    assert response.status_code == 200
    assert "This is not a valid BSN: it must have 9 digits and pass the 11-proef." in response.content.decode()
    assert fieldworker.post(url, person_data(bsn="111222333")).status_code == 302
    assert Person.objects.get(pk=world.own.adult.pk).bsn == "111222333"


def test_person_edit_ignores_a_posted_bsn_when_bsn_is_disabled(world, fieldworker):
    url = reverse("registry:person_edit", args=[world.own.adult.pk])
    assert 'name="bsn"' not in fieldworker.get(url).content.decode()
    assert fieldworker.post(url, person_data(bsn="111222333")).status_code == 302
    assert Person.objects.get(pk=world.own.adult.pk).bsn == ""


# --- Errors in Dutch --------------------------------------------------------------------------------


def test_a_dutch_browser_gets_the_dutch_page_and_djangos_own_messages_in_dutch(world, fieldworker):
    response = fieldworker.post(
        reverse("registry:person_edit", args=[world.own.adult.pk]),
        person_data(given_names=""),
        headers={"Accept-Language": "nl"},
    )
    html = response.content.decode()
    assert '<html lang="nl">' in html
    assert "Dit veld is verplicht." in html


def test_the_language_cookie_chooses_dutch(world, fieldworker, settings):
    fieldworker.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    response = fieldworker.post(reverse("registry:person_edit", args=[world.own.adult.pk]), person_data(given_names=""))
    html = response.content.decode()
    assert '<html lang="nl">' in html
    assert "Dit veld is verplicht." in html


@pytest.mark.parametrize("how", ["accept-language", "cookie"])
def test_the_future_date_of_birth_message_is_in_dutch_for_a_dutch_user(world, fieldworker, settings, how):
    tomorrow = (today() + datetime.timedelta(days=1)).isoformat()
    url = reverse("registry:person_edit", args=[world.own.adult.pk])
    if how == "cookie":
        fieldworker.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
        response = fieldworker.post(url, person_data(date_of_birth=tomorrow))
    else:
        response = fieldworker.post(url, person_data(date_of_birth=tomorrow), headers={"Accept-Language": "nl"})
    html = response.content.decode()
    assert "A date of birth cannot be in the future." not in html
    assert "toekomst" in html  # "... in de toekomst ..."


# --- Consents ---------------------------------------------------------------------------------------


def test_consent_create_records_the_consent_and_logs_it(world, fieldworker, django_assert_max_num_queries):
    person = world.own.adult
    # AUTH + person (scoped), the chosen organisation (form choice); SAVEPOINT, INSERT consent,
    # INSERT audit event, RELEASE.
    with django_assert_max_num_queries(AUTH + 6):
        response = fieldworker.post(
            reverse("registry:consent_create", args=[person.pk]),
            {
                "purpose": "share",
                "organisation": world.partner_organisation.pk,
                "given_by": "person",
                "given_on": "2026-03-01",
            },
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:person", args=[person.pk])
    consent = Consent.objects.get(person=person, purpose="share")
    assert consent.organisation == world.partner_organisation
    event = latest_event(action=AuditAction.CREATE, object_type="privacy.consent")
    assert event.object_id == str(consent.pk)
    assert event.person_ids == [person.pk]
    page = fieldworker.get(response["Location"]).content.decode()
    assert "share with an organisation: GGD Limburg-Noord" in page


def test_consent_for_a_child_given_by_the_child_is_refused_with_a_clear_message(world, fieldworker):
    child = world.own.child
    response = fieldworker.post(
        reverse("registry:consent_create", args=[child.pk]),
        {"purpose": "receive_help", "given_by": "person", "given_on": "2026-03-01"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "This person was under 16 on that date: a parent or guardian gives consent." in html
    assert not Consent.objects.filter(person=child).exists()
    # The form with the person's data was shown, so it is logged as a view.
    event = latest_event(action=AuditAction.VIEW, object_type="registry.person")
    assert event.person_ids == [child.pk]
    assert event.purpose == "consent"


def test_consent_for_a_child_given_by_a_parent_is_recorded(world, fieldworker):
    child = world.own.child
    response = fieldworker.post(
        reverse("registry:consent_create", args=[child.pk]),
        {"purpose": "receive_help", "given_by": "parent", "parent_name": "Anna Ownsen", "given_on": "2026-03-01"},
    )
    assert response.status_code == 302
    assert Consent.objects.get(person=child).parent_name == "Anna Ownsen"


def test_consent_to_share_without_an_organisation_is_refused_with_a_clear_message(world, fieldworker):
    response = fieldworker.post(
        reverse("registry:consent_create", args=[world.own.adult.pk]),
        {"purpose": "share", "given_by": "person", "given_on": "2026-03-01"},
    )
    assert response.status_code == 400
    assert "Name the organisation the data may be shared with." in response.content.decode()


def test_consent_withdraw_form_shows_the_consent_and_logs_the_view(world, fieldworker, django_assert_max_num_queries):
    consent = world.own.consent
    # AUTH + consent with person and organisation (scoped), audit insert.
    with django_assert_max_num_queries(AUTH + 2):
        response = fieldworker.get(reverse("registry:consent_withdraw", args=[consent.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Anna Ownsen" in html and "given on 1-2-2026" in html
    event = latest_event(action=AuditAction.VIEW, object_type="privacy.consent")
    assert event.object_id == str(consent.pk)
    assert event.person_ids == [world.own.adult.pk]


def test_consent_withdraw_withdraws_and_logs_it(world, fieldworker, django_assert_max_num_queries):
    consent = world.own.consent
    # AUTH + consent (scoped); SAVEPOINT, conditional UPDATE, reload, INSERT audit event, the closed
    # and the open referrals resting on it (the referrals' consent_withdrawn receiver: none here),
    # RELEASE.
    with django_assert_max_num_queries(AUTH + 8):
        response = fieldworker.post(
            reverse("registry:consent_withdraw", args=[consent.pk]), {"withdrawn_on": "2026-03-04", "note": ""}
        )
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_on == datetime.date(2026, 3, 4)
    event = latest_event(action=AuditAction.UPDATE, object_type="privacy.consent")
    assert event.person_ids == [world.own.adult.pk]
    page = fieldworker.get(reverse("registry:person", args=[world.own.adult.pk])).content.decode()
    assert "withdrawn on 4-3-2026" in page
    again = fieldworker.get(reverse("registry:consent_withdraw", args=[consent.pk])).content.decode()
    assert "This consent was withdrawn on 4-3-2026." in again


def test_consent_withdraw_twice_says_it_was_already_withdrawn(world):
    url = reverse("registry:consent_withdraw", args=[world.own.consent.pk])
    first, second = client_for(world.user("fieldworker")), client_for(world.user("case_manager"))
    first.get(url)
    second.get(url)
    assert first.post(url, {"withdrawn_on": "2026-03-04"}).status_code == 302
    response = second.post(url, {"withdrawn_on": "2026-03-05"})
    # The second user is told it is withdrawn already, and on which date; nothing is overwritten.
    assert response.status_code == 200
    html = response.content.decode()
    assert "This consent was withdrawn on 4-3-2026." in html
    assert "withdrawn_on" not in html  # no second withdrawal form
    assert Consent.objects.get(pk=world.own.consent.pk).withdrawn_on == datetime.date(2026, 3, 4)


def test_consent_withdraw_before_it_was_given_is_refused(world, fieldworker):
    response = fieldworker.post(
        reverse("registry:consent_withdraw", args=[world.own.consent.pk]), {"withdrawn_on": "2026-01-01"}
    )
    assert response.status_code == 200
    assert "A consent cannot be withdrawn before it was given." in response.content.decode()


def test_consent_of_another_programme_cannot_be_withdrawn(world, fieldworker):
    response = fieldworker.post(
        reverse("registry:consent_withdraw", args=[world.foreign.consent.pk]), {"withdrawn_on": "2026-03-04"}
    )
    assert response.status_code == 404
    assert Consent.objects.get(pk=world.foreign.consent.pk).withdrawn_on is None


# --- Privacy officer: audit log ---------------------------------------------------------------------


def test_audit_log_lists_events_and_logs_its_own_reading(world, privacy_officer, django_assert_max_num_queries):
    client = client_for(world.user("fieldworker"))
    client.get(reverse("registry:person", args=[world.own.adult.pk]))
    existing = list(AuditEvent.objects.order_by("-id").values_list("pk", flat=True))
    # AUTH + count of events (pagination), the page of events, audit insert.
    with django_assert_max_num_queries(AUTH + 3):
        response = privacy_officer.get(reverse("privacy:audit_log"))
    assert response.status_code == 200
    # Every event that existed when the officer asked is on the page, the oldest included.
    assert [e.pk for e in response.context["page"]] == existing
    html = response.content.decode()
    assert "fieldworker@example.test" in html
    assert f"registry.person #{world.own.adult.pk}" in html
    event = latest_event(object_type="privacy.auditevent")
    assert event.action == AuditAction.LIST
    assert event.actor == world.user("privacy_officer")
    assert event.purpose == "audit"


def test_audit_log_filtered_by_person_is_a_search_naming_that_person(
    world, privacy_officer, django_assert_max_num_queries
):
    fieldworker = client_for(world.user("fieldworker"))
    fieldworker.get(reverse("registry:person", args=[world.own.adult.pk]))
    fieldworker.get(reverse("registry:person", args=[world.own.child.pk]))
    # AUTH + count of matching events, the page of events, audit insert.
    with django_assert_max_num_queries(AUTH + 3):
        response = privacy_officer.get(reverse("privacy:audit_log"), {"person_id": world.own.child.pk})
    assert response.status_code == 200
    page = response.context["page"]
    assert [(e.object_type, e.object_id) for e in page] == [("registry.person", str(world.own.child.pk))]
    event = latest_event(object_type="privacy.auditevent")
    assert event.action == AuditAction.SEARCH
    assert event.person_ids == [world.own.child.pk]


def test_audit_log_paging_without_filters_is_logged_as_a_list(world, privacy_officer):
    privacy_officer.get(reverse("privacy:audit_log"), {"page": 1})
    event = latest_event(object_type="privacy.auditevent")
    assert event.action == AuditAction.LIST
    assert event.detail == {}


def test_audit_log_query_count_does_not_grow_with_the_log(
    world, privacy_officer, django_assert_max_num_queries, django_assert_num_queries
):
    url = reverse("privacy:audit_log")
    # AUTH + count, page of events, audit insert.
    with django_assert_max_num_queries(AUTH + 3) as small:
        privacy_officer.get(url)
    AuditEvent.objects.bulk_create(
        AuditEvent(action=AuditAction.VIEW, actor=world.user("fieldworker"), object_type="x", object_id=str(i))
        for i in range(120)
    )
    with django_assert_num_queries(len(small.captured_queries)):
        response = privacy_officer.get(url)
    assert len(response.context["page"].object_list) == 50


def test_audit_log_shows_no_event_of_another_programmes_people(world, privacy_officer):
    """A privacy officer of one programme reads what that programme's people did, not what the
    people of another municipality's programme did (tried as the officer would: the whole log, the
    foreign actor's e-mail, the foreign person's id)."""
    from stijging.accounts.models import Role

    from ..accounts.factories import MembershipFactory, UserFactory

    outsider = UserFactory(email="fieldworker@foreign.test")
    MembershipFactory(user=outsider, programme=world.foreign.programme, role=Role.FIELDWORKER)
    assert client_for(outsider).get(reverse("registry:person", args=[world.foreign.adult.pk])).status_code == 200
    foreign_view = latest_event(object_type="registry.person")
    assert foreign_view.actor == outsider
    for query in ({}, {"actor": "fieldworker@foreign.test"}, {"person_id": world.foreign.adult.pk}):
        page = privacy_officer.get(reverse("privacy:audit_log"), query).context["page"]
        assert foreign_view.pk not in [e.pk for e in page], query
    # An officer of both programmes sees it.
    MembershipFactory(user=world.user("privacy_officer"), programme=world.foreign.programme, role=Role.PRIVACY_OFFICER)
    page = privacy_officer.get(reverse("privacy:audit_log"), {"person_id": world.foreign.adult.pk}).context["page"]
    assert foreign_view.pk in [e.pk for e in page]


def test_audit_log_is_refused_to_a_fieldworker_and_the_refusal_is_logged(world, fieldworker):
    response = fieldworker.get(reverse("privacy:audit_log"))
    assert response.status_code == 403
    event = latest_event(action=AuditAction.DENIED)
    assert event.object_type == "view:audit_log"


# --- Privacy officer: legal grounds -----------------------------------------------------------------


def test_legal_ground_list_shows_the_closed_list(world, privacy_officer, django_assert_max_num_queries):
    # AUTH + the grounds.
    with django_assert_max_num_queries(AUTH + 1):
        response = privacy_officer.get(reverse("privacy:legal_grounds"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Publieke taak van de gemeente" in html
    assert "Meldcode huiselijk geweld en kindermishandeling" in html
    assert reverse("privacy:legal_ground_create") in html


def test_legal_ground_create_form(world, privacy_officer, django_assert_max_num_queries):
    # AUTH only: an empty form.
    with django_assert_max_num_queries(AUTH):
        response = privacy_officer.get(reverse("privacy:legal_ground_create"))
    assert response.status_code == 200
    assert "Add a legal ground" in response.content.decode()


def test_legal_ground_create_saves_and_logs_it(world, privacy_officer, django_assert_max_num_queries):
    # AUTH + SAVEPOINT, code uniqueness check, INSERT ground, INSERT audit event, RELEASE.
    with django_assert_max_num_queries(AUTH + 5):
        response = privacy_officer.post(
            reverse("privacy:legal_ground_create"),
            {"code": "court-order", "title": "Court order", "article": "Rv art. 843a", "active": "on"},
        )
    assert response.status_code == 302
    ground = LegalGround.objects.get(code="court-order")
    event = latest_event(action=AuditAction.CREATE, object_type="privacy.legalground")
    assert event.object_id == str(ground.pk)
    assert event.actor == world.user("privacy_officer")
    assert event.person_ids == []


def test_legal_ground_create_refuses_a_code_in_use(world, privacy_officer):
    response = privacy_officer.post(
        reverse("privacy:legal_ground_create"),
        {"code": "meldcode", "title": "Again", "article": "x", "active": "on"},
    )
    assert response.status_code == 200
    assert LegalGround.objects.filter(code="meldcode").count() == 1


def test_legal_ground_edit_form_shows_the_ground(world, privacy_officer, django_assert_max_num_queries):
    ground = LegalGround.objects.get(code="meldcode")
    # AUTH + the ground.
    with django_assert_max_num_queries(AUTH + 1):
        response = privacy_officer.get(reverse("privacy:legal_ground_edit", args=[ground.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="meldcode"' in html
    assert 'name="version" value="1"' in html


def test_legal_ground_edit_saves_and_logs_it(world, privacy_officer, django_assert_max_num_queries):
    ground = LegalGround.objects.get(code="meldcode")
    # AUTH + ground; SAVEPOINT, code-in-use check, conditional UPDATE, reload, INSERT audit event, RELEASE.
    with django_assert_max_num_queries(AUTH + 7):
        response = privacy_officer.post(
            reverse("privacy:legal_ground_edit", args=[ground.pk]),
            {"code": "meldcode", "title": ground.title, "article": ground.article, "description": "", "version": 1},
        )
    assert response.status_code == 302
    ground.refresh_from_db()
    assert (ground.active, ground.version) == (False, 2)
    event = latest_event(action=AuditAction.UPDATE, object_type="privacy.legalground")
    assert event.object_id == str(ground.pk)
    assert event.detail == {"code": "meldcode", "active": False}


def test_legal_ground_edit_by_two_officers_keeps_the_first_save(world):
    from ..accounts.factories import MembershipFactory, UserFactory

    other_officer = UserFactory(email="privacy2@example.test")
    MembershipFactory(user=other_officer, programme=world.own.programme, role="privacy_officer")
    ground = LegalGround.objects.get(code="meldcode")
    url = reverse("privacy:legal_ground_edit", args=[ground.pk])
    first, second = client_for(world.user("privacy_officer")), client_for(other_officer)
    data = {"code": "meldcode", "article": ground.article, "description": "", "active": "on", "version": 1}

    assert first.post(url, data | {"title": "First title"}).status_code == 302
    response = second.post(url, data | {"title": "Second title"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone else changed this after you opened it." in html
    assert 'value="Second title"' in html
    assert 'name="version" value="2"' in html
    assert LegalGround.objects.get(pk=ground.pk).title == "First title"


def test_legal_grounds_are_refused_to_a_fieldworker(world, fieldworker):
    assert fieldworker.get(reverse("privacy:legal_grounds")).status_code == 403
    assert (
        fieldworker.post(
            reverse("privacy:legal_ground_create"), {"code": "x", "title": "x", "article": "x"}
        ).status_code
        == 403
    )
    assert not LegalGround.objects.filter(code="x").exists()
