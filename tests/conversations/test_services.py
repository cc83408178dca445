"""Writes of the living-room conversation (ENGINEERING.md conventions 2, 4 and 6).

Every section save is one transaction with its audit event; a stale version is refused and changes
nothing; a key seen before is recognised and applies nothing twice; a save that dies half-way leaves
nothing behind.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from stijging.accounts.models import OutgoingEmail, Role
from stijging.concurrency import ConflictError
from stijging.conversations import services
from stijging.conversations.models import (
    CohesionAnswer,
    Conversation,
    DomainAnswer,
    HousingAnswer,
    Interview,
    MeldcodeSignal,
    Proposal,
    ProposalStatus,
    SectionSave,
)
from stijging.conversations.services import AlreadySaved, DomainInput
from stijging.instruments.models import CohesionStatement, DefectCategory, Domain
from stijging.outreach.models import ContactAttempt, Outcome
from stijging.privacy.models import AuditAction, AuditEvent
from stijging.registry.models import HouseholdMembership

from ..accounts.factories import MembershipFactory, UserFactory
from ..registry.factories import MemberFactory, PersonFactory
from .factories import held_conversation


def domain(code: str) -> Domain:
    return Domain.objects.get(version__number=1, code=code)


def item(code: str, score: int | None = None, non_answer: str = "", **extra) -> DomainInput:
    values = {"note": "", "help_question": False, "help_question_text": ""} | extra
    return DomainInput(domain=domain(code), score=score, non_answer=non_answer, **values)


@pytest.fixture
def fieldworker(world):
    return world.user("fieldworker")


@pytest.fixture
def conversation(world, fieldworker) -> Conversation:
    return held_conversation(world.own, fieldworker)


@pytest.fixture
def adult(conversation, world) -> Interview:
    return conversation.interviews.get(person=world.own.adult)


@pytest.fixture
def child(conversation, world) -> Interview:
    return conversation.interviews.get(person=world.own.child)


class NewAuditEvents:
    def __enter__(self):
        self.before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        return self

    def __exit__(self, *exc):
        self.events = list(AuditEvent.objects.filter(id__gt=self.before).order_by("id"))
        return False


# --- Starting --------------------------------------------------------------------------------------------


def test_starting_a_conversation_interviews_every_member_children_included(world, fieldworker):
    site = world.own
    with NewAuditEvents() as log:
        conversation = held_conversation(site, fieldworker)
    assert set(conversation.interviews.values_list("person_id", flat=True)) == {site.adult.pk, site.child.pk}
    assert set(conversation.members_present.values_list("pk", flat=True)) == {site.adult.pk, site.child.pk}
    assert list(conversation.workers.all()) == [fieldworker]
    assert HousingAnswer.objects.filter(conversation=conversation, version=1).exists()
    assert conversation.informed and conversation.instrument_version.number == 1
    # A held conversation settles outreach.
    assert ContactAttempt.objects.filter(household=site.household, outcome=Outcome.HELD).count() == 1
    created = [e for e in log.events if e.object_type == "conversations.conversation"]
    assert len(created) == 1
    assert created[0].action == AuditAction.CREATE
    assert created[0].person_ids == sorted([site.adult.pk, site.child.pk])


@pytest.mark.parametrize(
    "change, field",
    [
        ({"informed": False}, "informed"),
        ({"held_on": "tomorrow"}, "held_on"),  # worked out when the test runs, not when it is collected
        ({"members_present": []}, "members_present"),
    ],
)
def test_a_conversation_is_not_started_without_what_the_law_and_the_facts_ask(world, fieldworker, change, field):
    site = world.own
    arguments = {
        "acting_user": fieldworker,
        "household": site.household,
        "held_on": timezone.localdate(),
        "workers": [fieldworker],
        "members_present": [site.adult],
        "informed": True,
    } | change
    if arguments["held_on"] == "tomorrow":
        arguments["held_on"] = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        services.conversation_start(**arguments)
    assert field in refused.value.message_dict
    assert not Conversation.objects.exists()
    assert not ContactAttempt.objects.exists()


def test_only_current_members_take_part(world, fieldworker):
    with pytest.raises(ValidationError):
        services.conversation_start(
            acting_user=fieldworker,
            household=world.own.household,
            held_on=timezone.localdate(),
            workers=[],
            members_present=[world.foreign.adult],
            informed=True,
        )
    assert not Conversation.objects.exists()


# --- Life domains ------------------------------------------------------------------------------------------


def test_saving_the_domains_records_scores_non_answers_and_a_proposal_for_each_help_question(adult, fieldworker):
    with NewAuditEvents() as log:
        services.interview_save_domains(
            acting_user=fieldworker,
            interview=adult,
            version=1,
            key="key-domains-1",
            answers=[
                item("wonen", 4, note="Huurwoning, klein"),
                item("financien", 2, help_question=True, help_question_text="  Schulden op een rij  "),
                item("gezondheid", non_answer="declined"),
                item("werken"),  # not asked yet: nothing recorded
            ],
        )
    answers = {a.domain.code: a for a in DomainAnswer.objects.filter(interview=adult).select_related("domain")}
    assert set(answers) == {"wonen", "financien", "gezondheid"}
    assert (answers["wonen"].score, answers["wonen"].non_answer, answers["wonen"].note) == (4, "", "Huurwoning, klein")
    assert (answers["gezondheid"].score, answers["gezondheid"].non_answer) == (None, "declined")
    proposal = Proposal.objects.get()
    assert (proposal.person_id, proposal.domain.code, proposal.question) == (
        adult.person_id,
        "financien",
        "Schulden op een rij",
    )
    assert proposal.status == ProposalStatus.OPEN and proposal.proposed_by == fieldworker
    adult.refresh_from_db()
    assert adult.domains_version == 2
    assert [(e.action, e.object_type, e.person_ids) for e in log.events] == [
        (AuditAction.UPDATE, "conversations.interview", [adult.person_id])
    ]
    assert SectionSave.objects.get().section == f"interview:{adult.pk}:domains"


def test_a_stale_domains_save_is_refused_and_changes_nothing(adult, fieldworker):
    services.interview_save_domains(
        acting_user=fieldworker, interview=adult, version=1, key="first-save", answers=[item("wonen", 4)]
    )
    with NewAuditEvents() as log, pytest.raises(ConflictError):
        # A second worker who opened the section at version 1.
        services.interview_save_domains(
            acting_user=fieldworker,
            interview=adult,
            version=1,
            key="second-save",
            answers=[item("wonen", 1), item("financien", 3, help_question=True, help_question_text="Hulp")],
        )
    assert list(DomainAnswer.objects.filter(interview=adult).values_list("domain__code", "score")) == [("wonen", 4)]
    assert not Proposal.objects.exists()
    adult.refresh_from_db()
    assert adult.domains_version == 2
    assert list(SectionSave.objects.values_list("key", flat=True)) == ["first-save"]
    assert log.events == []


def test_the_same_save_arriving_twice_is_applied_once(adult, fieldworker):
    arguments = {
        "acting_user": fieldworker,
        "interview": adult,
        "version": 1,
        "key": "replayed-key",
        "answers": [item("wonen", 4), item("financien", 2, help_question=True, help_question_text="Schulden")],
    }
    services.interview_save_domains(**arguments)
    with NewAuditEvents() as log, pytest.raises(AlreadySaved):
        services.interview_save_domains(**arguments)  # the replay after the connection came back
    assert DomainAnswer.objects.filter(interview=adult).count() == 2
    assert Proposal.objects.count() == 1
    assert SectionSave.objects.count() == 1
    adult.refresh_from_db()
    assert adult.domains_version == 2  # not 3: nothing was applied again
    assert log.events == []


def test_a_save_that_dies_half_way_leaves_nothing_half_written(adult, fieldworker, monkeypatch):
    def broken_record(**kwargs):
        raise RuntimeError("the request died here")

    # The audit event is the last write of the save: everything before it must roll back with it.
    monkeypatch.setattr(services.audit, "record", broken_record)
    with pytest.raises(RuntimeError):
        services.interview_save_domains(
            acting_user=fieldworker,
            interview=adult,
            version=1,
            key="dies-half-way",
            answers=[item("wonen", 4), item("financien", 2, help_question=True, help_question_text="Schulden")],
        )
    assert not DomainAnswer.objects.exists()
    assert not Proposal.objects.exists()
    assert not SectionSave.objects.exists()
    adult.refresh_from_db()
    assert adult.domains_version == 1
    # And the same save, sent again once the server is well, goes through: its key was not used up.
    monkeypatch.undo()
    services.interview_save_domains(
        acting_user=fieldworker, interview=adult, version=1, key="dies-half-way", answers=[item("wonen", 4)]
    )
    assert DomainAnswer.objects.filter(interview=adult).count() == 1


def test_domains_that_do_not_apply_at_this_age_are_refused(child, fieldworker):
    with pytest.raises(ValidationError) as refused:
        services.interview_save_domains(
            acting_user=fieldworker, interview=child, version=1, key="child-works", answers=[item("werken", 3)]
        )
    assert "domain-werken" in refused.value.message_dict
    assert not DomainAnswer.objects.exists()
    assert not SectionSave.objects.exists()


@pytest.mark.parametrize(
    "answer, message",
    [
        ({"score": 3, "non_answer": "declined"}, "not both"),
        ({"score": 3, "help_question": True, "help_question_text": " "}, "Write down the help question"),
        ({"note": "Lekkage in de badkamer"}, "to keep the note"),
        ({"help_question": True, "help_question_text": "Hulp"}, "to keep the note"),
    ],
)
def test_a_domain_answer_that_would_lose_what_was_typed_is_refused(adult, fieldworker, answer, message):
    with pytest.raises(ValidationError) as refused:
        services.interview_save_domains(
            acting_user=fieldworker, interview=adult, version=1, key="k-1", answers=[item("wonen", **answer)]
        )
    assert message in " ".join(refused.value.message_dict["domain-wonen"])
    adult.refresh_from_db()
    assert adult.domains_version == 1


def test_withdrawing_a_help_question_withdraws_its_untouched_proposal_and_a_new_text_follows(adult, fieldworker):
    services.interview_save_domains(
        acting_user=fieldworker,
        interview=adult,
        version=1,
        key="k-1",
        answers=[item("financien", 2, help_question=True, help_question_text="Schulden")],
    )
    services.interview_save_domains(
        acting_user=fieldworker,
        interview=adult,
        version=2,
        key="k-2",
        answers=[item("financien", 2, help_question=True, help_question_text="Schulden en post")],
    )
    assert Proposal.objects.get().question == "Schulden en post"
    services.interview_save_domains(
        acting_user=fieldworker, interview=adult, version=3, key="k-3", answers=[item("financien", 3)]
    )
    assert not Proposal.objects.exists()
    assert DomainAnswer.objects.get(interview=adult).help_question is False


# --- Ladder, cohesion, housing -----------------------------------------------------------------------------


def test_the_ladder_is_asked_from_sixteen(adult, child, fieldworker):
    services.interview_save_ladder(
        acting_user=fieldworker,
        interview=adult,
        version=1,
        key="ladder-adult",
        answered_by="self",
        rung=4,
        rung_non_answer="",
        note="Vrijwilliger",
    )
    adult.refresh_from_db()
    assert (adult.rung, adult.rung_non_answer, adult.note, adult.ladder_version) == (4, "", "Vrijwilliger", 2)
    with pytest.raises(ValidationError):
        services.interview_save_ladder(
            acting_user=fieldworker,
            interview=child,
            version=1,
            key="ladder-child",
            answered_by="both",
            rung=2,
            rung_non_answer="",
            note="",
        )
    # Who answered, for a child: no rung.
    services.interview_save_ladder(
        acting_user=fieldworker,
        interview=child,
        version=1,
        key="ladder-child-2",
        answered_by="both",
        rung=None,
        rung_non_answer="",
        note="",
    )
    child.refresh_from_db()
    assert (child.answered_by, child.rung, child.ladder_version) == ("both", None, 2)


def test_a_stale_ladder_save_is_refused(adult, fieldworker):
    arguments = {
        "acting_user": fieldworker,
        "interview": adult,
        "answered_by": "self",
        "rung_non_answer": "",
        "note": "",
    }
    services.interview_save_ladder(**arguments, version=1, key="a-1", rung=3)
    with pytest.raises(ConflictError):
        services.interview_save_ladder(**arguments, version=1, key="a-2", rung=6)
    adult.refresh_from_db()
    assert (adult.rung, adult.ladder_version) == (3, 2)


def test_cohesion_statements_are_asked_from_fifteen(adult, child, fieldworker):
    statements = list(CohesionStatement.objects.filter(version__number=1).order_by("order"))
    values = {s.pk: (4, "") for s in statements[:5]} | {statements[5].pk: (None, "declined")}
    services.interview_save_cohesion(acting_user=fieldworker, interview=adult, version=1, key="c-1", values=values)
    stored = {a.statement_id: (a.value, a.non_answer) for a in CohesionAnswer.objects.filter(interview=adult)}
    assert stored == values
    with pytest.raises(ValidationError):
        services.interview_save_cohesion(acting_user=fieldworker, interview=child, version=1, key="c-2", values=values)
    assert not CohesionAnswer.objects.filter(interview=child).exists()


def test_the_housing_section_saves_with_its_defects_and_refuses_a_stale_version(conversation, fieldworker):
    housing = conversation.housing
    damp, heating = DefectCategory.objects.filter(version__number=1, code__in=["vocht", "verwarming"]).order_by("code")
    fields = {
        "satisfaction": 2,
        "defects_note": "Schimmel in de slaapkamer",
        "move_wish": "stay",
        "move_reason": "Familie in de buurt",
        "fits_household": "too_small",
        "fits_ageing": "no",
        "neighbour_relations": 4,
        "neighbour_note": "",
    }
    with NewAuditEvents() as log:
        services.housing_save(
            acting_user=fieldworker, housing=housing, version=1, key="h-1", defects=[damp, heating], **fields
        )
    housing.refresh_from_db()
    assert (housing.satisfaction, housing.fits_household, housing.version) == (2, "too_small", 2)
    assert set(housing.defects.values_list("code", flat=True)) == {"vocht", "verwarming"}
    assert log.events[0].person_ids == sorted(conversation.members_present.values_list("pk", flat=True))
    with pytest.raises(ConflictError):
        services.housing_save(
            acting_user=fieldworker, housing=housing, version=1, key="h-2", defects=[], **fields | {"satisfaction": 5}
        )
    housing.refresh_from_db()
    assert housing.satisfaction == 2 and housing.defects.count() == 2


# --- Members joining, meldcode -----------------------------------------------------------------------------


def test_a_member_the_registry_did_not_know_is_added_and_interviewed(conversation, fieldworker):
    interview = services.member_add_during_visit(
        acting_user=fieldworker,
        conversation=conversation,
        relation="parent",
        given_names="Truus",
        family_name="Ownsen",
        date_of_birth=datetime.date(1950, 1, 1),
    )
    assert interview.conversation == conversation
    membership = HouseholdMembership.objects.get(person=interview.person)
    assert (membership.household_id, membership.start_date) == (conversation.household_id, conversation.held_on)
    assert conversation.members_present.filter(pk=interview.person_id).exists()


def test_a_registered_member_who_comes_home_later_joins_once(world, fieldworker):
    site = world.own
    conversation = services.conversation_start(
        acting_user=fieldworker,
        household=site.household,
        held_on=timezone.localdate(),
        workers=[fieldworker],
        members_present=[site.adult],
        informed=True,
    )
    interview = services.conversation_add_present_member(
        acting_user=fieldworker, conversation=conversation, person=site.child
    )
    assert interview.person == site.child
    with pytest.raises(ValidationError):
        services.conversation_add_present_member(acting_user=fieldworker, conversation=conversation, person=site.child)
    with pytest.raises(ValidationError):
        services.conversation_add_present_member(
            acting_user=fieldworker, conversation=conversation, person=world.foreign.adult
        )
    assert conversation.interviews.count() == 2


def test_a_meldcode_signal_alerts_every_case_manager_of_the_programme_at_once(world, conversation, fieldworker):
    second_manager = UserFactory(email="cm2@example.test")
    MembershipFactory(user=second_manager, programme=world.own.programme, role=Role.CASE_MANAGER)
    foreign_manager = UserFactory(email="cm-foreign@example.test")
    MembershipFactory(user=foreign_manager, programme=world.foreign.programme, role=Role.CASE_MANAGER)
    signal = services.meldcode_raise(
        acting_user=fieldworker, conversation=conversation, kind="child_abuse", persons=[world.own.child]
    )
    assert MeldcodeSignal.objects.get() == signal
    assert list(signal.persons.all()) == [world.own.child]
    mails = list(OutgoingEmail.objects.order_by("to"))
    assert [m.to for m in mails] == sorted([world.user("case_manager").email, second_manager.email])
    for mail in mails:
        # A link, never the person or the kind of signal.
        assert f"/conversations/{conversation.pk}/" in mail.body
        assert world.own.child.family_name not in mail.body + mail.subject
        assert "abuse" not in mail.body
    event = AuditEvent.objects.get(object_type="conversations.meldcodesignal")
    assert (event.action, event.person_ids, event.purpose) == (AuditAction.CREATE, [world.own.child.pk], "meldcode")


# --- Scopes ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role, sees",
    [
        ("fieldworker", True),
        ("case_manager", True),
        ("partner", False),
        ("coordinator", False),
        ("manager", False),
        ("admin", False),
        ("privacy_officer", False),
        ("no_membership", False),
    ],
)
def test_conversations_and_interviews_are_visible_only_to_the_case_roles_of_their_programme(world, role, sees):
    own = held_conversation(world.own, world.user("fieldworker"))
    foreign_worker = UserFactory(email="fw-foreign@example.test")
    MembershipFactory(user=foreign_worker, programme=world.foreign.programme, role=Role.FIELDWORKER)
    foreign = held_conversation(world.foreign, foreign_worker)
    user = world.users[role]
    assert list(Conversation.objects.visible_to(user)) == ([own] if sees else [])
    assert set(Interview.objects.visible_to(user)) == (set(own.interviews.all()) if sees else set())
    assert not Conversation.objects.visible_to(user).filter(pk=foreign.pk).exists()


def test_proposals_are_seen_by_case_managers_and_by_the_worker_who_proposed_them(world, adult, fieldworker):
    colleague = UserFactory(email="fw2@example.test")
    MembershipFactory(user=colleague, programme=world.own.programme, role=Role.FIELDWORKER)
    services.interview_save_domains(
        acting_user=fieldworker,
        interview=adult,
        version=1,
        key="p-1",
        answers=[item("financien", 2, help_question=True, help_question_text="Schulden")],
    )
    proposal = Proposal.objects.get()
    assert list(Proposal.objects.visible_to(world.user("case_manager"))) == [proposal]
    assert list(Proposal.objects.visible_to(fieldworker)) == [proposal]
    assert not Proposal.objects.visible_to(colleague).exists()
    for role in ("partner", "coordinator", "manager", "admin", "privacy_officer", "no_membership"):
        assert not Proposal.objects.visible_to(world.users[role]).exists(), role
    foreign_manager = UserFactory(email="cm-foreign@example.test")
    MembershipFactory(user=foreign_manager, programme=world.foreign.programme, role=Role.CASE_MANAGER)
    assert not Proposal.objects.visible_to(foreign_manager).exists()


def test_a_household_that_lived_at_two_addresses_of_the_programme_does_not_double_its_proposals(
    world, adult, fieldworker
):
    # The household once lived elsewhere in the programme: two residences must not double the rows.
    from ..registry.factories import AddressFactory, ResidenceFactory

    ResidenceFactory(
        household=world.own.household,
        address=AddressFactory(area=world.own.area, street=world.own.street, huisnummer=99),
        start_date=datetime.date(2010, 1, 1),
        end_date=datetime.date(2015, 2, 28),
    )
    MemberFactory(household=world.own.household, person=PersonFactory(), relation="other")
    services.interview_save_domains(
        acting_user=fieldworker,
        interview=adult,
        version=1,
        key="p-2",
        answers=[item("financien", 2, help_question=True, help_question_text="Schulden")],
    )
    assert Proposal.objects.visible_to(world.user("case_manager")).count() == 1


def test_a_household_that_objected_cannot_be_given_a_conversation(world):
    import pytest
    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from stijging.conversations.services import conversation_start
    from stijging.outreach import services as outreach_services

    worker = world.user("fieldworker")
    outreach_services.attempt_record(
        acting_user=worker,
        household=world.own.household,
        date=timezone.localdate(),
        channel="doorbell",
        outcome="objected",
    )
    with pytest.raises(ValidationError):
        conversation_start(
            acting_user=worker,
            household=world.own.household,
            held_on=timezone.localdate(),
            workers=[worker],
            members_present=[world.own.adult],
            informed=True,
        )
