"""The coordinator's screens: what they show, what they log, bad input kept, and a bounded number of
queries whatever the number of activities or participants."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from stijging.cohesion import services
from stijging.cohesion.models import Activity, ActivityKind, Participant, WaveResponse
from stijging.privacy.models import AuditAction, AuditEvent

from .factories import activity_of, participant_of, wave_of

D = datetime.date


@pytest.fixture
def coordinator(world, login):
    return login(world.user("coordinator"))


def _many(world, n=12):
    """n activities with a participant each and hours, so a loop over them would show in the counts."""
    coordinator = world.user("coordinator")
    kind = ActivityKind.objects.get(code="garden_cleanup")
    for i in range(n):
        activity = services.activity_record(
            acting_user=coordinator,
            programme=world.own.programme,
            kind=kind,
            title=f"Tuinen {i}",
            date=D(2026, 3, 1) + datetime.timedelta(days=7 * i),
            streets=[world.own.street],
            organiser="Bewoners",
            participant_count=5,
        )
        participant = services.participant_register(
            acting_user=coordinator,
            programme=world.own.programme,
            name=f"Deelnemer {i}",
            consent_given_on=D(2026, 2, 1),
            consent_given_by="self",
            street=world.own.street,
        )
        services.attendance_add(acting_user=coordinator, activity=activity, participant=participant)
        services.hours_record(acting_user=coordinator, participant=participant, date=activity.date, hours=Decimal(2))


def test_the_activity_list_shows_the_year_per_kind_in_a_constant_number_of_queries(
    world, coordinator, django_assert_max_num_queries
):
    _many(world)
    url = reverse("cohesion:activities", args=[world.own.programme.slug]) + "?year=2026"
    # session, user, memberships (2: the programme and the access check), kinds, totals, kind names,
    # page count, page, streets prefetch
    with django_assert_max_num_queries(11):
        response = coordinator.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Tuinen 11" in body and "Garden clean-up" in body


def test_the_participant_list_is_audited_and_runs_a_constant_number_of_queries(
    world, coordinator, django_assert_max_num_queries
):
    _many(world)
    url = reverse("cohesion:participants", args=[world.own.programme.slug])
    # session, user, memberships, programme, count, page (with attendance count and hours subquery),
    # the audit insert (with its savepoint pair)
    with django_assert_max_num_queries(10):
        response = coordinator.get(url)
    assert response.status_code == 200
    assert "Deelnemer 3" in response.content.decode()
    event = AuditEvent.objects.filter(action=AuditAction.LIST, object_type="cohesion.participant").latest("pk")
    assert len(event.detail["participants"]) == 12


def test_the_participant_page_is_audited_with_the_linked_person(world, coordinator, django_assert_max_num_queries):
    participant = participant_of(world.own)
    Participant.objects.filter(pk=participant.pk).update(person=world.own.adult, link_consent_on=D(2026, 3, 1))
    url = reverse("cohesion:participant", args=[participant.pk])
    # session, user, memberships, participant (+programme, street, person), activities, hours,
    # volunteering, streets for the form, recent activities for the form, audit insert
    with django_assert_max_num_queries(14):
        response = coordinator.get(url)
    assert response.status_code == 200
    event = AuditEvent.objects.filter(action=AuditAction.VIEW, object_type="cohesion.participant").latest("pk")
    assert event.person_ids == [world.own.adult.pk]
    # The coordinator sees that the record is linked, never the resident's registry data.
    body = response.content.decode()
    assert "yes, agreed on 1-3-2026" in body
    assert world.own.adult.full_name not in body and "1985" not in body


def test_the_activity_page_lists_participants_by_name_and_logs_the_reading(
    world, coordinator, django_assert_max_num_queries
):
    activity = activity_of(world.own)
    participant = participant_of(world.own)
    services.attendance_add(acting_user=world.user("coordinator"), activity=activity, participant=participant)
    url = reverse("cohesion:activity", args=[activity.pk])
    with django_assert_max_num_queries(14):
        response = coordinator.get(url)
    assert participant.name in response.content.decode()
    event = AuditEvent.objects.filter(action=AuditAction.VIEW, object_type="cohesion.activity").latest("pk")
    assert event.detail["participants"] == [participant.pk]


def test_bad_input_for_an_activity_is_answered_with_messages_and_the_input_kept(world, coordinator):
    url = reverse("cohesion:activity_create", args=[world.own.programme.slug])
    response = coordinator.post(url, {"title": "Straatspeeldag Ownstraat", "date": "31-02-2026", "organiser": "x"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Straatspeeldag Ownstraat" in body  # what was typed stays
    assert "Enter a valid date." in body
    assert not Activity.objects.exists()


def test_a_concurrent_edit_of_an_activity_is_refused_with_the_input_kept(world, coordinator):
    activity = activity_of(world.own)
    form = {
        "kind": activity.kind_id,
        "title": "Mijn versie",
        "date": "2026-05-16",
        "streets": [world.own.street.pk],
        "organiser": "Bewonerscommissie",
        "participant_count": "12",
        "version": str(activity.version),
    }
    Activity.objects.filter(pk=activity.pk).update(title="Collega's versie", version=activity.version + 1)
    response = coordinator.post(reverse("cohesion:activity", args=[activity.pk]), form)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Someone else changed this" in body and "Mijn versie" in body
    assert Activity.objects.get(pk=activity.pk).title == "Collega's versie"


def test_the_coordinator_records_a_door_response_and_goes_on_in_the_same_street(world, coordinator):
    wave = wave_of(world.own)
    data = {
        "area": world.own.area.pk,
        "street": world.own.street.pk,
        "answered_on": "2026-10-05",
        "aged_15_or_older": "on",
        **{f"statement_{s.pk}": "4" for s in services.door_statements()},
    }
    response = coordinator.post(reverse("cohesion:wave", args=[wave.pk]), data)
    assert response.status_code == 302
    assert f"street={world.own.street.pk}" in response["Location"]
    assert WaveResponse.objects.filter(wave=wave, street=world.own.street).count() == 1
    # Without the age confirmation nothing is kept.
    response = coordinator.post(reverse("cohesion:wave", args=[wave.pk]), data | {"aged_15_or_older": ""})
    assert response.status_code == 400
    assert WaveResponse.objects.count() == 1


def test_the_case_manager_sees_regular_volunteering_as_a_hint_for_rung_4(world, login):
    from ..trajectories.factories import trajectory_of

    trajectory = trajectory_of(world.own, world)
    participant = participant_of(world.own)
    Participant.objects.filter(pk=participant.pk).update(person=trajectory.person, link_consent_on=D(2026, 1, 1))
    today = datetime.date.today()
    for n in (3, 33, 63):
        participant.hours.create(
            date=today - datetime.timedelta(days=n), hours=Decimal(3), recorded_by=world.user("coordinator")
        )
    client = login(trajectory.case_manager)
    body = client.get(reverse("trajectories:trajectory", args=[trajectory.pk])).content.decode()
    assert "candidate for rung 4" in body
    assert "9.0 hours" in body or "9,0" in body
    # Once the person is on rung 4 or higher, there is nothing to hint at.
    from stijging.trajectories.models import Measurement

    Measurement.objects.create(
        person=trajectory.person, programme=trajectory.programme, measured_on=today, rung=4, by=trajectory.case_manager
    )
    body = client.get(reverse("trajectories:trajectory", args=[trajectory.pk])).content.decode()
    assert "candidate for rung 4" not in body


# --- Volunteer hours as people write them, once, correctable (issue 19) ---------------------------


def _hours_post(coordinator, participant, **data):
    return coordinator.post(reverse("cohesion:hours_add", args=[participant.pk]), {"date": "2026-03-02"} | data)


def test_hours_typed_with_a_dutch_comma_are_stored_as_written(world, coordinator):
    participant = participant_of(world.own)
    response = _hours_post(coordinator, participant, hours="3,5")
    assert response.status_code == 302
    assert participant.hours.get().hours == Decimal("3.5")
    url = reverse("cohesion:participant", args=[participant.pk])
    page = coordinator.get(url, HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert '<td class="num">3,5</td>' in page
    # A point is read the same way; a thousands separator is refused, never guessed.
    participant.hours.all().delete()
    assert _hours_post(coordinator, participant, hours="2.5").status_code == 302
    assert participant.hours.get().hours == Decimal("2.5")
    assert _hours_post(coordinator, participant, date="2026-03-03", hours="1.000,5").status_code == 400
    assert participant.hours.count() == 1


def test_hours_for_a_day_already_recorded_warn_before_they_are_recorded_again(world, coordinator):
    participant = participant_of(world.own)
    assert _hours_post(coordinator, participant, hours="2").status_code == 302
    response = _hours_post(coordinator, participant, hours="2")
    assert response.status_code == 400
    assert 'name="confirm_duplicate"' in response.content.decode()
    assert participant.hours.count() == 1
    assert _hours_post(coordinator, participant, hours="2", confirm_duplicate="on").status_code == 302
    assert participant.hours.count() == 2


def test_hours_are_corrected_and_removed_with_the_old_values_in_the_log(
    world, coordinator, django_assert_max_num_queries
):
    participant = participant_of(world.own)
    _hours_post(coordinator, participant, hours="12")
    entry = participant.hours.get()
    url = reverse("cohesion:hours_edit", args=[entry.pk])
    # session, user, memberships, the entry (+ participant, programme, activity; scoped), recent
    # activities for the form.
    with django_assert_max_num_queries(5):
        response = coordinator.get(url)
    assert response.status_code == 200
    assert 'value="12"' in response.content.decode()
    response = coordinator.post(url, {"date": "2026-03-02", "hours": "3,5"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.hours == Decimal("3.5")
    event = AuditEvent.objects.filter(action=AuditAction.UPDATE, object_type="cohesion.volunteerhours").latest("pk")
    assert (event.detail["before"]["hours"], event.detail["after"]["hours"]) == ("12.0", "3.5")
    assert coordinator.post(url, {"remove": "1"}).status_code == 302
    assert not participant.hours.exists()
    event = AuditEvent.objects.filter(action=AuditAction.DELETE, object_type="cohesion.volunteerhours").latest("pk")
    assert event.detail["removed"]["hours"] == "3.5"


def test_another_programmes_hours_cannot_be_corrected_or_removed(world, login):
    from .factories import hours_of

    entry = hours_of(world.foreign)
    own_coordinator = login(world.user("coordinator"))
    url = reverse("cohesion:hours_edit", args=[entry.pk])
    assert own_coordinator.post(url, {"remove": "1"}).status_code == 404
    assert own_coordinator.post(url, {"date": "2026-03-02", "hours": "9"}).status_code == 404
    entry.refresh_from_db()
    assert entry.hours == Decimal("2.5")
    # Nor by a role that keeps no neighbourhood records, in the own programme.
    own_entry = hours_of(world.own)
    assert (
        login(world.user("case_manager"))
        .post(reverse("cohesion:hours_edit", args=[own_entry.pk]), {"remove": "1"})
        .status_code
        == 404
    )
    assert own_entry.__class__.objects.filter(pk=own_entry.pk).exists()
