"""Outreach screens, as the project worker: what they show, their queries (constant whatever the
size of the street or agenda), and their audit events."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from stijging.outreach import services
from stijging.outreach.models import Appointment, ContactAttempt, HouseholdOutreach, OutreachStatus
from stijging.privacy.models import AuditAction, AuditEvent

from ..registry.factories import AddressFactory, HouseholdFactory, MemberFactory, PersonFactory, ResidenceFactory

# Every request of a logged-in user: the session, the user, the user's memberships.
AUTH = 3


@pytest.fixture
def fieldworker(world, login):
    return login(world.user("fieldworker"))


def street_url(site, name="outreach:street") -> str:
    return reverse(name, args=[site.programme.slug, site.area.pk, site.street.pk])


def add_households(site, n: int, first_number: int = 100):
    persons = []
    for i in range(n):
        address = AddressFactory(street=site.street, area=site.area, postcode="5911AC", huisnummer=first_number + i)
        household = HouseholdFactory(name=f"Household {i}")
        ResidenceFactory(household=household, address=address, start_date=datetime.date(2019, 1, 1))
        for relation in ("head", "child"):
            person = PersonFactory()
            MemberFactory(household=household, person=person, relation=relation)
            persons.append(person)
    return persons


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_the_area_page_counts_households_per_outreach_status(world, fieldworker, django_assert_max_num_queries):
    services.attempt_record(
        acting_user=world.user("fieldworker"),
        household=world.own.household,
        date=timezone.localdate(),
        channel="doorbell",
        outcome="refused",
    )
    url = reverse("outreach:area", args=[world.own.programme.slug, world.own.area.pk])
    # AUTH + area, counts per street (one grouped query), statuses per street (one grouped query), streets.
    with django_assert_max_num_queries(AUTH + 4):
        response = fieldworker.get(url)
    assert response.status_code == 200
    (row,) = response.context["streets"]
    assert (row.addresses, row.households, row.empty_addresses) == (2, 1, 1)
    assert row.by_status == {OutreachStatus.REFUSED: 1}
    add_households(world.own, 15)
    assert queries(fieldworker, url) <= AUTH + 4


def test_the_street_page_shows_households_with_their_status_and_logs_the_persons(world, fieldworker):
    url = street_url(world.own)
    small = queries(fieldworker, url)
    # AUTH + area, street, addresses (with notes), residences (with households and status), members, audit.
    assert small == AUTH + 6
    persons = add_households(world.own, 20)
    assert queries(fieldworker, url) == small
    response = fieldworker.get(url)
    html = response.content.decode()
    assert "Own family" in html and "Household 19" in html
    assert reverse("outreach:household", args=[world.own.household.pk]) in html
    assert reverse("registry:household_create", args=[world.own.empty_address.pk]) in html
    event = AuditEvent.objects.filter(action=AuditAction.LIST, object_type="registry.street").latest("id")
    assert set(event.person_ids) == {p.pk for p in persons} | {world.own.adult.pk, world.own.child.pk}


def test_the_walking_list_leaves_out_reached_and_objecting_households_and_splits_the_sides(world, fieldworker):
    worker = world.user("fieldworker")
    reached = HouseholdFactory(name="Bereikt")
    ResidenceFactory(
        household=reached, address=AddressFactory(street=world.own.street, area=world.own.area, huisnummer=2)
    )
    services.conversation_held(acting_user=worker, household=reached, date=timezone.localdate(), conversation_id=1)
    objecting = HouseholdFactory(name="Bezwaar")
    ResidenceFactory(
        household=objecting, address=AddressFactory(street=world.own.street, area=world.own.area, huisnummer=5)
    )
    services.attempt_record(
        acting_user=worker, household=objecting, date=timezone.localdate(), channel="doorbell", outcome="objected"
    )
    open_household = HouseholdFactory(name="Nog te bezoeken")
    ResidenceFactory(
        household=open_household, address=AddressFactory(street=world.own.street, area=world.own.area, huisnummer=4)
    )
    response = fieldworker.get(street_url(world.own, "outreach:walking_list"))
    assert response.status_code == 200
    odd = [stop.address.huisnummer for stop in response.context["odd"]]
    even = [stop.address.huisnummer for stop in response.context["even"]]
    # 1: Own family (not approached), 3: no household registered; 2 reached, 5 objected: left out.
    assert (odd, even) == ([1, 3], [4])
    html = response.content.decode()
    assert "Own family" not in html and "Anna" not in html  # addresses only
    small = queries(fieldworker, street_url(world.own, "outreach:walking_list"))
    add_households(world.own, 10)
    assert queries(fieldworker, street_url(world.own, "outreach:walking_list")) == small


def test_the_walking_list_downloads_as_a_pdf_and_the_export_is_audited(world, fieldworker):
    response = fieldworker.get(street_url(world.own, "outreach:walking_list_pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    event = AuditEvent.objects.filter(action=AuditAction.EXPORT).latest("id")
    assert event.object_id == str(world.own.street.pk)


def test_the_household_outreach_page_records_attempts_and_appointments(
    world, fieldworker, django_assert_max_num_queries
):
    url = reverse("outreach:household", args=[world.own.household.pk])
    # AUTH + household (scoped, with status), residences, attempts, appointments, members,
    # colleagues for the appointment form, the worker's usual channel, audit insert.
    with django_assert_max_num_queries(AUTH + 9):
        response = fieldworker.get(url)
    assert response.status_code == 200
    # The tablet is used at the door: a worker without attempts yet starts from the doorbell.
    assert '<option value="doorbell" selected>' in response.content.decode()
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.object_type) == (AuditAction.VIEW, "registry.household")
    today = timezone.localdate().isoformat()
    for outcome in ("not_home", "not_home"):
        response = fieldworker.post(
            reverse("outreach:attempt_create", args=[world.own.household.pk]),
            {"date": today, "channel": "doorbell", "outcome": outcome},
        )
        assert response.status_code == 302
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = fieldworker.post(
        reverse("outreach:appointment_create", args=[world.own.household.pk]),
        {
            "date": tomorrow,
            "time": "10:30",
            "duration_minutes": 60,
            "worker": world.user("fieldworker").pk,
            "kind": "visit",
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    assert ContactAttempt.objects.filter(household=world.own.household).count() == 2
    assert HouseholdOutreach.objects.get(household=world.own.household).status == OutreachStatus.APPOINTMENT


def test_bad_input_on_the_outreach_page_is_refused_with_a_message_and_kept(world, fieldworker):
    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    response = fieldworker.post(
        reverse("outreach:attempt_create", args=[world.own.household.pk]),
        {"date": future, "channel": "doorbell", "outcome": "not_home", "note": "kept"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "cannot be in the future" in html and 'value="kept"' in html
    assert not ContactAttempt.objects.exists()


def test_the_agenda_shows_my_appointments_for_the_day_and_the_week(world, fieldworker, django_assert_max_num_queries):
    worker = world.user("fieldworker")
    tomorrow_10 = timezone.make_aware(
        datetime.datetime.combine(timezone.localdate() + datetime.timedelta(days=1), datetime.time(10, 0))
    )
    services.appointment_plan(acting_user=worker, household=world.own.household, worker=worker, starts_at=tomorrow_10)
    services.appointment_plan(
        acting_user=worker,
        household=world.own.household,
        worker=worker,
        starts_at=tomorrow_10 + datetime.timedelta(hours=3),
        kind="revisit",
        reason="Terugkomen over werk",
    )
    # Someone else's appointment is not in my agenda (the world fixture planned one for another worker).
    day = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    # AUTH + appointments (with households), residences with addresses and notes (prefetch), audit.
    with django_assert_max_num_queries(AUTH + 3):
        response = fieldworker.get(reverse("outreach:agenda"), {"date": day})
    assert response.context["count"] == 2
    assert "Terugkomen over werk" in response.content.decode()
    response = fieldworker.get(reverse("outreach:agenda"), {"date": day, "view": "week"})
    assert response.context["count"] == 2 and len(response.context["by_day"]) == 7


def test_an_objection_takes_the_household_out_of_the_agenda(world, fieldworker):
    worker = world.user("fieldworker")
    when = timezone.now() + datetime.timedelta(days=1)
    services.appointment_plan(acting_user=worker, household=world.own.household, worker=worker, starts_at=when)
    services.attempt_record(
        acting_user=worker,
        household=world.own.household,
        date=timezone.localdate(),
        channel="phone",
        outcome="objected",
    )
    response = fieldworker.get(reverse("outreach:agenda"), {"date": timezone.localtime(when).date().isoformat()})
    assert response.context["count"] == 0
    assert not Appointment.objects.filter(household=world.own.household, status="planned").exists()


def test_a_concurrent_edit_of_the_address_note_keeps_the_second_users_text(world, login):
    first, second = world.user("fieldworker"), world.user("case_manager")
    url = reverse("outreach:address_note", args=[world.own.address.pk])
    a, b = login(first), None
    a.get(url)
    a.post(url, {"safety_note": "Hond", "interpreter_language": ""})
    from django.test import Client

    b = Client()
    b.force_login(second)
    response_b = b.get(url)
    version = response_b.context["form"].initial["version"]
    a.post(url, {"safety_note": "Hond, altijd met z'n tweeën", "version": version})
    response = b.post(url, {"safety_note": "Geen hond meer", "version": version})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Geen hond meer" in html and "Someone else changed this after you opened it" in html
    world.own.address.refresh_from_db()
    assert world.own.address.worker_note.safety_note == "Hond, altijd met z'n tweeën"


def test_the_write_endpoints_run_a_bounded_number_of_queries(world, fieldworker, django_assert_max_num_queries):
    household, today = world.own.household, timezone.localdate().isoformat()
    # AUTH + household page prefetches (6) for the scope check, the programme it lives in (the
    # record's programme), no member restricted (AVG art. 18), insert, recompute (the programme again, attempts, planned appointments,
    # upsert of the status row, cancel on objection), members for the audit, audit insert and the
    # savepoint pair; the redirect is not followed.
    with django_assert_max_num_queries(AUTH + 20):
        response = fieldworker.post(
            reverse("outreach:attempt_create", args=[household.pk]),
            {"date": today, "channel": "letter", "outcome": "not_home"},
        )
    assert response.status_code == 302
    appointment = world.own.appointment
    # AUTH + appointment (scoped), does the household still live in its programme, no member restricted
    # (AVG art. 18; not for a cancellation), conditional update,
    # re-read, recompute (with the programme it lives in), members, audit, savepoints.
    with django_assert_max_num_queries(AUTH + 17):
        response = fieldworker.post(
            reverse("outreach:appointment_status", args=[appointment.pk]), {"version": 1, "status": "done"}
        )
    assert response.status_code == 302
    url = reverse("outreach:address_note", args=[world.own.address.pk])
    # AUTH + address with its note.
    with django_assert_max_num_queries(AUTH + 1):
        assert fieldworker.get(url).status_code == 200
    # AUTH + address, the note lookup and insert, audit insert, savepoints.
    with django_assert_max_num_queries(AUTH + 7):
        response = fieldworker.post(url, {"safety_note": "Hond", "interpreter_language": ""})
    assert response.status_code == 302


def test_the_programme_home_runs_a_constant_number_of_queries(world, fieldworker):
    url = reverse("monitoring:programme", args=[world.own.programme.slug])
    # AUTH + programme, participation (households, addresses), visits (two counts), areas, counts per area,
    # trajectory uptake (one count), social rise (baselines; with persons followed four more — see
    # tests/monitoring/test_kpis_trajectories.py), priority handling per partner (one query), and the
    # area filter: households per area (kept ten minutes, so cleared here), the areas offered; the
    # charts over time (residences, first conversations, first interviews, first trajectories,
    # baselines, referrals — whatever the number of months), referrals without priority, revisits.
    cache.clear()
    small = queries(fieldworker, url)
    assert small <= AUTH + 12 + 6 + 2
    add_households(world.own, 15)
    cache.clear()
    assert queries(fieldworker, url) == small


def test_the_coordinator_sees_the_area_counts_with_small_cells_suppressed(world, login):
    add_households(world.own, 6)  # 7 households on the street, none approached yet
    coordinator = login(world.user("coordinator"))
    response = coordinator.get(reverse("outreach:area", args=[world.own.programme.slug, world.own.area.pk]))
    assert response.status_code == 200
    (row,) = response.context["streets"]
    assert row.households == 7  # 5 or more: shown
    assert row.empty_addresses is None  # 1: suppressed
    # 7 households, 7 not approached would say that every other status is 0 on this street: the 7
    # not approached is hidden (and labelled so, not "< 5"); 0 refused is suppressed as a small cell.
    assert row.by_status[OutreachStatus.NOT_APPROACHED] is None
    assert row.disclosed[OutreachStatus.NOT_APPROACHED].state == "hidden"
    assert row.by_status[OutreachStatus.REFUSED] is None  # 0: suppressed as well
    assert "&lt; 5" in response.content.decode() and ">hidden<" in response.content.decode()
    # The project worker, who may see the persons anyway, gets the exact numbers.
    worker = login(world.user("fieldworker"))
    (row,) = worker.get(reverse("outreach:area", args=[world.own.programme.slug, world.own.area.pk])).context["streets"]
    assert row.empty_addresses == 8 - 7 and row.by_status.get(OutreachStatus.REFUSED, 0) == 0


def test_a_contact_attempt_defaults_to_how_the_worker_usually_makes_them(world, fieldworker):
    today = timezone.localdate().isoformat()
    for channel in ("phone", "phone", "doorbell"):
        fieldworker.post(
            reverse("outreach:attempt_create", args=[world.own.household.pk]),
            {"date": today, "channel": channel, "outcome": "not_home"},
        )
    html = fieldworker.get(reverse("outreach:household", args=[world.own.household.pk])).content.decode()
    assert '<option value="phone" selected>' in html
    assert '<option value="letter" selected>' not in html


def test_a_cancelled_appointment_asks_first_and_can_be_undone_the_same_day(world, fieldworker):
    appointment = world.own.appointment
    page = fieldworker.get(reverse("outreach:household", args=[appointment.household_id])).content.decode()
    # The cancel button sits inside a confirmation that has to be opened first.
    assert re.search(r"<details[^>]*>\s*<summary>[^<]*Cancel….*?value=\"cancelled\"", page, re.S)
    url = reverse("outreach:appointment_status", args=[appointment.pk])
    assert fieldworker.post(url, {"version": 1, "status": "cancelled"}).status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == "cancelled" and appointment.cancellation_undoable
    page = fieldworker.get(reverse("outreach:household", args=[appointment.household_id])).content.decode()
    assert "Undo the cancellation" in page
    assert fieldworker.post(url, {"version": 2, "status": "planned"}).status_code == 302
    appointment.refresh_from_db()
    assert (appointment.status, appointment.cancelled_at) == ("planned", None)
    event = AuditEvent.objects.filter(object_type="outreach.appointment").latest("pk")
    assert event.detail == {"status": "planned", "undid_cancellation": True}


def test_a_cancellation_of_an_earlier_day_is_not_undone(world, fieldworker):
    appointment = world.own.appointment
    url = reverse("outreach:appointment_status", args=[appointment.pk])
    fieldworker.post(url, {"version": 1, "status": "cancelled"})
    Appointment.objects.filter(pk=appointment.pk).update(cancelled_at=timezone.now() - datetime.timedelta(days=1))
    fieldworker.post(url, {"version": 2, "status": "planned"})
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"
    page = fieldworker.get(reverse("outreach:household", args=[appointment.household_id])).content.decode()
    assert "Undo the cancellation" not in page


def test_no_small_count_of_the_street_overview_can_be_worked_out_from_the_area_totals():
    """Issue 14: 5 objections on one street, "< 5" on the other, 6 in the area — that one household.
    The attacker knows every sum the page shows: streets per status, statuses per street, the
    area per status, and that empty addresses are at most the (public) addresses."""
    from stijging.outreach.selectors import StreetRow
    from stijging.outreach.views import disclosure_safe
    from stijging.registry.models import Street

    from ..privacy.attacker import HIDDEN, SHOWN, SMALL, UNPUBLISHED, derivable

    objected, approached = OutreachStatus.OBJECTED, OutreachStatus.NOT_APPROACHED
    rows = [
        StreetRow(
            Street(name="A"), addresses=30, households=25, empty_addresses=5, by_status={objected: 5, approached: 20}
        ),
        StreetRow(
            Street(name="B"), addresses=14, households=13, empty_addresses=1, by_status={objected: 1, approached: 12}
        ),
    ]
    counted = {objected: 6, approached: 32}
    safe, totals = disclosure_safe(rows, counted)
    assert totals[objected].value is None or safe[0].by_status[objected] is None
    truth, published, sums = {}, {}, []
    kinds = {"shown": SHOWN, "small": SMALL, "hidden": HIDDEN}
    statuses = list(OutreachStatus.values)
    for i, (row, shown) in enumerate(zip(rows, safe, strict=True)):
        for key, value in [("households", row.households), ("empty", row.empty_addresses)] + [
            (status, row.by_status.get(status, 0)) for status in statuses
        ]:
            truth[(i, key)] = value
            published[(i, key)] = (kinds[shown.disclosed[key].state], shown.disclosed[key].value)
        truth[(i, "addresses")] = row.addresses
        published[(i, "addresses")] = (SHOWN, row.addresses)
        truth[(i, "occupied")] = row.addresses - row.empty_addresses
        published[(i, "occupied")] = (UNPUBLISHED, None)
        sums.append(((i, "addresses"), [(i, "empty"), (i, "occupied")]))
        sums.append(((i, "households"), [(i, status) for status in statuses]))
    for status in statuses:
        truth[("area", status)] = counted.get(status, 0)
        published[("area", status)] = (kinds[totals[status].state], totals[status].value)
        sums.append((("area", status), [(i, status) for i in range(len(rows))]))
    assert derivable(truth, published, sums) == []


def test_the_outcome_moved_offers_to_record_the_move_in_the_registry(world, fieldworker):
    """At the door the worker hears the household moved; the registry is where that is recorded."""
    household = world.own.household
    move = reverse("registry:household_move", args=[household.pk])
    page = reverse("outreach:household", args=[household.pk])
    assert move not in fieldworker.get(page).content.decode()
    response = fieldworker.post(
        reverse("outreach:attempt_create", args=[household.pk]),
        {"date": timezone.localdate().isoformat(), "channel": "doorbell", "outcome": "moved"},
    )
    assert response.status_code == 302
    assert f'href="{move}"' in fieldworker.get(page).content.decode()
    # The worker may open the registry's move form the page links to, and record the move there.
    assert fieldworker.get(move).status_code == 200
    household.refresh_from_db()
    response = fieldworker.post(
        move, {"moved_on": timezone.localdate().isoformat(), "left_area": "on", "version": household.version}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    # Recorded: the household has no current address, and the offer is gone.
    assert f'href="{move}"' not in fieldworker.get(page).content.decode()


def test_the_move_offer_is_not_shown_for_another_outcome(world, fieldworker):
    household = world.own.household
    fieldworker.post(
        reverse("outreach:attempt_create", args=[household.pk]),
        {"date": timezone.localdate().isoformat(), "channel": "doorbell", "outcome": "refused"},
    )
    html = fieldworker.get(reverse("outreach:household", args=[household.pk])).content.decode()
    assert reverse("registry:household_move", args=[household.pk]) not in html
