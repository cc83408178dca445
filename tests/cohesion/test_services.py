"""The neighbourhood track's writes: validation in Dutch-first messages that lose nothing, the
concurrency rule, the consent rules, and an audit event for every write of personal data."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from stijging.cohesion import selectors, services
from stijging.cohesion.models import Activity, ActivityKind, Participant, WaveAnswer
from stijging.concurrency import ConflictError
from stijging.privacy.models import AuditAction, AuditEvent

from .factories import activity_of, participant_of, wave_of

D = datetime.date


@pytest.fixture
def coordinator(world):
    return world.user("coordinator")


def _kind(code="garden_cleanup"):
    return ActivityKind.objects.get(code=code)


def test_an_activity_is_recorded_on_streets_of_the_programme_and_audited(world, coordinator):
    activity = services.activity_record(
        acting_user=coordinator,
        programme=world.own.programme,
        kind=_kind(),
        title="",
        date=D(2026, 4, 11),
        streets=[world.own.street],
        organiser="Bewoners Ownstraat",
        participant_count=9,
    )
    assert activity.title == _kind().name  # left empty: the kind is the title
    assert list(activity.streets.all()) == [world.own.street]
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_type="cohesion.activity").exists()


def test_an_activity_cannot_be_put_on_a_street_of_another_programme(world, coordinator):
    with pytest.raises(ValidationError) as error:
        services.activity_record(
            acting_user=coordinator,
            programme=world.own.programme,
            kind=_kind(),
            title="x",
            date=D(2026, 4, 11),
            streets=[world.foreign.street],
            organiser="x",
            participant_count=1,
        )
    assert "streets" in error.value.message_dict
    assert not Activity.objects.exists()


def test_a_weekly_series_is_entered_once_and_makes_one_activity_per_date(world, coordinator):
    series = services.series_create(
        acting_user=coordinator,
        programme=world.own.programme,
        kind=_kind("children_cleaning_group"),
        title="Kinderschoonmaakploeg",
        first_date=D(2026, 1, 7),
        last_date=D(2026, 3, 31),
        every_weeks=1,
        streets=[world.own.street],
        organiser="Buurtcoördinator",
        participant_count=8,
    )
    dates = list(series.activities.order_by("date").values_list("date", flat=True))
    # 7 January + 7k days up to 31 March: 7, 14, 21, 28 Jan; 4, 11, 18, 25 Feb; 4, 11, 18, 25 Mar = 12
    assert len(dates) == 12
    assert dates[0] == D(2026, 1, 7) and dates[-1] == D(2026, 3, 25)
    assert all(a.streets.count() == 1 for a in series.activities.all())


def test_a_series_longer_than_two_years_of_weeks_is_refused(world, coordinator):
    with pytest.raises(ValidationError) as error:
        services.series_create(
            acting_user=coordinator,
            programme=world.own.programme,
            kind=_kind("children_cleaning_group"),
            title="x",
            first_date=D(2026, 1, 1),
            last_date=D(2029, 1, 1),
            every_weeks=1,
            streets=[world.own.street],
            organiser="x",
            participant_count=0,
        )
    assert "last_date" in error.value.message_dict
    assert not Activity.objects.exists()


def test_a_stale_save_of_an_activity_is_refused_not_applied(world, coordinator):
    activity = activity_of(world.own)
    fields = dict(
        kind=activity.kind,
        title="Eerste",
        date=activity.date,
        streets=[world.own.street],
        organiser="x",
        participant_count=3,
    )
    services.activity_update(acting_user=coordinator, activity=activity, version=activity.version, **fields)
    with pytest.raises(ConflictError):
        services.activity_update(
            acting_user=coordinator, activity=activity, version=1, **(fields | {"title": "Tweede"})
        )
    assert Activity.objects.get(pk=activity.pk).title == "Eerste"


def test_attendance_raises_the_count_to_the_participants_registered_by_name(world, coordinator):
    activity = services.activity_record(
        acting_user=coordinator,
        programme=world.own.programme,
        kind=_kind(),
        title="x",
        date=D(2026, 4, 11),
        streets=[world.own.street],
        organiser="x",
        participant_count=0,
    )
    participant = participant_of(world.own)
    services.attendance_add(acting_user=coordinator, activity=activity, participant=participant)
    services.attendance_add(acting_user=coordinator, activity=activity, participant=participant)  # twice: once
    activity.refresh_from_db()
    assert activity.participant_count == 1
    assert list(activity.participants.all()) == [participant]
    with pytest.raises(ValidationError):
        services.attendance_add(acting_user=coordinator, activity=activity, participant=participant_of(world.foreign))


def test_a_child_is_kept_only_with_a_parents_consent(world, coordinator):
    with pytest.raises(ValidationError) as error:
        services.participant_register(
            acting_user=coordinator,
            programme=world.own.programme,
            name="Bram",
            is_child=True,
            consent_given_on=D(2026, 5, 1),
            consent_given_by="self",
        )
    assert "consent_given_by" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.participant_register(
            acting_user=coordinator,
            programme=world.own.programme,
            name="Bram",
            is_child=True,
            consent_given_on=D(2026, 5, 1),
            consent_given_by="parent",
        )
    assert "parent_name" in error.value.message_dict
    child = services.participant_register(
        acting_user=coordinator,
        programme=world.own.programme,
        name="Bram",
        is_child=True,
        consent_given_on=D(2026, 5, 1),
        consent_given_by="parent",
        parent_name="Anna Ownsen",
    )
    assert child.parent_name == "Anna Ownsen"
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_type="cohesion.participant").count() == 1


def test_consent_dated_in_the_future_is_refused(world, coordinator):
    with pytest.raises(ValidationError) as error:
        services.participant_register(
            acting_user=coordinator,
            programme=world.own.programme,
            name="Noor",
            consent_given_on=timezone.localdate() + datetime.timedelta(days=1),
            consent_given_by="self",
        )
    assert "consent_given_on" in error.value.message_dict


def test_a_participant_is_linked_to_the_one_resident_at_that_address_born_that_day(world, coordinator):
    participant = participant_of(world.own)
    site = world.own
    with pytest.raises(ValidationError):  # the right address, another birthday: nobody matches
        services.participant_link(
            acting_user=coordinator,
            participant=participant,
            link_consent_on=D(2026, 6, 1),
            postcode=site.address.postcode,
            huisnummer=site.address.huisnummer,
            date_of_birth=D(1985, 4, 3),
        )
    with pytest.raises(ValidationError):  # the foreign programme's resident is never found from here
        services.participant_link(
            acting_user=coordinator,
            participant=participant,
            link_consent_on=D(2026, 6, 1),
            postcode=world.foreign.address.postcode,
            huisnummer=world.foreign.address.huisnummer,
            date_of_birth=world.foreign.adult.date_of_birth,
        )
    assert Participant.objects.get(pk=participant.pk).person_id is None
    services.participant_link(
        acting_user=coordinator,
        participant=participant,
        link_consent_on=D(2026, 6, 1),
        postcode=site.address.postcode,
        huisnummer=site.address.huisnummer,
        date_of_birth=site.adult.date_of_birth,
    )
    participant.refresh_from_db()
    assert participant.person_id == site.adult.pk and participant.link_consent_on == D(2026, 6, 1)
    event = AuditEvent.objects.filter(object_type="cohesion.participant", action=AuditAction.UPDATE).latest("pk")
    assert event.person_ids == [site.adult.pk]
    services.participant_unlink(acting_user=coordinator, participant=participant)
    participant.refresh_from_db()
    assert participant.person_id is None and participant.link_consent_on is None


def test_hours_are_recorded_once_worked_and_make_a_volunteer(world, coordinator):
    participant = services.participant_register(
        acting_user=coordinator,
        programme=world.own.programme,
        name="Sem",
        consent_given_on=D(2026, 5, 1),
        consent_given_by="self",
    )
    with pytest.raises(ValidationError) as error:
        services.hours_record(
            acting_user=coordinator,
            participant=participant,
            date=timezone.localdate() + datetime.timedelta(days=1),
            hours=Decimal(2),
        )
    assert "date" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.hours_record(acting_user=coordinator, participant=participant, date=D(2026, 6, 1), hours=Decimal(25))
    assert "hours" in error.value.message_dict
    services.hours_record(acting_user=coordinator, participant=participant, date=D(2026, 6, 1), hours=Decimal("2.5"))
    participant.refresh_from_db()
    assert participant.volunteer
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_type="cohesion.volunteerhours").count() == 1


def test_waves_of_a_programme_do_not_overlap(world, coordinator):
    wave_of(world.own)  # 1 October – 20 November 2026
    with pytest.raises(ValidationError):
        services.wave_create(
            acting_user=coordinator,
            programme=world.own.programme,
            name="Overlap",
            starts_on=D(2026, 11, 20),
            ends_on=D(2026, 12, 31),
        )
    services.wave_create(
        acting_user=coordinator,
        programme=world.own.programme,
        name="Next",
        starts_on=D(2026, 11, 21),
        ends_on=D(2026, 12, 31),
    )
    # Another programme's waves are its own.
    wave_of(world.foreign)


def test_a_door_response_needs_every_statement_answered_or_a_reason(world, coordinator):
    wave = wave_of(world.own)
    statements = services.door_statements()
    assert len(statements) == 6
    answers: dict[int, int | str] = {s.pk: 4 for s in statements[:5]}
    with pytest.raises(ValidationError) as error:
        services.wave_response_record(
            acting_user=coordinator,
            wave=wave,
            area=world.own.area,
            street=world.own.street,
            answered_on=D(2026, 10, 5),
            answers=answers,
        )
    assert f"statement_{statements[5].pk}" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.wave_response_record(
            acting_user=coordinator,
            wave=wave,
            area=world.own.area,
            street=world.own.street,
            answered_on=D(2026, 9, 30),  # before the wave
            answers=answers | {statements[5].pk: "declined"},
        )
    assert "answered_on" in error.value.message_dict
    response = services.wave_response_record(
        acting_user=coordinator,
        wave=wave,
        area=world.own.area,
        street=world.own.street,
        answered_on=D(2026, 10, 5),
        answers=answers | {statements[5].pk: "declined"},
    )
    stored = dict(WaveAnswer.objects.filter(response=response).values_list("statement_id", "non_answer"))
    assert stored[statements[5].pk] == "declined" and stored[statements[0].pk] == ""


def test_a_door_response_on_a_street_outside_the_area_is_refused(world, coordinator):
    with pytest.raises(ValidationError) as error:
        services.wave_response_record(
            acting_user=coordinator,
            wave=wave_of(world.own),
            area=world.own.area,
            street=world.foreign.street,
            answered_on=D(2026, 10, 5),
            answers={s.pk: 3 for s in services.door_statements()},
        )
    assert "street" in error.value.message_dict


@pytest.mark.parametrize(
    "days_ago,regular",
    [
        ((0, 30, 60), True),  # one day in each 30-day window: today, today − 30, today − 60
        ((29, 59, 89), True),  # the last day of each window
        ((0, 30, 90), False),  # the third one falls outside the three months
        ((0, 1, 45), False),  # two windows only
    ],
)
def test_regular_volunteering_is_hours_in_each_of_the_last_three_30_day_windows(world, coordinator, days_ago, regular):
    today = D(2026, 11, 25)
    participant = participant_of(world.own)
    Participant.objects.filter(pk=participant.pk).update(person=world.own.adult, link_consent_on=D(2026, 1, 1))
    for n in days_ago:
        participant.hours.create(date=today - datetime.timedelta(days=n), hours=Decimal(2), recorded_by=coordinator)
    volunteering = selectors.volunteering_of([world.own.adult.pk], today)[world.own.adult.pk]
    assert volunteering.regular is regular
    assert volunteering.hours == Decimal(2) * sum(1 for n in days_ago if n < 90)


def test_volunteering_of_a_record_without_a_consented_link_is_never_shown(world, coordinator):
    participant = participant_of(world.own)
    participant.hours.create(date=D(2026, 11, 20), hours=Decimal(2), recorded_by=coordinator)
    assert selectors.volunteering_of([world.own.adult.pk], D(2026, 11, 25)) == {}


def _look_up(coordinator, participant, site, date_of_birth):
    return services.participant_link(
        acting_user=coordinator,
        participant=participant,
        link_consent_on=D(2026, 6, 1),
        postcode=site.address.postcode,
        huisnummer=site.address.huisnummer,
        date_of_birth=date_of_birth,
    )


def test_every_resident_look_up_is_audited_found_or_not_without_the_typed_address_or_date(world, coordinator):
    from django.core.cache import cache

    cache.clear()
    participant = participant_of(world.own)
    site = world.own
    with pytest.raises(ValidationError):
        _look_up(coordinator, participant, site, D(1985, 4, 3))
    missed = AuditEvent.objects.get(action=AuditAction.SEARCH, object_type="cohesion.participant")
    assert missed.detail == {"resident_lookup": "not_found"} and missed.person_ids == []
    assert missed.actor == coordinator
    _look_up(coordinator, participant, site, site.adult.date_of_birth)
    found = AuditEvent.objects.filter(action=AuditAction.SEARCH, object_type="cohesion.participant").latest("pk")
    assert found.detail == {"resident_lookup": "found"} and found.person_ids == [site.adult.pk]
    for event in (missed, found):
        text = str(event.detail) + event.path
        assert site.address.postcode not in text and "1985" not in text


def test_resident_look_ups_are_throttled_per_user(world, coordinator):
    """Trying birth dates in a loop ("is someone born on D living here?") stops after ten an hour."""
    from django.core.cache import cache

    cache.clear()
    participant = participant_of(world.own)
    site = world.own
    for day in range(1, services.LINK_LOOKUPS_PER_HOUR + 1):
        with pytest.raises(ValidationError, match="No single resident"):
            _look_up(coordinator, participant, site, D(1985, 1, day))
    # The eleventh, even with the right date, is refused without looking.
    with pytest.raises(ValidationError, match="Too many look-ups"):
        _look_up(coordinator, participant, site, site.adult.date_of_birth)
    assert Participant.objects.get(pk=participant.pk).person_id is None
    refused = AuditEvent.objects.filter(action=AuditAction.SEARCH).latest("pk")
    assert refused.outcome == "denied" and refused.detail == {"resident_lookup": "throttled"}
    # When the hour has passed (here: its counter is gone), look-ups are answered again.
    cache.delete(f"stijging:participant-link-lookups:{coordinator.pk}")
    _look_up(coordinator, participant, site, site.adult.date_of_birth)
