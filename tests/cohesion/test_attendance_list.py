"""Attendance ticked on a list of the activity's likely participants, one submit for all: who is on
the list and why, what one submit writes and audits, and that someone else's change is never
overwritten."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from stijging.cohesion import selectors, services
from stijging.cohesion.models import Activity, ActivityKind, Participant
from stijging.privacy.models import AuditAction, AuditEvent
from stijging.registry.models import Street

from ..registry.factories import AddressFactory
from .factories import activity_of, participant_of

D = datetime.date


@pytest.fixture
def coordinator(world, login):
    return login(world.user("coordinator"))


def _participant(world, name, *, street=None, site=None):
    site = site or world.own
    return services.participant_register(
        acting_user=world.user("coordinator"),
        programme=site.programme,
        name=name,
        consent_given_on=D(2026, 2, 1),
        consent_given_by="self",
        street=street,
    )


def _activity(world, title, date, streets):
    return services.activity_record(
        acting_user=world.user("coordinator"),
        programme=world.own.programme,
        kind=ActivityKind.objects.get(code="street_play_day"),
        title=title,
        date=date,
        streets=streets,
        organiser="Bewoners",
        participant_count=0,
    )


@pytest.fixture
def scene(world):
    """An activity on the own street; a neighbour on it, someone from elsewhere who came to an
    earlier activity on the street, one who came long ago, and a stranger only a search finds."""
    elsewhere = Street.objects.create(name="Elders", woonplaats="Venlo")
    AddressFactory(street=elsewhere, area=world.own.area)
    activity = _activity(world, "Speeldag", D(2026, 6, 1), [world.own.street])
    earlier = _activity(world, "Vorige speeldag", D(2026, 3, 1), [world.own.street])
    long_ago = _activity(world, "Speeldag 2024", D(2024, 6, 1), [world.own.street])
    neighbour = _participant(world, "Anna Buur", street=world.own.street)
    regular = _participant(world, "Bram Vaste", street=elsewhere)
    former = _participant(world, "Cor Oud", street=elsewhere)
    stranger = _participant(world, "Dirk Vreemd", street=elsewhere)
    services.attendance_add(acting_user=world.user("coordinator"), activity=earlier, participant=regular)
    services.attendance_add(acting_user=world.user("coordinator"), activity=long_ago, participant=former)
    return activity, neighbour, regular, former, stranger


def test_the_list_holds_the_neighbours_and_those_who_came_before_and_a_search_adds_others(world, scene):
    activity, neighbour, regular, former, stranger = scene
    rows = selectors.attendance_list(activity)
    assert [(r.participant, r.why) for r in rows] == [(neighbour, "street"), (regular, "earlier")]
    rows = selectors.attendance_list(activity, query="vreemd")
    assert (stranger, "search") in [(r.participant, r.why) for r in rows]
    assert former not in [r.participant for r in rows]
    # Another programme's participant is never listed, not even by a search.
    _participant(world, "Dirk Vreemdeling", site=world.foreign)
    found = [r.participant for r in selectors.attendance_list(activity, query="vreemd") if r.why == "search"]
    assert found == [stranger]


def test_one_submit_ticks_several_and_takes_one_off_with_one_audit_event(world, scene, coordinator):
    activity, neighbour, regular, former, stranger = scene
    services.attendance_add(acting_user=world.user("coordinator"), activity=activity, participant=former)
    page = coordinator.get(reverse("cohesion:activity", args=[activity.pk]), {"q": "Dirk"}).content.decode()
    assert "Dirk Vreemd" in page and "Anna Buur" in page and 'name="present"' in page
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    response = coordinator.post(
        reverse("cohesion:attendance", args=[activity.pk]),
        {
            "shown": [neighbour.pk, regular.pk, former.pk, stranger.pk],
            "was": [former.pk],
            "present": [neighbour.pk, regular.pk, stranger.pk],
        },
    )
    assert response.status_code == 302
    assert set(activity.participants.all()) == {neighbour, regular, stranger}
    activity.refresh_from_db()
    assert activity.participant_count == 3
    events = AuditEvent.objects.filter(id__gt=before, action=AuditAction.UPDATE)
    assert events.count() == 1
    assert events.get().detail == {
        "attended": sorted([neighbour.pk, regular.pk, stranger.pk]),
        "attendance_removed": [former.pk],
    }


def test_a_search_after_ticking_keeps_the_ticks_and_shows_the_search(world, scene, coordinator):
    """The search is a button of the attendance form: what was ticked is saved first, then the list
    comes back with the search's results beside it (issue 19: no answer lost)."""
    activity, neighbour, regular, former, stranger = scene
    page = coordinator.get(reverse("cohesion:activity", args=[activity.pk])).content.decode()
    assert 'name="search"' in page and 'id="attendance-q"' in page
    response = coordinator.post(
        reverse("cohesion:attendance", args=[activity.pk]),
        {"shown": [neighbour.pk, regular.pk], "present": [neighbour.pk], "q": "Dirk", "search": "1"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("cohesion:activity", args=[activity.pk]) + "?q=Dirk#attendance"
    assert set(activity.participants.all()) == {neighbour}
    page = coordinator.get(response["Location"]).content.decode()
    assert "Dirk Vreemd" in page
    # The ticked neighbour comes back ticked.
    assert f'value="{neighbour.pk}" id="present-{neighbour.pk}" checked' in page


def test_someone_elses_change_since_the_list_was_shown_is_kept(world, scene, coordinator):
    activity, neighbour, regular, former, stranger = scene
    # Shown with nobody ticked; meanwhile a colleague ticked Bram. This user ticks Anna only.
    services.attendance_add(acting_user=world.user("coordinator"), activity=activity, participant=regular)
    coordinator.post(
        reverse("cohesion:attendance", args=[activity.pk]),
        {"shown": [neighbour.pk, regular.pk], "present": [neighbour.pk]},
    )
    assert set(activity.participants.all()) == {neighbour, regular}


def test_a_participant_of_another_programme_is_refused_and_nothing_changes(world, scene, coordinator):
    activity, neighbour, *_ = scene
    foreign = participant_of(world.foreign)
    response = coordinator.post(
        reverse("cohesion:attendance", args=[activity.pk]),
        {"shown": [neighbour.pk, foreign.pk], "present": [neighbour.pk, foreign.pk]},
    )
    assert response.status_code == 400
    assert not activity.participants.exists()


def test_a_tick_not_on_the_list_or_a_bad_id_is_refused(world, scene, coordinator):
    activity, neighbour, regular, *_ = scene
    url = reverse("cohesion:attendance", args=[activity.pk])
    assert coordinator.post(url, {"shown": [neighbour.pk], "present": [regular.pk]}).status_code == 400
    assert coordinator.post(url, {"shown": ["x"], "present": ["x"]}).status_code == 400
    assert not activity.participants.exists()


def test_a_foreign_activity_is_a_404_for_the_coordinator_and_others_may_not_tick(world, login):
    own_activity = activity_of(world.own)
    foreign_activity = activity_of(world.foreign)
    foreign_participant = participant_of(world.foreign)
    client = login(world.user("coordinator"))
    data = {"shown": [foreign_participant.pk], "present": [foreign_participant.pk]}
    assert client.post(reverse("cohesion:attendance", args=[foreign_activity.pk]), data).status_code == 404
    assert not foreign_activity.participants.exists()
    neighbour = participant_of(world.own)
    for role in ("fieldworker", "case_manager", "partner", "manager", "admin", "privacy_officer", "no_membership"):
        response = login(world.user(role)).post(
            reverse("cohesion:attendance", args=[own_activity.pk]), {"shown": [neighbour.pk], "present": [neighbour.pk]}
        )
        assert response.status_code == 404, role
    assert not own_activity.participants.exists()


def test_the_activity_page_with_its_list_runs_a_bounded_number_of_queries(
    world, scene, coordinator, django_assert_max_num_queries
):
    activity, *_ = scene
    for i in range(15):
        _participant(world, f"Buur {i}", street=world.own.street)
    url = reverse("cohesion:activity", args=[activity.pk])
    # session, user, memberships (2), activity, present, streets, likely, search, the form's
    # choices (kinds, streets, the activity's streets), audit insert (with its savepoint pair)
    with django_assert_max_num_queries(15):
        response = coordinator.get(url, {"q": "Dirk"})
    assert response.status_code == 200
    event = AuditEvent.objects.filter(action=AuditAction.VIEW, object_type="cohesion.activity").latest("pk")
    assert len(event.detail["listed"]) == 18


def test_saving_the_attendance_runs_a_bounded_number_of_queries(
    world, scene, coordinator, django_assert_max_num_queries
):
    activity, *_ = scene
    people = [_participant(world, f"Buur {i}", street=world.own.street) for i in range(20)]
    ids = [p.pk for p in people]
    with django_assert_max_num_queries(16):
        response = coordinator.post(reverse("cohesion:attendance", args=[activity.pk]), {"shown": ids, "present": ids})
    assert response.status_code == 302
    assert Activity.objects.get(pk=activity.pk).participants.count() == 20
    assert Participant.objects.filter(activities=activity).count() == 20
