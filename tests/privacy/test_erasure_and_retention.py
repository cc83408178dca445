"""Erasure by anonymisation (art. 17) against the legal holds the system knows, figures of closed
periods unchanged by it, and retention: a dry run the privacy officer approves, then bounded runs."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from stijging.conversations import services as conversation_services
from stijging.conversations.models import CohesionAnswer, DomainAnswer, Interview
from stijging.instruments.models import CohesionStatement
from stijging.monitoring import kpis
from stijging.outreach.models import ContactAttempt, HouseholdOutreach
from stijging.privacy import audit, retention, services, subject
from stijging.privacy.models import AuditAction, AuditEvent, RetentionRun, RetentionRunStatus
from stijging.registry.models import Household, Person
from stijging.trajectories import services as trajectory_services
from stijging.trajectories.models import Goal, JournalNote, Measurement, Trajectory

from ..conversations.factories import held_conversation
from ..referrals.factories import send_referral
from ..trajectories.factories import case_manager_of, domain, open_trajectory
from .factories import subject_request_of
from .tamper import as_table_owner

CLOSED = kpis.Period(start=datetime.date(2025, 1, 1), end=datetime.date(2025, 12, 31))


def _decide(world, request, *, grant=True):
    request.refresh_from_db()
    return services.erasure_decide(
        acting_user=world.user("privacy_officer"),
        request=request,
        version=request.version,
        grant=grant,
        outcome="Besluit",
    )


# --- Legal holds -------------------------------------------------------------------------------------


def test_an_open_trajectory_holds_the_erasure(world):
    open_trajectory(world.own, world)
    request = subject_request_of(world.own, world, kind="erasure")
    with pytest.raises(ValidationError, match="legal hold"):
        _decide(world, request)
    assert Person.objects.get(pk=world.own.adult.pk).anonymised_at is None


def test_a_referral_a_partner_still_handles_holds_the_erasure(world):
    referral = send_referral(world.own, world)
    Trajectory.objects.filter(pk=referral.trajectory_id).update(
        status="closed", outcome="goal_reached", closed_at=timezone.now()
    )
    holds = subject.legal_holds(world.own.adult.pk)
    assert [h["kind"] for h in holds] == ["referral"]


def test_a_meldcode_signal_within_its_period_holds_the_erasure_and_an_old_one_does_not(world):
    conversation = held_conversation(world.own, world.user("fieldworker"))
    signal = conversation_services.meldcode_raise(
        acting_user=world.user("fieldworker"), conversation=conversation, kind="child_abuse", persons=[world.own.child]
    )
    assert [h["kind"] for h in subject.legal_holds(world.own.child.pk)] == ["meldcode"]
    type(signal).objects.filter(pk=signal.pk).update(raised_at=timezone.now() - datetime.timedelta(days=365 * 21))
    assert subject.legal_holds(world.own.child.pk) == []


def test_another_open_request_holds_the_erasure_and_a_refusal_records_the_holds(world):
    subject_request_of(world.own, world, kind="access")
    request = subject_request_of(world.own, world, kind="erasure")
    request = _decide(world, request, grant=False)
    assert request.status == "refused"
    assert [h["kind"] for h in request.legal_holds] == ["request"]


# --- Anonymisation ---------------------------------------------------------------------------------------


def _history(world):
    """A closed year (2025) of the own site: a conversation with both members, the adult's ladder,
    domain scores with notes and a help question, a closed trajectory with a goal, a journal note and
    a measurement ≥ 90 days later; and a teenager whose age sits on the figures' threshold."""
    from tests.registry.factories import MemberFactory, PersonFactory

    # 15 on the day of the conversation, 16 on 1 January-based birth date: a careless
    # generalisation would count her into the social-rise baseline.
    teen = PersonFactory(given_names="Cato", family_name="Ownsen", date_of_birth=datetime.date(2009, 11, 20))
    MemberFactory(household=world.own.household, person=teen, relation="child")
    fieldworker = world.user("fieldworker")
    conversation = held_conversation(world.own, fieldworker, held_on=datetime.date(2025, 3, 1))
    statement = CohesionStatement.objects.filter(version__number=1).order_by("pk").first()
    for interview in conversation.interviews.all():
        Interview.objects.filter(pk=interview.pk).update(rung=2, note=f"Notitie over {interview.person.given_names}")
        DomainAnswer.objects.create(
            interview=interview,
            domain=domain(),
            score=2,
            note="Schulden",
            help_question=True,
            help_question_text="Hulp",
        )
        CohesionAnswer.objects.create(interview=interview, statement=statement, value=4)
    manager = case_manager_of(world.own, world)
    trajectory = open_trajectory(world.own, world)
    trajectory_services.goal_add(
        acting_user=manager, trajectory=trajectory, domain=domain(), target="Schulden op orde", target_score=4
    )
    trajectory_services.journal_note_add(acting_user=manager, trajectory=trajectory, text="Gesprek met Anna")
    for person in (world.own.adult, teen):
        measurement = Measurement.objects.create(
            person=person, programme=world.own.programme, measured_on=datetime.date(2025, 9, 1), by=manager, rung=3
        )
        measurement.scores.create(domain=domain(), score=3)
    Trajectory.objects.filter(pk=trajectory.pk).update(
        status="closed",
        outcome="goal_reached",
        outcome_text="Werk gevonden bij de bakker",
        opened_at=timezone.make_aware(datetime.datetime(2025, 4, 1)),
        closed_at=timezone.make_aware(datetime.datetime(2025, 10, 1)),
    )
    ContactAttempt.objects.create(
        programme=world.own.programme,
        household=world.own.household,
        date=datetime.date(2025, 2, 1),
        channel="doorbell",
        outcome="appointment",
        worker=fieldworker,
        note="Anna vroeg om later terug te komen",
    )
    Person.objects.filter(pk=world.own.adult.pk).update(phone="0612345678", email="anna@example.test")
    return teen


def _figures(world):
    programme = world.own.programme
    return (
        kpis.participation(programme, CLOSED),
        kpis.visits(programme, CLOSED),
        kpis.trajectory_uptake(programme, CLOSED),
        kpis.social_rise(programme, CLOSED),
        kpis.turnover(world.own.area.pk, [2025]),
        kpis.housing_signals(programme, CLOSED),
    )


def test_anonymising_every_member_leaves_the_figures_of_a_closed_period_unchanged(world):
    teen = _history(world)
    before = _figures(world)
    assert before[3].followed == 1  # the adult only: the teenager was 15 at her baseline
    for person in (world.own.adult, world.own.child, teen):
        request = subject_request_of(world.own, world, kind="erasure", person=person)
        _decide(world, request)
    assert Person.objects.filter(anonymised_at__isnull=True, pk__in=[world.own.adult.pk, teen.pk]).count() == 0
    assert _figures(world) == before


def test_the_generalised_birth_date_keeps_each_person_on_the_same_side_of_every_threshold():
    from stijging.conversations import services as conversations

    assert subject.FIGURE_AGE_THRESHOLDS == (kpis.COHESION_MIN_AGE, kpis.RISE_MIN_AGE)
    assert set(subject.FIGURE_AGE_THRESHOLDS) == {conversations.COHESION_MIN_AGE, conversations.LADDER_MIN_AGE}
    born = datetime.date(2009, 11, 20)
    # 1 January 2009 would make her 16 on 1 June 2025; 1 July 2009 keeps her 15.
    assert subject.generalised_birth_date(born, [datetime.date(2025, 6, 1)]) == datetime.date(2009, 7, 1)
    assert subject.generalised_birth_date(born, []) == datetime.date(2009, 1, 1)


def test_anonymisation_replaces_identity_removes_free_text_and_keeps_what_the_figures_count(world):
    _history(world)
    adult_id = world.own.adult.pk
    request = subject_request_of(world.own, world, kind="erasure")
    _decide(world, request)
    person = Person.objects.get(pk=adult_id)
    assert (person.given_names, person.family_name, person.phone, person.email, person.bsn) == (
        "",
        "geanonimiseerd",
        "",
        "",
        "",
    )
    assert person.date_of_birth == datetime.date(1985, 1, 1)
    interview = Interview.objects.get(person_id=adult_id)
    assert interview.note == "" and interview.rung == 2
    answer = DomainAnswer.objects.get(interview=interview)
    assert (answer.note, answer.help_question_text, answer.score, answer.help_question) == ("", "", 2, True)
    trajectory = Trajectory.objects.get(person_id=adult_id)
    assert (trajectory.outcome_text, trajectory.outcome, trajectory.status) == ("", "goal_reached", "closed")
    assert Goal.objects.get(trajectory=trajectory).target == ""
    assert not JournalNote.objects.filter(trajectory=trajectory).exists()
    # The other members are not anonymised, so the household keeps its name; its contact note stays.
    assert Household.objects.get(pk=world.own.household.pk).name == "Own family"
    # Audit events keep the id, which now resolves to no one by name.
    anonymised = AuditEvent.objects.filter(action=AuditAction.ANONYMISE).get()
    assert anonymised.person_ids == [adult_id]
    assert any(adult_id in e.person_ids for e in AuditEvent.objects.exclude(action=AuditAction.ANONYMISE))
    assert request.__class__.objects.get(pk=request.pk).status == "done"


def test_erasure_deletes_the_copies_made_for_the_persons_earlier_access_requests(world):
    from stijging.privacy.models import SubjectExport

    officer = world.user("privacy_officer")
    access = subject_request_of(world.own, world, kind="access")
    services.subject_export_create(acting_user=officer, request=access)
    access.refresh_from_db()
    services.subject_request_close(
        acting_user=officer, request=access, version=access.version, status="done", outcome="x"
    )
    _decide(world, subject_request_of(world.own, world, kind="erasure"))
    assert not SubjectExport.objects.exists()


def test_the_last_member_anonymised_takes_the_household_name_and_notes_with_them(world):
    _history(world)
    for person in Person.objects.filter(household_memberships__household=world.own.household):
        _decide(world, subject_request_of(world.own, world, kind="erasure", person=person))
    household = Household.objects.get(pk=world.own.household.pk)
    assert household.name == "geanonimiseerd"
    assert set(ContactAttempt.objects.filter(household=household).values_list("note", flat=True)) == {""}
    # Its residence stays at the address: the closed periods' participation and turnover count it.
    assert household.residences.count() == 1


def test_erasure_through_the_desk_in_the_browserless_walk(world):
    """The privacy officer's clicks for an erasure request, end to end, through the views."""
    client = Client()
    client.force_login(world.user("privacy_officer"))
    response = client.post(
        reverse("privacy:request_create", args=[world.own.child.pk]),
        {"kind": "erasure", "received_on": "2026-11-30", "identity_check": "parent_document"},
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    request = page.context["req"]
    assert page.context["holds"] == []
    response = client.post(
        reverse("privacy:erasure_decide", args=[request.pk]),
        {"version": request.version, "decision": "granted", "outcome": "Gegevens geanonimiseerd"},
    )
    assert response.status_code == 302
    assert Person.objects.get(pk=world.own.child.pk).anonymised_at is not None


# --- Retention -----------------------------------------------------------------------------------------


def _expired_contacts(world):
    fieldworker = world.user("fieldworker")
    old = datetime.date(2020, 1, 10)
    ContactAttempt.objects.create(
        programme=world.own.programme,
        household=world.own.household,
        date=old,
        channel="doorbell",
        outcome="not_home",
        worker=fieldworker,
    )
    ContactAttempt.objects.create(
        programme=world.own.programme,
        household=world.own.household,
        date=old,
        channel="doorbell",
        outcome="objected",
        worker=fieldworker,
    )
    HouseholdOutreach.objects.update_or_create(
        household=world.own.household, defaults={"status": "objected", "do_not_contact": True}
    )


def test_retention_changes_nothing_before_the_privacy_officer_approves_the_dry_run(world):
    _expired_contacts(world)
    run = retention.propose()
    assert run is not None and run.status == RetentionRunStatus.PROPOSED
    assert run.planned["contact_attempts"] == 1  # the objection is not counted: it stays
    assert retention.apply() == {}
    assert ContactAttempt.objects.count() == 2
    assert retention.propose() is None  # one round at a time


def test_an_approved_round_deletes_expired_contacts_but_keeps_the_objection(world):
    _expired_contacts(world)
    run = retention.propose()
    retention.retention_run_decide(acting_user=world.user("privacy_officer"), run=run, approve=True)
    done = retention.apply()
    assert done["contact_attempts"] == 1
    assert list(ContactAttempt.objects.values_list("outcome", flat=True)) == ["objected"]
    assert HouseholdOutreach.objects.get(household=world.own.household).do_not_contact
    run.refresh_from_db()
    assert run.status == RetentionRunStatus.DONE and run.done["contact_attempts"] == 1


def test_retention_runs_in_bounded_batches(world, monkeypatch):
    fieldworker = world.user("fieldworker")
    for day in range(1, 6):
        ContactAttempt.objects.create(
            programme=world.own.programme,
            household=world.own.household,
            date=datetime.date(2020, 1, day),
            channel="letter",
            outcome="not_home",
            worker=fieldworker,
        )
    monkeypatch.setattr(retention, "BATCH", 2)
    monkeypatch.setattr(
        retention,
        "STEPS",
        [retention.Step("contact_attempts", retention._contacts_attempts, retention._contacts_attempts_apply, batch=2)],
    )
    run = retention.propose()
    retention.retention_run_decide(acting_user=world.user("privacy_officer"), run=run, approve=True)
    # A budget of nothing: each tick takes one batch at most before it checks the clock.
    assert retention.apply(budget_seconds=0) == {}
    assert ContactAttempt.objects.count() == 5
    retention.apply()
    assert ContactAttempt.objects.count() == 0


def test_only_a_privacy_officer_approves_a_round(world):
    from django.core.exceptions import PermissionDenied

    _expired_contacts(world)
    run = retention.propose()
    with pytest.raises(PermissionDenied):
        retention.retention_run_decide(acting_user=world.user("admin"), run=run, approve=True)
    client = Client()
    client.force_login(world.user("admin"))
    assert client.post(reverse("privacy:retention"), {"run": run.pk, "decision": "approve"}).status_code == 403
    assert RetentionRun.objects.get(pk=run.pk).status == RetentionRunStatus.PROPOSED


def test_retention_anonymises_a_person_who_left_long_ago_and_has_no_hold(world):
    from stijging.registry.models import HouseholdMembership

    child = world.own.child
    Person.objects.filter(pk=child.pk).update(created_at=timezone.now() - datetime.timedelta(days=365 * 8))
    HouseholdMembership.objects.filter(person=child).update(
        start_date=datetime.date(2016, 9, 9), end_date=datetime.date(2018, 1, 1)
    )
    assert retention.dry_run(timezone.localdate())["persons"] == 1
    run = retention.propose()
    retention.retention_run_decide(acting_user=world.user("privacy_officer"), run=run, approve=True)
    retention.apply()
    assert Person.objects.get(pk=child.pk).anonymised_at is not None
    assert Person.objects.get(pk=world.own.adult.pk).anonymised_at is None  # still lives there
    event = AuditEvent.objects.get(action=AuditAction.ANONYMISE)
    assert event.purpose == "retention" and event.person_ids == [child.pk]


def test_expired_audit_events_go_through_one_function_and_the_chain_still_verifies(world, settings):
    client = Client()
    client.force_login(world.user("case_manager"))
    for _ in range(8):
        client.get(reverse("registry:person", args=[world.own.adult.pk]))
    audit.seal()
    old = list(AuditEvent.objects.order_by("seal_seq").values_list("pk", flat=True))[:5]
    # Making history: the table's owner back-dates five events (the append-only trigger stands in
    # the application's way, on PostgreSQL) and unseals the log as if it had been sealed then.
    with as_table_owner():
        AuditEvent.objects.filter(pk__in=old).update(created_at=timezone.now() - datetime.timedelta(days=365 * 6))
        AuditEvent.objects.filter(seal_seq__isnull=False).update(seal_seq=None, seal_hash="", sealed_at=None)
    settings.STIJGING_AUDIT_ANCHOR_FILE.unlink()
    audit.seal()
    assert audit.verify().ok
    cutoffs = retention.cutoffs(timezone.localdate())
    ids = list(retention._audit_events(cutoffs).values_list("pk", flat=True))
    assert len(ids) == 5
    # Not the start of the chain: nothing goes (an event may go only with all sealed before it).
    assert retention.audit_events_expire(ids[1:]) == 0
    assert retention.audit_events_expire(ids) == 5
    audit.seal()
    result = audit.verify()
    assert result.ok, result.problems
    # Deleting an event in the middle (as the table's owner could) is still caught.
    with as_table_owner():
        AuditEvent.objects.filter(seal_seq__isnull=False).order_by("seal_seq")[2:3].get().delete()
    assert not audit.verify().ok


def test_the_retention_page_shows_the_periods_and_the_waiting_round(world, django_assert_max_num_queries):
    _expired_contacts(world)
    retention.propose()
    client = Client()
    client.force_login(world.user("privacy_officer"))
    # auth (3) + policies + runs (deciders joined)
    with django_assert_max_num_queries(3 + 2):
        response = client.get(reverse("privacy:retention"))
    body = response.content.decode()
    assert "contact attempts and appointments" in body and "Approve and apply" in body
    assert Decimal(12) == Decimal(response.context["policies"][1].months) or response.context["policies"]


def test_retention_leaves_the_records_of_a_restricted_person_or_one_with_an_open_trajectory_alone(world):
    conversation = held_conversation(world.own, world.user("fieldworker"), held_on=datetime.date(2019, 5, 1))
    Interview.objects.filter(conversation=conversation).update(note="Oude notitie")
    assert retention.dry_run(timezone.localdate())["interviews"] == 2
    open_trajectory(world.own, world)  # the adult's
    request = subject_request_of(world.own, world, kind="restriction", person=world.own.child)
    services.restriction_place(
        acting_user=world.user("privacy_officer"), request=request, reason="Bewaren voor een geschil"
    )
    assert retention.dry_run(timezone.localdate())["interviews"] == 0


def test_the_admin_sets_a_retention_period_and_it_is_audited(world):
    from stijging.privacy.models import RetentionPolicy

    policy = RetentionPolicy.objects.get(kind="contacts")
    before = policy.months
    client = Client()
    client.force_login(world.user("admin"))
    url = reverse("beheer:privacy_retentionpolicy_change", args=[policy.pk])
    response = client.post(url, {"months": 18, "reasoning": "Besluit college 2026"})
    assert response.status_code == 302
    assert RetentionPolicy.objects.get(pk=policy.pk).months == 18
    assert retention.months_for("contacts") == 18
    event = AuditEvent.objects.filter(object_type="privacy.retentionpolicy").get()
    assert event.detail["changed"]["months"] == [before, 18]


def test_stijging_tick_runs_the_reminders_and_the_retention_round(world):
    from stijging.core import tick

    _expired_contacts(world)
    results = tick.run()
    assert results["privacy_retention"]["proposed"] is not None
    assert results["privacy_request_reminders"] == 0
    # The privacy officers hear of the dry run by e-mail (a link, no names), sent in the same tick.
    from stijging.accounts.models import OutgoingEmail

    mail = OutgoingEmail.objects.get(dedup_key__startswith="retention:")
    assert mail.to == world.user("privacy_officer").email and reverse("privacy:retention") in mail.body
