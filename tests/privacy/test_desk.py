"""The privacy officer's desk (issue 13): find the person, the request register with its deadlines,
access and portability, who viewed the file, rectification and restriction, erasure.

Each access rule is first tried the way an attacker would: another programme's privacy officer, a
case role, a partner of a restricted person."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from stijging.accounts.models import OutgoingEmail
from stijging.conversations.models import Interview
from stijging.privacy import periodic, selectors, services
from stijging.privacy.models import AuditAction, AuditEvent, RequestStatus, SubjectRequest
from stijging.registry import services as registry_services
from stijging.registry.models import Person

from ..conversations.factories import conversation_of
from ..referrals.factories import send_referral
from ..trajectories.factories import case_manager_of, open_trajectory
from .factories import privacy_officer_of, subject_request_of
from .tamper import as_table_owner

AUTH = 3  # session, user, memberships


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def events(action: str, person_id: int | None = None) -> list[AuditEvent]:
    found = AuditEvent.objects.filter(action=action).order_by("id")
    return [e for e in found if person_id is None or person_id in e.person_ids]


# --- 1. Find the person ---------------------------------------------------------------------------


def test_a_privacy_officer_cannot_find_a_person_of_a_programme_where_they_hold_no_role(world):
    client = client_for(world.user("privacy_officer"))
    # The foreign adult's exact name and date of birth: the attacker knows whom they look for.
    response = client.get(reverse("privacy:lookup"), {"name": "Anna Foreignsen", "date_of_birth": "1985-04-02"})
    assert response.status_code == 200
    assert response.context["found"] == []
    # …and the person's page answers 404, audited.
    response = client.get(reverse("privacy:person", args=[world.foreign.adult.pk]))
    assert response.status_code == 404
    assert events(AuditAction.DENIED)[-1].object_id == str(world.foreign.adult.pk)


@pytest.mark.parametrize(
    "query",
    [
        {"name": "anna ownsen"},
        {"date_of_birth": "1985-04-02"},
        {"postcode": "5911 ab", "huisnummer": "1", "name": "Anna"},
    ],
)
def test_the_privacy_officer_finds_the_person_by_name_birth_date_or_address(world, query):
    client = client_for(world.user("privacy_officer"))
    response = client.get(reverse("privacy:lookup"), query)
    found = response.context["found"]
    assert [f.person_id for f in found] == [world.own.adult.pk]
    assert found[0].address == "Ownstraat 1, 5911 AB"


def test_a_lookup_is_audited_and_shows_no_case_content(world):
    interview = conversation_of(world.own, world).interviews.get(person=world.own.adult)
    Interview.objects.filter(pk=interview.pk).update(note="Schulden bij de woningcorporatie")
    client = client_for(world.user("privacy_officer"))
    response = client.get(reverse("privacy:lookup"), {"name": "Ownsen"})
    body = response.content.decode()
    assert "Schulden" not in body
    searched = events(AuditAction.SEARCH)[-1]
    assert sorted(searched.person_ids) == sorted([world.own.adult.pk, world.own.child.pk])
    assert searched.detail == {"name": "Ownsen"}


def test_bsn_lookup_only_where_enabled_and_the_bsn_stays_out_of_the_log(world, settings):
    Person.objects.filter(pk=world.own.adult.pk).update(bsn="111222333")
    client = client_for(world.user("privacy_officer"))
    settings.STIJGING_ENABLE_BSN = False
    response = client.get(reverse("privacy:lookup"), {"bsn": "111222333"})
    assert "bsn" not in response.context["form"].fields
    assert response.context["found"] is None  # the only field given does not exist: nothing searched
    settings.STIJGING_ENABLE_BSN = True
    response = client.get(reverse("privacy:lookup"), {"bsn": "111222333"})
    assert [f.person_id for f in response.context["found"]] == [world.own.adult.pk]
    assert "111222333" not in json.dumps(events(AuditAction.SEARCH)[-1].detail)


def test_lookup_queries(world, django_assert_max_num_queries):
    client = client_for(world.user("privacy_officer"))
    # auth (3) + persons + their latest addresses + audit insert
    with django_assert_max_num_queries(AUTH + 3):
        assert client.get(reverse("privacy:lookup"), {"name": "sen"}).status_code == 200


# --- 2. The request register ------------------------------------------------------------------------


def test_the_deadline_is_one_month_after_receipt_counted_to_the_months_last_day(world):
    request = services.subject_request_register(
        acting_user=world.user("privacy_officer"),
        programme_id=world.own.programme.pk,
        person_id=world.own.adult.pk,
        kind="access",
        received_on=datetime.date(2026, 1, 31),
        identity_check="id_document",
    )
    assert request.deadline_on == datetime.date(2026, 2, 28)
    assert events(AuditAction.CREATE, world.own.adult.pk)[-1].object_type == "privacy.subjectrequest"


def test_only_the_programmes_privacy_officer_registers_a_request(world):
    for role in ("case_manager", "manager", "admin"):
        with pytest.raises(PermissionDenied):
            services.subject_request_register(
                acting_user=world.user(role),
                programme_id=world.own.programme.pk,
                person_id=world.own.adult.pk,
                kind="erasure",
                received_on=datetime.date(2026, 11, 1),
                identity_check="digid",
            )
    # Nor for a person of another programme, through their own programme's id.
    with pytest.raises(ValidationError):
        services.subject_request_register(
            acting_user=world.user("privacy_officer"),
            programme_id=world.own.programme.pk,
            person_id=world.foreign.adult.pk,
            kind="erasure",
            received_on=datetime.date(2026, 11, 1),
            identity_check="digid",
        )


def test_another_programmes_privacy_officer_cannot_open_or_act_on_a_request(world):
    request = subject_request_of(world.foreign, world, kind="erasure")
    client = client_for(world.user("privacy_officer"))
    assert client.get(reverse("privacy:request", args=[request.pk])).status_code == 404
    response = client.post(
        reverse("privacy:erasure_decide", args=[request.pk]),
        {"version": request.version, "decision": "granted", "outcome": "Gewist"},
    )
    assert response.status_code == 404
    request.refresh_from_db()
    assert request.status == RequestStatus.RECEIVED
    assert Person.objects.get(pk=world.foreign.adult.pk).anonymised_at is None
    with pytest.raises(PermissionDenied):
        services.subject_request_close(
            acting_user=world.user("privacy_officer"),
            request=request,
            version=request.version,
            status="done",
            outcome="x",
        )


def test_the_deadline_extends_once_by_at_most_two_months_with_a_reason(world):
    officer = world.user("privacy_officer")
    request = subject_request_of(world.own, world)
    with pytest.raises(ValidationError):
        services.subject_request_extend(
            acting_user=officer, request=request, version=request.version, months=3, reason="x"
        )
    with pytest.raises(ValidationError):
        services.subject_request_extend(
            acting_user=officer, request=request, version=request.version, months=2, reason=" "
        )
    request = services.subject_request_extend(
        acting_user=officer, request=request, version=request.version, months=2, reason="Veel dossiers bij partners"
    )
    assert request.extended_until == datetime.date(2027, 2, 20)
    with pytest.raises(ValidationError):
        services.subject_request_extend(
            acting_user=officer, request=request, version=request.version, months=1, reason="x"
        )


def test_the_desk_lists_open_requests_by_deadline(world, django_assert_max_num_queries):
    officer = world.user("privacy_officer")
    later = subject_request_of(world.own, world, kind="access")
    sooner = services.subject_request_register(
        acting_user=officer,
        programme_id=world.own.programme.pk,
        person_id=world.own.child.pk,
        kind="erasure",
        received_on=datetime.date(2026, 11, 2),
        identity_check="parent_document",
        requested_by_other="Anna Ownsen (moeder)",
    )
    closed = services.subject_request_register(
        acting_user=officer,
        programme_id=world.own.programme.pk,
        person_id=world.own.adult.pk,
        kind="objection",
        received_on=datetime.date(2026, 10, 1),
        identity_check="digid",
    )
    services.subject_request_close(acting_user=officer, request=closed, version=1, status="done", outcome="Verwerkt")
    subject_request_of(world.foreign, world)
    client = client_for(officer)
    # auth (3) + requests (person and programme joined) + audit insert
    with django_assert_max_num_queries(AUTH + 2):
        response = client.get(reverse("privacy:desk"))
    assert [r.pk for r in response.context["requests"]] == [sooner.pk, later.pk]
    assert events(AuditAction.LIST)[-1].object_type == "privacy.subjectrequest"


def test_the_tick_reminds_the_privacy_officer_of_a_deadline_within_a_week_once_and_without_the_name(world):
    request = subject_request_of(world.own, world)  # received 20 November: due 20 December
    assert periodic.remind_deadlines(today=datetime.date(2026, 12, 10)) == 0
    assert periodic.remind_deadlines(today=datetime.date(2026, 12, 14)) == 1
    assert periodic.remind_deadlines(today=datetime.date(2026, 12, 15)) == 0  # once per stage
    mail = OutgoingEmail.objects.get()
    assert mail.to == world.user("privacy_officer").email
    assert reverse("privacy:request", args=[request.pk]) in mail.body
    assert "Ownsen" not in mail.body + mail.subject
    assert periodic.remind_deadlines(today=datetime.date(2026, 12, 21)) == 1  # overdue: once more


# --- 3. Access and portability ---------------------------------------------------------------------------


def _interview_notes(world):
    conversation = conversation_of(world.own, world)
    Interview.objects.filter(conversation=conversation, person=world.own.adult).update(note="Anna zoekt werk")
    Interview.objects.filter(conversation=conversation, person=world.own.child).update(note="Bram is vaak ziek")


def test_the_export_holds_the_persons_data_and_leaves_a_household_members_answers_out(world):
    _interview_notes(world)
    send_referral(world.own, world)
    request = subject_request_of(world.own, world)
    export = services.subject_export_create(acting_user=world.user("privacy_officer"), request=request)
    text = json.dumps(export.data, ensure_ascii=False)
    assert export.data["person"]["family_name"] == "Ownsen"
    assert "Anna zoekt werk" in text
    assert "Bram is vaak ziek" not in text
    assert "Bram" not in text  # no other member's name either
    assert [r["organisation"] for r in export.data["referrals"]] == ["GGD Limburg-Noord"]
    assert export.data["households"][0]["addresses"][0]["address"] == "Ownstraat 1, 5911 AB"
    assert export.data["consents"]
    # The log of views in the export names organisations and roles, no staff names by default.
    assert any(row["role"] == "project worker" for row in export.data["access_log"])
    assert all(row["staff"] == "" for row in export.data["access_log"])
    assert bytes(export.pdf).startswith(b"%PDF")
    assert events(AuditAction.EXPORT, world.own.adult.pk)


def test_the_residents_pdf_is_in_dutch(world):
    _interview_notes(world)
    request = subject_request_of(world.own, world)
    from stijging.privacy.subject import person_data

    data = person_data(world.own.adult.pk)
    with translation.override("nl"):
        html = render_to_string(
            "privacy/export_pdf.html", {"data": data, "request": request, "today": timezone.localdate()}
        )
    assert "Uw gegevens in Stijging" in html
    assert "Wie uw gegevens heeft bekeken of gewijzigd" in html
    assert "Anna zoekt werk" in html
    assert "Bram is vaak ziek" not in html


def test_downloading_the_export_is_audited_and_another_officer_cannot(world):
    request = subject_request_of(world.own, world)
    officer = world.user("privacy_officer")
    client = client_for(officer)
    response = client.post(reverse("privacy:export_create", args=[request.pk]))
    assert response.status_code == 302
    before = len(events(AuditAction.EXPORT))
    response = client.get(reverse("privacy:export_pdf", args=[request.pk]))
    assert response["Content-Type"] == "application/pdf"
    response = client.get(reverse("privacy:export_json", args=[request.pk]))
    assert json.loads(response.content)["person"]["given_names"] == "Anna"
    assert len(events(AuditAction.EXPORT)) == before + 2
    outsider = client_for(privacy_officer_of(world.foreign))
    assert outsider.get(reverse("privacy:export_json", args=[request.pk])).status_code == 404


def test_an_export_is_kept_only_as_long_as_the_request(world):
    from stijging.privacy import retention
    from stijging.privacy.models import SubjectExport

    officer = world.user("privacy_officer")
    request = subject_request_of(world.own, world)
    services.subject_export_create(acting_user=officer, request=request)
    request.refresh_from_db()
    services.subject_request_close(
        acting_user=officer, request=request, version=request.version, status="done", outcome="Overhandigd"
    )
    SubjectRequest.objects.filter(pk=request.pk).update(closed_at=timezone.now() - datetime.timedelta(days=40))
    assert retention.dry_run(timezone.localdate())["exports"] == 1
    run = retention.propose()
    retention.retention_run_decide(acting_user=officer, run=run, approve=True)
    retention.apply()
    assert not SubjectExport.objects.exists()


def test_request_page_queries(world, django_assert_max_num_queries):
    request = subject_request_of(world.own, world)
    client = client_for(world.user("privacy_officer"))
    # auth (3) + request (person, programme, creator joined) + exports + restrictions + audit insert
    with django_assert_max_num_queries(AUTH + 4):
        assert client.get(reverse("privacy:request", args=[request.pk])).status_code == 200


# --- 4. Who viewed my file ------------------------------------------------------------------------------


def test_the_access_log_shows_who_viewed_the_file_by_organisation_and_role(world, settings):
    client_for(world.user("case_manager")).get(reverse("registry:person", args=[world.own.adult.pk]))
    client = client_for(world.user("privacy_officer"))
    response = client.get(reverse("privacy:access_log", args=[world.own.adult.pk]))
    rows = response.context["rows"]
    viewed = [r for r in rows if r["role"] == "case manager"]
    assert viewed and viewed[0]["organisation"] == "Gemeente Venlo" and viewed[0]["staff"] == ""
    assert "case_manager@example.test" not in response.content.decode()
    settings.STIJGING_EXPORT_STAFF_NAMES = True
    response = client.get(reverse("privacy:access_log", args=[world.own.adult.pk]))
    assert "case_manager@example.test" in response.content.decode()
    # Reading the log is itself logged, for the person.
    assert events(AuditAction.VIEW, world.own.adult.pk)[-1].object_type == "privacy.auditevent"


def test_the_access_log_over_a_period_leaves_other_days_out(world):
    client_for(world.user("case_manager")).get(reverse("registry:person", args=[world.own.adult.pk]))
    # Back-dating events is something only the table's owner can do (the append-only trigger).
    with as_table_owner():
        AuditEvent.objects.filter(action=AuditAction.VIEW).update(
            created_at=timezone.now() - datetime.timedelta(days=30)
        )
    client = client_for(world.user("privacy_officer"))
    today = timezone.localdate().isoformat()
    response = client.get(reverse("privacy:access_log", args=[world.own.adult.pk]), {"date_from": today})
    assert not [r for r in response.context["rows"] if r["role"] == "case manager"]


def test_the_access_log_pdf_is_a_pdf(world):
    client = client_for(world.user("privacy_officer"))
    response = client.get(reverse("privacy:access_log_pdf", args=[world.own.adult.pk]))
    assert response.content.startswith(b"%PDF")
    assert events(AuditAction.EXPORT, world.own.adult.pk)


def test_access_log_queries(world, django_assert_max_num_queries):
    client_for(world.user("case_manager")).get(reverse("registry:person", args=[world.own.adult.pk]))
    client = client_for(world.user("privacy_officer"))
    # auth (3) + the person's programmes + person + events + organisations + audit insert
    with django_assert_max_num_queries(AUTH + 5):
        assert client.get(reverse("privacy:access_log", args=[world.own.adult.pk])).status_code == 200


# --- 5. Rectification and restriction --------------------------------------------------------------


def _restrict(world):
    request = subject_request_of(world.own, world, kind="restriction")
    return request, services.restriction_place(
        acting_user=world.user("privacy_officer"), request=request, reason="Juistheid betwist"
    )


def test_a_restricted_persons_records_are_read_only_for_every_write_service(world):
    from stijging.trajectories import services as trajectory_services

    trajectory = open_trajectory(world.own, world)
    _restrict(world)
    adult = Person.objects.get(pk=world.own.adult.pk)
    with pytest.raises(ValidationError, match="restricted"):
        registry_services.person_update(
            acting_user=world.user("fieldworker"), person=adult, version=adult.version, phone="0612345678"
        )
    with pytest.raises(ValidationError, match="restricted"):
        trajectory_services.journal_note_add(
            acting_user=case_manager_of(world.own, world), trajectory=trajectory, text="Gebeld"
        )
    with pytest.raises(ValidationError, match="restricted"):
        send_referral(world.own, world, trajectory=trajectory)
    with pytest.raises(ValidationError, match="restricted"):
        open_trajectory(world.own, world)


def test_a_restricted_members_household_records_are_read_only_too(world):
    """The household's shared records are the restricted member's records as well: its name, moves,
    members, contact attempts, appointments and conversations are refused (each tried as the role that
    writes them); stopping processing (an objection, cancelling a visit) stays possible."""
    from stijging.conversations import services as conversation_services
    from stijging.outreach import services as outreach_services
    from stijging.outreach.models import Outcome
    from stijging.registry.models import Household, HouseholdMembership

    _restrict(world)
    worker = world.user("fieldworker")
    household = Household.objects.get(pk=world.own.household.pk)
    today = timezone.localdate()
    refused = [
        lambda: registry_services.household_update(
            acting_user=worker, household=household, version=household.version, name="Nieuwe naam", note=""
        ),
        lambda: registry_services.household_move(
            acting_user=worker, household=household, version=household.version, moved_on=today, to_address=None
        ),
        lambda: registry_services.person_add_to_household(
            acting_user=worker,
            household=household,
            relation="child",
            member_since=today,
            given_names="Cas",
            family_name="Ownsen",
            date_of_birth=datetime.date(2020, 1, 1),
        ),
        lambda: registry_services.person_leave_household(
            acting_user=worker,
            membership=HouseholdMembership.objects.get(household=household, person=world.own.child),
            left_on=today,
        ),
        lambda: outreach_services.attempt_record(
            acting_user=worker, household=household, date=today, channel="door", outcome=Outcome.NOT_HOME
        ),
        lambda: outreach_services.appointment_plan(
            acting_user=worker, household=household, worker=worker, starts_at=timezone.now()
        ),
        lambda: conversation_services.conversation_start(
            acting_user=worker,
            household=household,
            held_on=today,
            workers=[worker],
            members_present=[world.own.child],
            informed=True,
        ),
    ]
    for write in refused:
        with pytest.raises(ValidationError, match="AVG art. 18"):
            write()
    household.refresh_from_db()
    assert household.name == "Own family"
    assert HouseholdMembership.objects.filter(household=household, end_date__isnull=True).count() == 2
    # The resident stops processing: recorded whatever the restriction.
    outreach_services.attempt_record(
        acting_user=worker, household=household, date=today, channel="door", outcome=Outcome.OBJECTED
    )
    appointment = world.own.appointment
    outreach_services.appointment_set_status(
        acting_user=worker, appointment=appointment, version=appointment.version, status="cancelled"
    )
    # The other programme's household (no restricted member) is untouched by the rule.
    foreign = Household.objects.get(pk=world.foreign.household.pk)
    from stijging.registry.access import require_household_not_restricted

    require_household_not_restricted(foreign.pk)


def test_the_pages_say_a_restricted_person_and_household_are_read_only(world):
    client = client_for(world.user("fieldworker"))
    notice = "AVG art. 18"
    assert notice not in client.get(reverse("registry:household", args=[world.own.household.pk])).content.decode()
    trajectory = open_trajectory(world.own, world)
    request, restriction = _restrict(world)
    household_page = client.get(reverse("registry:household", args=[world.own.household.pk]))
    person_page = client.get(reverse("registry:person", args=[world.own.adult.pk]))
    child_page = client.get(reverse("registry:person", args=[world.own.child.pk]))
    assert "for a member of this household" in household_page.content.decode()
    assert notice in person_page.content.decode()
    # Only the restricted person's own page says it of the person.
    assert notice not in child_page.content.decode()
    # A web form against the frozen household: refused with the message, nothing changed.
    household = world.own.household
    household.refresh_from_db()
    response = client.post(
        reverse("registry:household_edit", args=[household.pk]),
        {"version": household.version, "name": "Nieuwe naam", "note": ""},
    )
    assert notice in response.content.decode()
    household.refresh_from_db()
    assert household.name == "Own family"
    # The trajectory page says it and offers no form, not even closing.
    trajectory_page = client_for(world.user("case_manager")).get(
        reverse("trajectories:trajectory", args=[trajectory.pk])
    )
    assert notice in trajectory_page.content.decode()
    assert "transition_form" not in trajectory_page.context and "note_form" not in trajectory_page.context
    services.restriction_lift(acting_user=world.user("privacy_officer"), restriction=restriction)
    assert notice not in client.get(reverse("registry:household", args=[household.pk])).content.decode()


def test_a_restricted_person_is_hidden_from_partners_until_lifted(world):
    referral = send_referral(world.own, world)
    partner = client_for(world.user("partner"))
    assert partner.get(reverse("referrals:referral", args=[referral.pk])).status_code == 200
    request, restriction = _restrict(world)
    assert partner.get(reverse("referrals:referral", args=[referral.pk])).status_code == 404
    assert partner.get(reverse("referrals:person", args=[referral.person_id])).status_code == 404
    assert referral.pk not in [r.pk for r in partner.get(reverse("referrals:inbox")).context["page"].object_list]
    # The case manager still reads it (read-only, not hidden).
    case = client_for(world.user("case_manager"))
    assert case.get(reverse("referrals:referral", args=[referral.pk])).status_code == 200
    services.restriction_lift(acting_user=world.user("privacy_officer"), restriction=restriction)
    assert partner.get(reverse("referrals:referral", args=[referral.pk])).status_code == 200
    assert not selectors.person_is_restricted(world.own.adult.pk)


def test_rectification_goes_through_the_registry_service_with_the_request_as_its_reason(world):
    request = subject_request_of(world.own, world, kind="rectification")
    officer = world.user("privacy_officer")
    # While its accuracy is checked, processing is restricted; the correction is still possible.
    services.restriction_place(acting_user=officer, request=request, reason="Geboortedatum betwist")
    adult = Person.objects.get(pk=world.own.adult.pk)
    client = client_for(officer)
    response = client.post(
        reverse("privacy:rectify", args=[request.pk]),
        {
            "version": adult.version,
            "given_names": "Anna",
            "tussenvoegsel": "",
            "family_name": "Ownsen",
            "date_of_birth": "1985-04-12",
            "phone": "",
            "email": "",
        },
    )
    assert response.status_code == 302
    assert Person.objects.get(pk=adult.pk).date_of_birth == datetime.date(1985, 4, 12)
    update = events(AuditAction.UPDATE, adult.pk)[-1]
    assert update.object_type == "registry.person"
    assert update.detail["subject_request_id"] == request.pk
    # Only an open rectification request corrects: an access request cannot be used for it.
    access = subject_request_of(world.own, world, kind="access")
    response = client.post(reverse("privacy:rectify", args=[access.pk]), {"version": adult.version + 1})
    assert response.status_code == 200


def test_a_restriction_request_cannot_be_closed_while_the_restriction_holds(world):
    request, restriction = _restrict(world)
    with pytest.raises(ValidationError):
        services.subject_request_close(
            acting_user=world.user("privacy_officer"),
            request=request,
            version=request.version,
            status="done",
            outcome="x",
        )


def test_the_export_dates_an_appointment_on_its_local_day(world):
    """An appointment just after local midnight is on the day before in UTC: the resident's export
    gives the day they had it, as the agenda does (Europe/Amsterdam)."""
    from zoneinfo import ZoneInfo

    from stijging.privacy.subject import person_data

    appointment = world.own.appointment
    appointment.starts_at = datetime.datetime(2026, 3, 10, 0, 30, tzinfo=ZoneInfo("Europe/Amsterdam"))
    appointment.save(update_fields=["starts_at"])
    contacts = [c for c in person_data(world.own.adult.pk)["contacts"] if c["how"] == "appointment"]
    assert [c["date"] for c in contacts] == ["2026-03-10"]
