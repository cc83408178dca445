"""Consent per person and purpose (SPEC §2.8, §5): under 16 a parent consents; sharing names an
organisation; a withdrawal is dated, kept and shown; every write is audited."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from stijging.privacy import services
from stijging.privacy.models import AuditAction, AuditEvent, Consent, ConsentGivenBy, ConsentPurpose
from stijging.privacy.signals import consent_withdrawn

from ..registry.factories import PersonFactory


def today() -> datetime.date:
    return timezone.localdate()


def sixteenth_birthday_days_ago(days: int) -> datetime.date:
    """A date of birth whose 16th birthday was `days` ago (never 29 February)."""
    birthday = today() - datetime.timedelta(days=days)
    if (birthday.month, birthday.day) == (2, 29):
        birthday -= datetime.timedelta(days=1)
    return birthday.replace(year=birthday.year - 16)


def record(world, person, **overrides):
    kwargs = {
        "acting_user": world.user("fieldworker"),
        "person": person,
        "purpose": ConsentPurpose.RECEIVE_HELP,
        "given_by": ConsentGivenBy.PERSON,
        "given_on": today() - datetime.timedelta(days=7),
    }
    kwargs.update(overrides)
    return services.consent_record(**kwargs)


# --- Under 16 a parent consents ---------------------------------------------------------------------


def test_a_person_under_16_cannot_give_consent_themselves(world):
    child = world.own.child  # born 2016: 10 years old
    with pytest.raises(ValidationError) as raised:
        record(world, child, given_by=ConsentGivenBy.PERSON)
    assert "given_by" in raised.value.message_dict
    assert "under 16" in raised.value.message_dict["given_by"][0]
    assert not Consent.objects.filter(person=child).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.CREATE, object_type="privacy.consent").exists()


def test_a_parent_gives_consent_for_a_person_under_16(world):
    child = world.own.child
    consent = record(world, child, given_by=ConsentGivenBy.PARENT, parent_name="  Anna Ownsen ")
    assert consent.given_by == ConsentGivenBy.PARENT
    assert consent.parent_name == "Anna Ownsen"
    assert consent.recorded_by == world.user("fieldworker")


def test_a_parent_who_consents_must_be_named(world):
    with pytest.raises(ValidationError) as raised:
        record(world, world.own.child, given_by=ConsentGivenBy.PARENT, parent_name="   ")
    assert "parent_name" in raised.value.message_dict


def test_the_parent_name_is_not_kept_when_the_person_consents_themselves(world):
    consent = record(world, world.own.adult, given_by=ConsentGivenBy.PERSON, parent_name="Somebody")
    assert consent.parent_name == ""


def test_consent_dated_the_day_before_the_16th_birthday_needs_a_parent(world):
    person = PersonFactory(date_of_birth=sixteenth_birthday_days_ago(10))
    the_day_before = today() - datetime.timedelta(days=11)
    with pytest.raises(ValidationError) as raised:
        record(world, person, given_by=ConsentGivenBy.PERSON, given_on=the_day_before)
    assert "given_by" in raised.value.message_dict
    # A parent could consent on that date.
    record(world, person, given_by=ConsentGivenBy.PARENT, parent_name="Ouder", given_on=the_day_before)


def test_consent_dated_on_or_after_the_16th_birthday_is_the_persons_own(world):
    person = PersonFactory(date_of_birth=sixteenth_birthday_days_ago(10))
    on_the_birthday = today() - datetime.timedelta(days=10)
    consent = record(world, person, given_by=ConsentGivenBy.PERSON, given_on=on_the_birthday)
    assert consent.given_by == ConsentGivenBy.PERSON
    later = record(world, person, given_by=ConsentGivenBy.PERSON, given_on=today())
    assert later.pk != consent.pk


def test_a_16_year_olds_consent_recorded_today_but_dated_before_the_birthday_still_needs_a_parent(world):
    # What counts is the age on the date the consent was given, not the age today.
    person = PersonFactory(date_of_birth=sixteenth_birthday_days_ago(100))
    assert person.age >= 16
    with pytest.raises(ValidationError):
        record(world, person, given_by=ConsentGivenBy.PERSON, given_on=today() - datetime.timedelta(days=101))


def test_consent_cannot_be_dated_in_the_future_or_before_birth(world):
    with pytest.raises(ValidationError) as raised:
        record(world, world.own.adult, given_on=today() + datetime.timedelta(days=1))
    assert "given_on" in raised.value.message_dict
    with pytest.raises(ValidationError) as raised:
        record(world, world.own.adult, given_on=world.own.adult.date_of_birth - datetime.timedelta(days=1))
    assert "given_on" in raised.value.message_dict


# --- Purpose -----------------------------------------------------------------------------------------


def test_consent_to_share_requires_an_organisation(world):
    with pytest.raises(ValidationError) as raised:
        record(world, world.own.adult, purpose=ConsentPurpose.SHARE_WITH_ORGANISATION, organisation=None)
    assert "organisation" in raised.value.message_dict


def test_consent_to_share_names_the_organisation(world):
    consent = record(
        world,
        world.own.adult,
        purpose=ConsentPurpose.SHARE_WITH_ORGANISATION,
        organisation=world.partner_organisation,
    )
    assert consent.organisation == world.partner_organisation


def test_consent_to_receive_help_never_carries_an_organisation(world):
    consent = record(world, world.own.adult, organisation=world.partner_organisation)
    assert consent.organisation is None


def test_the_database_refuses_a_share_consent_without_organisation_even_past_the_service(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Consent.objects.create(
            person=world.own.adult,
            purpose=ConsentPurpose.SHARE_WITH_ORGANISATION,
            given_by="person",
            given_on=today(),
        )


# --- Withdrawal -------------------------------------------------------------------------------------


def test_a_withdrawn_consent_shows_as_withdrawn_with_its_date(world):
    consent = world.own.consent  # given 2026-02-01
    withdrawn_on = datetime.date(2026, 3, 4)

    result = services.consent_withdraw(
        acting_user=world.user("fieldworker"), consent=consent, withdrawn_on=withdrawn_on, note="changed mind"
    )

    consent.refresh_from_db()
    assert result.withdrawn_on == consent.withdrawn_on == withdrawn_on
    assert consent.is_withdrawn
    assert consent.withdrawn_by == world.user("fieldworker")
    assert consent.withdrawal_note == "changed mind"
    assert consent not in Consent.objects.active()
    assert consent in Consent.objects.active(on=datetime.date(2026, 3, 3))
    # Nothing is deleted.
    assert Consent.objects.filter(pk=consent.pk).exists()


def test_the_person_page_shows_a_withdrawn_consent_as_withdrawn_on_its_date(world, login):
    consent = world.own.consent
    services.consent_withdraw(
        acting_user=world.user("fieldworker"), consent=consent, withdrawn_on=datetime.date(2026, 3, 4)
    )
    client = login(world.user("fieldworker"))

    html = client.get(reverse("registry:person", args=[world.own.adult.pk])).content.decode()

    assert "withdrawn on 4-3-2026" in html
    # A withdrawn consent offers no second withdrawal.
    assert reverse("registry:consent_withdraw", args=[consent.pk]) not in html


def test_the_person_page_shows_a_valid_consent_with_a_withdraw_link(world, login):
    client = login(world.user("fieldworker"))
    html = client.get(reverse("registry:person", args=[world.own.adult.pk])).content.decode()
    assert "valid" in html
    assert "withdrawn on" not in html
    assert reverse("registry:consent_withdraw", args=[world.own.consent.pk]) in html


def test_withdrawing_twice_is_refused(world):
    consent = world.own.consent
    services.consent_withdraw(acting_user=world.user("fieldworker"), consent=consent, withdrawn_on=today())
    with pytest.raises(ValidationError, match="already been withdrawn"):
        services.consent_withdraw(acting_user=world.user("case_manager"), consent=consent, withdrawn_on=today())
    consent.refresh_from_db()
    # The first withdrawal stands.
    assert consent.withdrawn_by == world.user("fieldworker")


def test_withdrawing_twice_with_a_stale_object_is_refused_too(world):
    # Two workers opened the consent before either withdrew it.
    first = Consent.objects.get(pk=world.own.consent.pk)
    second = Consent.objects.get(pk=world.own.consent.pk)
    services.consent_withdraw(acting_user=world.user("fieldworker"), consent=first, withdrawn_on=today())
    with pytest.raises(ValidationError):
        services.consent_withdraw(
            acting_user=world.user("case_manager"), consent=second, withdrawn_on=datetime.date(2026, 2, 2)
        )
    assert Consent.objects.get(pk=first.pk).withdrawn_on == today()


def test_a_withdrawal_dated_before_the_consent_was_given_is_refused(world):
    consent = world.own.consent  # given 2026-02-01
    with pytest.raises(ValidationError) as raised:
        services.consent_withdraw(
            acting_user=world.user("fieldworker"), consent=consent, withdrawn_on=datetime.date(2026, 1, 31)
        )
    assert "withdrawn_on" in raised.value.message_dict
    consent.refresh_from_db()
    assert consent.withdrawn_on is None


def test_a_withdrawal_dated_in_the_future_is_refused(world):
    with pytest.raises(ValidationError) as raised:
        services.consent_withdraw(
            acting_user=world.user("fieldworker"),
            consent=world.own.consent,
            withdrawn_on=today() + datetime.timedelta(days=1),
        )
    assert "withdrawn_on" in raised.value.message_dict


def test_a_withdrawal_on_the_day_the_consent_was_given_is_allowed(world):
    consent = world.own.consent
    services.consent_withdraw(acting_user=world.user("fieldworker"), consent=consent, withdrawn_on=consent.given_on)
    consent.refresh_from_db()
    assert consent.withdrawn_on == consent.given_on


# --- Audit and signal -------------------------------------------------------------------------------


def test_recording_a_consent_leaves_an_audit_event_naming_the_person(world):
    fieldworker = world.user("fieldworker")
    consent = record(
        world,
        world.own.adult,
        purpose=ConsentPurpose.SHARE_WITH_ORGANISATION,
        organisation=world.partner_organisation,
    )
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="privacy.consent")
    assert event.object_id == str(consent.pk)
    assert event.person_ids == [world.own.adult.pk]
    assert event.actor == fieldworker
    assert event.detail == {"purpose": "share", "organisation_id": world.partner_organisation.pk}


def test_withdrawing_a_consent_leaves_an_audit_event_naming_the_person(world):
    consent = world.own.consent
    services.consent_withdraw(
        acting_user=world.user("case_manager"), consent=consent, withdrawn_on=datetime.date(2026, 3, 4)
    )
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, object_type="privacy.consent")
    assert event.object_id == str(consent.pk)
    assert event.person_ids == [world.own.adult.pk]
    assert event.actor == world.user("case_manager")
    assert event.detail == {"withdrawn_on": "2026-03-04"}


def test_a_refused_write_leaves_no_audit_event(world):
    services.consent_withdraw(acting_user=world.user("fieldworker"), consent=world.own.consent, withdrawn_on=today())
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        services.consent_withdraw(
            acting_user=world.user("fieldworker"), consent=world.own.consent, withdrawn_on=today()
        )
    with pytest.raises(ValidationError):
        record(world, world.own.child, given_by=ConsentGivenBy.PERSON)
    assert AuditEvent.objects.count() == before


def test_the_consent_withdrawn_signal_fires_once_with_the_consent_and_the_actor(world):
    received = []

    def receiver(sender, consent, acting_user, **kwargs):
        received.append((sender, consent.pk, consent.withdrawn_on, acting_user))

    consent_withdrawn.connect(receiver)
    try:
        services.consent_withdraw(
            acting_user=world.user("fieldworker"), consent=world.own.consent, withdrawn_on=datetime.date(2026, 3, 4)
        )
        with pytest.raises(ValidationError):
            services.consent_withdraw(
                acting_user=world.user("fieldworker"), consent=world.own.consent, withdrawn_on=today()
            )
    finally:
        consent_withdrawn.disconnect(receiver)

    assert received == [(Consent, world.own.consent.pk, datetime.date(2026, 3, 4), world.user("fieldworker"))]


def test_a_receiver_that_fails_undoes_the_withdrawal(world):
    # The signal is sent inside the transaction: what rests on the consent ends with it, or nothing does.
    def receiver(**kwargs):
        raise RuntimeError("could not end the referral")

    consent_withdrawn.connect(receiver)
    try:
        with pytest.raises(RuntimeError):
            services.consent_withdraw(
                acting_user=world.user("fieldworker"), consent=world.own.consent, withdrawn_on=today()
            )
    finally:
        consent_withdrawn.disconnect(receiver)
    assert Consent.objects.get(pk=world.own.consent.pk).withdrawn_on is None
    assert not AuditEvent.objects.filter(object_type="privacy.consent").exists()


def test_consents_are_visible_exactly_when_their_person_is(world):
    fieldworker = world.user("fieldworker")
    assert world.own.consent in Consent.objects.visible_to(fieldworker)
    assert world.foreign.consent not in Consent.objects.visible_to(fieldworker)
    for role in ("coordinator", "manager", "admin", "privacy_officer", "partner", "no_membership"):
        assert not Consent.objects.visible_to(world.user(role)).exists(), role
