"""The demo as a programme in progress: contact attempts and appointments for most households, held
conversations for about 60% of them (some refusals, one objection), with plausible scores,
non-answers, help questions, rungs, cohesion answers, housing answers and consents.

Rows are made in bulk, straight into the tables: seeding is not a user's action, so it writes no
audit events; the derived outreach status is computed by the same rules as in the application.
"""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from stijging.accounts.models import User
from stijging.conversations.models import (
    CohesionAnswer,
    Conversation,
    DomainAnswer,
    HousingAnswer,
    Interview,
    MeldcodeSignal,
    Proposal,
)
from stijging.instruments.services import current_instrument
from stijging.outreach import status as status_rules
from stijging.outreach.models import Appointment, AppointmentKind, ContactAttempt, HouseholdOutreach, Outcome
from stijging.privacy.models import Consent, ConsentGivenBy, ConsentPurpose
from stijging.registry.models import Household, HouseholdMembership, Programme

from .catalogue import HELP_QUESTIONS, next_weekday, random_rung, random_score, revisit_reason


def seed_progress(programme: Programme, *, rng: random.Random, today: datetime.date | None = None) -> dict:
    today = today or timezone.localdate()
    fieldworker = User.objects.get(email="fieldworker@demo.stijging.nl")
    case_manager = User.objects.get(email="casemanager@demo.stijging.nl")
    instrument = current_instrument()
    domains = list(instrument.domains.all())
    statements = list(instrument.cohesion_statements.all())
    defects = list(instrument.defect_categories.all())
    households = list(
        Household.objects.filter(residences__address__area__programme=programme, residences__end_date__isnull=True)
        .distinct()
        .order_by("pk")
    )
    members: dict[int, list] = {}
    for membership in HouseholdMembership.objects.filter(
        household__in=households, end_date__isnull=True
    ).select_related("person"):
        members.setdefault(membership.household_id, []).append(membership.person)

    attempts: list[ContactAttempt] = []
    appointments: list[Appointment] = []
    conversations: list[tuple[Conversation, list]] = []
    objected_once = False
    start = programme.start_date
    span = max((today - start).days - 1, 1)
    for household in households:
        roll = rng.random()
        first_try = start + datetime.timedelta(days=rng.randint(0, span))
        attempts.append(
            ContactAttempt(
                programme=programme,
                household=household,
                date=first_try,
                channel="letter",
                outcome=Outcome.NOT_HOME,
                worker=fieldworker,
                note="Introductiebrief bezorgd",
            )
        )
        if roll < 0.60:
            held_on = min(first_try + datetime.timedelta(days=rng.randint(5, 30)), today - datetime.timedelta(days=1))
            if rng.random() < 0.4:
                attempts.append(
                    ContactAttempt(
                        programme=programme,
                        household=household,
                        date=held_on - datetime.timedelta(days=3),
                        channel="doorbell",
                        outcome=Outcome.NOT_HOME,
                        worker=fieldworker,
                    )
                )
            attempts.append(
                ContactAttempt(
                    programme=programme,
                    household=household,
                    date=held_on - datetime.timedelta(days=2),
                    channel="phone",
                    outcome=Outcome.APPOINTMENT,
                    worker=fieldworker,
                )
            )
            attempts.append(
                ContactAttempt(
                    programme=programme,
                    household=household,
                    date=held_on,
                    channel="other",
                    outcome=Outcome.HELD,
                    worker=fieldworker,
                )
            )
            conversations.append(
                (
                    Conversation(
                        programme=programme,
                        household=household,
                        held_on=held_on,
                        instrument_version=instrument,
                        informed=True,
                        created_by=fieldworker,
                    ),
                    # A child born after the visit was not there.
                    [person for person in members.get(household.pk, []) if person.date_of_birth <= held_on],
                )
            )
        elif roll < 0.68:
            attempts.append(
                ContactAttempt(
                    programme=programme,
                    household=household,
                    date=first_try + datetime.timedelta(days=7),
                    channel="doorbell",
                    outcome=Outcome.REFUSED,
                    worker=fieldworker,
                    note="Geen behoefte aan een gesprek",
                )
            )
        elif not objected_once:
            objected_once = True
            attempts.append(
                ContactAttempt(
                    programme=programme,
                    household=household,
                    date=first_try + datetime.timedelta(days=7),
                    channel="doorbell",
                    outcome=Outcome.OBJECTED,
                    worker=fieldworker,
                    note="Maakt bezwaar (AVG art. 21)",
                )
            )
        elif roll < 0.90:
            attempts.append(
                ContactAttempt(
                    programme=programme,
                    household=household,
                    date=min(first_try + datetime.timedelta(days=6), today),
                    channel="doorbell",
                    outcome=Outcome.NOT_HOME,
                    worker=fieldworker,
                )
            )
            if rng.random() < 0.5:
                day = next_weekday(today + datetime.timedelta(days=rng.randint(0, 9)))
                hour = rng.choice([9, 10, 11, 13, 14, 15, 16, 19])
                starts = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))
                appointments.append(
                    Appointment(programme=programme, household=household, worker=fieldworker, starts_at=starts)
                )
        # else: only the letter so far
    ContactAttempt.objects.bulk_create(attempts, batch_size=1000)
    Appointment.objects.bulk_create(appointments, batch_size=1000)

    Conversation.objects.bulk_create([c for c, _m in conversations], batch_size=500)
    interviews: list[Interview] = []
    for conversation, persons in conversations:
        conversation.workers.add(fieldworker)
        conversation.members_present.set(persons)
        for person in persons:
            age = person.age_on(conversation.held_on)
            rung, rung_non_answer = random_rung(rng, age) if age >= 16 else (None, "")
            answered_by = "self" if age >= 16 else rng.choice(["child", "parent", "both"])
            interviews.append(
                Interview(
                    conversation=conversation,
                    person=person,
                    rung=rung,
                    rung_non_answer=rung_non_answer,
                    answered_by=answered_by,
                )
            )
    Interview.objects.bulk_create(interviews, batch_size=1000)

    answers: list[DomainAnswer] = []
    cohesion: list[CohesionAnswer] = []
    consents: list[Consent] = []
    for interview in interviews:
        age = interview.person.age_on(interview.conversation.held_on)
        for domain in domains:
            if not domain.applies_to(age):
                continue
            if rng.random() < 0.08:
                answers.append(
                    DomainAnswer(
                        interview=interview,
                        domain=domain,
                        non_answer=rng.choice(["not_discussed", "not_discussed", "declined"]),
                    )
                )
                continue
            score = random_score(rng)
            question = score <= 2 and rng.random() < 0.45 or score == 3 and rng.random() < 0.03
            answers.append(
                DomainAnswer(
                    interview=interview,
                    domain=domain,
                    score=score,
                    help_question=question,
                    help_question_text=HELP_QUESTIONS.get(domain.code, "") if question else "",
                )
            )
        if age >= 15:
            for statement in statements:
                if rng.random() < 0.05:
                    cohesion.append(CohesionAnswer(interview=interview, statement=statement, non_answer="declined"))
                else:
                    value = rng.choices([1, 2, 3, 4, 5], weights=[8, 17, 30, 32, 13])[0]
                    cohesion.append(CohesionAnswer(interview=interview, statement=statement, value=value))
    DomainAnswer.objects.bulk_create(answers, batch_size=1000)
    CohesionAnswer.objects.bulk_create(cohesion, batch_size=1000)

    proposals = [
        Proposal(
            programme=programme,
            answer=a,
            person=a.interview.person,
            domain=a.domain,
            question=a.help_question_text,
            proposed_by=fieldworker,
        )
        for a in answers
        if a.help_question
    ]
    Proposal.objects.bulk_create(proposals, batch_size=1000)
    with_question = {p.person.pk: p.person for p in proposals}
    for person in with_question.values():
        minor = person.age < 16
        consents.append(
            Consent(
                person=person,
                purpose=ConsentPurpose.RECEIVE_HELP,
                given_by=ConsentGivenBy.PARENT if minor else ConsentGivenBy.PERSON,
                parent_name="ouder (demo)" if minor else "",
                given_on=today - datetime.timedelta(days=10),
                recorded_by=fieldworker,
            )
        )
    Consent.objects.bulk_create(consents, batch_size=1000)

    housing = []
    for conversation, _persons in conversations:
        housing.append(
            HousingAnswer(
                conversation=conversation,
                satisfaction=rng.choices([1, 2, 3, 4, 5], weights=[5, 12, 30, 38, 15])[0],
                move_wish=rng.choices(["stay", "move", "undecided"], weights=[70, 18, 12])[0],
                fits_household=rng.choices(["fits", "too_small", "too_big"], weights=[78, 14, 8])[0],
                fits_ageing=rng.choices(["yes", "adaptable", "no"], weights=[30, 40, 30])[0],
                neighbour_relations=rng.choices([1, 2, 3, 4, 5], weights=[4, 10, 30, 40, 16])[0],
            )
        )
    HousingAnswer.objects.bulk_create(housing, batch_size=500)
    for answer in housing:
        if rng.random() < 0.35:
            answer.defects.set(rng.sample(defects, rng.randint(1, 3)))

    # Revisits planned from a few conversations, in the worker's agenda.
    revisits: list[Appointment] = []
    for conversation, _persons in conversations[:6]:
        day = next_weekday(today + datetime.timedelta(days=rng.randint(1, 10)))
        revisits.append(
            Appointment(
                programme=programme,
                household=conversation.household,
                worker=fieldworker,
                kind=AppointmentKind.REVISIT,
                starts_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(rng.choice([10, 14]), 30))),
                reason="Terugkomen op de hulpvraag",
                reason_category=revisit_reason(len(revisits)),
                source_conversation_id=conversation.pk,
            )
        )
    Appointment.objects.bulk_create(revisits)
    if conversations:
        signal = MeldcodeSignal.objects.create(
            programme=programme,
            conversation=conversations[0][0],
            kind="domestic_violence",
            raised_by=fieldworker,
            acknowledged_by=case_manager,
            acknowledged_at=timezone.now(),
        )
        signal.persons.set(conversations[0][1][:1])

    # The derived status, by the application's own rules.
    facts: dict[int, list] = {}
    for attempt in ContactAttempt.objects.filter(household__in=households).values_list(
        "household_id", "date", "outcome", "id"
    ):
        facts.setdefault(attempt[0], []).append(status_rules.AttemptFact(attempt[1], attempt[2], attempt[3]))
    planned = set(
        Appointment.objects.filter(household__in=households, status="planned").values_list("household_id", flat=True)
    )
    rows = []
    for household in households:
        household_facts = facts.get(household.pk, [])
        status = status_rules.derive(household_facts, has_planned_appointment=household.pk in planned)
        rows.append(
            HouseholdOutreach(
                household=household,
                status=status,
                attempts=len(household_facts),
                last_attempt_on=max((f.date for f in household_facts), default=None),
                do_not_contact=status == "objected",
            )
        )
    HouseholdOutreach.objects.bulk_create(rows, batch_size=1000)
    return {"conversations": len(conversations), "interviews": len(interviews), "proposals": len(proposals)}
