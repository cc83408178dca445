"""Writes of the registry (ENGINEERING.md conventions 2, 4 and 6): each service is atomic, writes exactly
one audit event in the same transaction, and refuses a stale version instead of overwriting."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from stijging.privacy.models import AuditAction, AuditEvent
from stijging.registry import services
from stijging.registry.forms import MemberAddForm, PersonEditForm, PersonForm
from stijging.registry.models import Household, HouseholdMembership, HouseholdResidence, Person

from .factories import AddressFactory

TODAY = timezone.localdate


class OneAuditEvent:
    """Asserts that the block wrote exactly one audit event, and hands it over."""

    def __enter__(self):
        self.before = set(AuditEvent.objects.values_list("pk", flat=True))
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            return False
        new = list(AuditEvent.objects.exclude(pk__in=self.before))
        assert len(new) == 1, [(e.action, e.object_type, e.object_id) for e in new]
        self.event = new[0]
        return False


def no_new_audit_events(before: int) -> bool:
    return AuditEvent.objects.count() == before


def person_fields(**overrides) -> dict:
    fields = {
        "given_names": "Daan",
        "tussenvoegsel": "van",
        "family_name": "Dijk",
        "date_of_birth": datetime.date(1990, 1, 2),
        "phone": "",
        "email": "",
    }
    fields.update(overrides)
    return fields


# --- household_register ----------------------------------------------------------------------------


def test_registering_a_household_starts_its_residence_and_writes_one_audit_event(world):
    fieldworker = world.user("fieldworker")
    address = world.own.empty_address

    with OneAuditEvent() as audited:
        household = services.household_register(
            acting_user=fieldworker,
            name="De Vries",
            address=address,
            moved_in_on=datetime.date(2024, 5, 1),
            note="bel aan bij de zijdeur",
        )

    assert household.version == 1
    (residence,) = HouseholdResidence.objects.filter(household=household)
    assert (residence.address, residence.start_date, residence.end_date) == (address, datetime.date(2024, 5, 1), None)
    event = audited.event
    assert event.action == AuditAction.CREATE
    assert (event.object_type, event.object_id) == ("registry.household", str(household.pk))
    assert event.person_ids == []  # no members yet
    assert event.actor == fieldworker
    assert event.detail == {"address_id": address.pk}


def test_registering_a_household_without_a_name_writes_nothing(world):
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        services.household_register(
            acting_user=world.user("fieldworker"),
            name="",
            address=world.own.empty_address,
            moved_in_on=datetime.date(2024, 5, 1),
        )
    assert not Household.objects.filter(name="").exists()
    assert not HouseholdResidence.objects.filter(address=world.own.empty_address).exists()
    assert no_new_audit_events(before)


# --- household_update ------------------------------------------------------------------------------


def test_updating_a_household_bumps_its_version_and_writes_one_audit_event_naming_its_members(world):
    household = world.own.household
    with OneAuditEvent() as audited:
        services.household_update(
            acting_user=world.user("case_manager"), household=household, version=1, name="Ownsen-Bakker", note="x"
        )
    household.refresh_from_db()
    assert (household.name, household.note, household.version) == ("Ownsen-Bakker", "x", 2)
    event = audited.event
    assert event.action == AuditAction.UPDATE
    assert (event.object_type, event.object_id) == ("registry.household", str(household.pk))
    assert sorted(event.person_ids) == sorted([world.own.adult.pk, world.own.child.pk])
    assert event.actor == world.user("case_manager")


def test_a_stale_household_update_is_refused_and_the_first_save_stands(world):
    # Two workers opened the household at version 1; the first one saves.
    first = Household.objects.get(pk=world.own.household.pk)
    second = Household.objects.get(pk=world.own.household.pk)
    services.household_update(acting_user=world.user("fieldworker"), household=first, version=1, name="First", note="")
    before = AuditEvent.objects.count()

    with pytest.raises(services.ConflictError):
        services.household_update(
            acting_user=world.user("case_manager"), household=second, version=1, name="Second", note="overwrite?"
        )

    household = Household.objects.get(pk=world.own.household.pk)
    assert (household.name, household.note, household.version) == ("First", "", 2)
    assert no_new_audit_events(before)


# --- household_move --------------------------------------------------------------------------------


def test_a_move_ends_the_current_residence_and_starts_a_new_one_keeping_the_history(world):
    household = world.own.household
    old_address, new_address = world.own.address, world.own.empty_address
    moved_on = datetime.date(2026, 6, 1)

    with OneAuditEvent() as audited:
        services.household_move(
            acting_user=world.user("fieldworker"),
            household=household,
            version=1,
            moved_on=moved_on,
            to_address=new_address,
        )

    residences = list(HouseholdResidence.objects.filter(household=household).order_by("start_date"))
    assert [(r.address, r.start_date, r.end_date) for r in residences] == [
        (old_address, datetime.date(2015, 3, 1), moved_on),
        (new_address, moved_on, None),
    ]
    household.refresh_from_db()
    assert household.version == 2
    event = audited.event
    assert event.action == AuditAction.UPDATE
    assert (event.object_type, event.object_id) == ("registry.household", str(household.pk))
    assert sorted(event.person_ids) == sorted([world.own.adult.pk, world.own.child.pk])
    assert event.detail == {"move": True, "from_address_id": old_address.pk, "to_address_id": new_address.pk}


def test_a_household_that_left_the_area_only_has_its_residence_ended(world):
    household = world.own.household
    with OneAuditEvent() as audited:
        services.household_move(
            acting_user=world.user("fieldworker"),
            household=household,
            version=1,
            moved_on=datetime.date(2026, 6, 1),
            to_address=None,
        )
    (residence,) = HouseholdResidence.objects.filter(household=household)
    assert residence.end_date == datetime.date(2026, 6, 1)
    assert not HouseholdResidence.objects.filter(household=household, end_date__isnull=True).exists()
    assert audited.event.detail["to_address_id"] is None
    # The household and its members stay, with their history.
    assert HouseholdMembership.objects.filter(household=household).count() == 2


def test_moving_to_the_address_where_the_household_already_lives_is_refused(world):
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as raised:
        services.household_move(
            acting_user=world.user("fieldworker"),
            household=world.own.household,
            version=1,
            moved_on=datetime.date(2026, 6, 1),
            to_address=world.own.address,
        )
    assert "postcode" in raised.value.message_dict
    _assert_household_untouched(world)
    assert no_new_audit_events(before)


def test_a_move_dated_before_the_household_moved_in_is_refused(world):
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as raised:
        services.household_move(
            acting_user=world.user("fieldworker"),
            household=world.own.household,
            version=1,
            moved_on=datetime.date(2015, 2, 28),
            to_address=world.own.empty_address,
        )
    assert "moved_on" in raised.value.message_dict
    assert "01-03-2015" in raised.value.message_dict["moved_on"][0]
    _assert_household_untouched(world)
    assert no_new_audit_events(before)


def test_a_move_on_the_day_the_household_moved_in_is_allowed(world):
    services.household_move(
        acting_user=world.user("fieldworker"),
        household=world.own.household,
        version=1,
        moved_on=datetime.date(2015, 3, 1),
        to_address=world.own.empty_address,
    )
    current = HouseholdResidence.objects.get(household=world.own.household, end_date__isnull=True)
    assert current.address == world.own.empty_address


def test_a_stale_move_is_refused_and_changes_nothing(world):
    household = world.own.household
    services.household_update(acting_user=world.user("case_manager"), household=household, version=1, name="N", note="")
    before = AuditEvent.objects.count()

    with pytest.raises(services.ConflictError):
        services.household_move(
            acting_user=world.user("fieldworker"),
            household=household,
            version=1,
            moved_on=datetime.date(2026, 6, 1),
            to_address=world.own.empty_address,
        )

    (residence,) = HouseholdResidence.objects.filter(household=household)
    assert residence.end_date is None and residence.address == world.own.address
    assert Household.objects.get(pk=household.pk).version == 2
    assert no_new_audit_events(before)


def test_two_moves_in_a_row_keep_the_whole_history(world):
    household = world.own.household
    third = AddressFactory(street=world.own.street, area=world.own.area, postcode="5911AC", huisnummer=5)
    services.household_move(
        acting_user=world.user("fieldworker"),
        household=household,
        version=1,
        moved_on=datetime.date(2026, 1, 1),
        to_address=world.own.empty_address,
    )
    services.household_move(
        acting_user=world.user("fieldworker"),
        household=household,
        version=2,
        moved_on=datetime.date(2026, 6, 1),
        to_address=third,
    )
    history = list(HouseholdResidence.objects.filter(household=household).order_by("start_date"))
    assert [r.address for r in history] == [world.own.address, world.own.empty_address, third]
    assert [r.end_date for r in history] == [datetime.date(2026, 1, 1), datetime.date(2026, 6, 1), None]


def _assert_household_untouched(world) -> None:
    household = Household.objects.get(pk=world.own.household.pk)
    assert household.version == 1
    (residence,) = HouseholdResidence.objects.filter(household=household)
    assert (residence.address, residence.end_date) == (world.own.address, None)


# --- person_add_to_household -----------------------------------------------------------------------


def test_adding_a_member_creates_the_person_and_membership_and_writes_one_audit_event(world):
    household = world.own.household
    with OneAuditEvent() as audited:
        person = services.person_add_to_household(
            acting_user=world.user("fieldworker"),
            household=household,
            relation="partner",
            member_since=datetime.date(2020, 1, 1),
            **person_fields(),
        )
    assert person.full_name == "Daan van Dijk"
    membership = HouseholdMembership.objects.get(person=person)
    assert (membership.household, membership.relation, membership.start_date, membership.end_date) == (
        household,
        "partner",
        datetime.date(2020, 1, 1),
        None,
    )
    event = audited.event
    assert event.action == AuditAction.CREATE
    assert (event.object_type, event.object_id) == ("registry.person", str(person.pk))
    assert event.person_ids == [person.pk]
    assert event.detail == {"household_id": household.pk}


def test_a_member_added_with_an_invalid_relation_leaves_no_half_written_person(world):
    persons_before = Person.objects.count()
    audit_before = AuditEvent.objects.count()

    # The person row is saved before the membership is checked: the transaction must undo it.
    with pytest.raises(ValidationError) as raised:
        services.person_add_to_household(
            acting_user=world.user("fieldworker"),
            household=world.own.household,
            relation="lodger",
            member_since=datetime.date(2020, 1, 1),
            **person_fields(family_name="Halfweg"),
        )

    assert "relation" in raised.value.message_dict
    assert Person.objects.count() == persons_before
    assert not Person.objects.filter(family_name="Halfweg").exists()
    assert no_new_audit_events(audit_before)


def test_a_member_with_an_invalid_field_is_refused_before_anything_is_written(world):
    before = Person.objects.count()
    with pytest.raises(ValidationError) as raised:
        services.person_add_to_household(
            acting_user=world.user("fieldworker"),
            household=world.own.household,
            relation="child",
            member_since=datetime.date(2020, 1, 1),
            **person_fields(email="not-an-email"),
        )
    assert "email" in raised.value.message_dict
    assert Person.objects.count() == before


# --- person_update ---------------------------------------------------------------------------------


def test_updating_a_person_bumps_the_version_and_writes_one_audit_event_with_the_changed_fields(world):
    person = world.own.adult
    with OneAuditEvent() as audited:
        services.person_update(
            acting_user=world.user("fieldworker"),
            person=person,
            version=1,
            family_name="Ownsen-Smit",
            phone="+31771234567",
        )
    person.refresh_from_db()
    assert (person.family_name, person.phone, person.version) == ("Ownsen-Smit", "+31771234567", 2)
    assert person.given_names == "Anna"  # untouched fields stay
    event = audited.event
    assert event.action == AuditAction.UPDATE
    assert (event.object_type, event.object_id) == ("registry.person", str(person.pk))
    assert event.person_ids == [person.pk]
    assert event.detail == {"fields": ["family_name", "phone"]}


def test_a_stale_person_update_is_refused_and_the_first_save_stands(world):
    first = Person.objects.get(pk=world.own.adult.pk)
    second = Person.objects.get(pk=world.own.adult.pk)
    services.person_update(acting_user=world.user("fieldworker"), person=first, version=1, phone="+31771234567")
    before = AuditEvent.objects.count()

    with pytest.raises(services.ConflictError):
        services.person_update(acting_user=world.user("case_manager"), person=second, version=1, phone="+31612345678")

    person = Person.objects.get(pk=world.own.adult.pk)
    assert (person.phone, person.version) == ("+31771234567", 2)
    assert no_new_audit_events(before)


def test_an_invalid_person_update_is_refused_without_using_up_the_version(world):
    person = world.own.adult
    with pytest.raises(ValidationError):
        services.person_update(acting_user=world.user("fieldworker"), person=person, version=1, email="nope")
    person.refresh_from_db()
    assert (person.email, person.version) == ("", 1)


def test_person_update_ignores_fields_that_are_not_the_persons(world):
    person = world.own.adult
    services.person_update(
        acting_user=world.user("fieldworker"), person=person, version=1, anonymised_at="x", given_names="Anne"
    )
    person.refresh_from_db()
    assert person.given_names == "Anne"
    assert person.anonymised_at is None


# --- person_leave_household ------------------------------------------------------------------------


def test_a_member_leaving_ends_the_membership_and_writes_one_audit_event(world):
    membership = world.own.membership_adult
    with OneAuditEvent() as audited:
        services.person_leave_household(
            acting_user=world.user("fieldworker"), membership=membership, left_on=datetime.date(2026, 3, 1)
        )
    membership.refresh_from_db()
    assert membership.end_date == datetime.date(2026, 3, 1)
    assert audited.event.person_ids == [world.own.adult.pk]
    assert audited.event.object_type == "registry.household"


def test_a_member_cannot_leave_before_joining(world):
    with pytest.raises(ValidationError):
        services.person_leave_household(
            acting_user=world.user("fieldworker"),
            membership=world.own.membership_adult,
            left_on=datetime.date(2019, 12, 31),
        )


# --- BSN --------------------------------------------------------------------------------------------


def _person_form_data(**overrides) -> dict:
    data = {"given_names": "Eva", "family_name": "Jansen", "date_of_birth": "1990-01-02"}
    data.update(overrides)
    return data


def test_the_bsn_field_is_absent_from_the_person_forms_when_bsn_is_disabled(settings):
    settings.STIJGING_ENABLE_BSN = False
    assert "bsn" not in PersonForm().fields
    assert "bsn" not in PersonEditForm().fields
    assert "bsn" not in MemberAddForm().fields
    form = PersonForm(_person_form_data(bsn="111222333"))
    assert form.is_valid()
    assert "bsn" not in form.person_fields()


def test_the_bsn_field_is_checked_with_the_11_proef_when_bsn_is_enabled(settings):
    settings.STIJGING_ENABLE_BSN = True
    assert "bsn" in PersonForm().fields

    invalid = PersonForm(_person_form_data(bsn="123456789"))
    assert not invalid.is_valid()
    assert "11-proef" in invalid.errors["bsn"][0]

    valid = PersonForm(_person_form_data(bsn="111222333"))
    assert valid.is_valid(), valid.errors
    assert valid.person_fields()["bsn"] == "111222333"

    empty = PersonForm(_person_form_data(bsn=""))
    assert empty.is_valid()


def test_the_services_refuse_a_bsn_that_fails_the_11_proef(world, settings):
    settings.STIJGING_ENABLE_BSN = True
    with pytest.raises(ValidationError) as raised:
        services.person_update(
            acting_user=world.user("fieldworker"), person=world.own.adult, version=1, bsn="123456789"
        )
    assert "bsn" in raised.value.message_dict
    with pytest.raises(ValidationError):
        services.person_add_to_household(
            acting_user=world.user("fieldworker"),
            household=world.own.household,
            relation="child",
            member_since=datetime.date(2020, 1, 1),
            **person_fields(bsn="12345678"),
        )
    person = services.person_update(
        acting_user=world.user("fieldworker"), person=world.own.adult, version=1, bsn="111222333"
    )
    assert person.bsn == "111222333"


def test_the_services_store_no_bsn_when_bsn_is_disabled(world, settings):
    # The form hides the field, but an import or the API call the services directly.
    settings.STIJGING_ENABLE_BSN = False
    with pytest.raises(ValidationError) as raised:
        services.person_update(
            acting_user=world.user("fieldworker"), person=world.own.adult, version=1, bsn="111222333"
        )
    assert "bsn" in raised.value.message_dict
    with pytest.raises(ValidationError):
        services.person_add_to_household(
            acting_user=world.user("fieldworker"),
            household=world.own.household,
            relation="child",
            member_since=datetime.date(2020, 1, 1),
            **person_fields(bsn="111222333"),
        )
    assert not Person.objects.exclude(bsn="").exists()
