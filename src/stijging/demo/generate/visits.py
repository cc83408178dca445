"""Outreach and the living-room conversation at volume: contact attempts and appointments for most
households, held conversations for ~60% of them with an interview per member present, answers,
help questions, proposals, housing sections, revisits and meldcode signals."""

from __future__ import annotations

import datetime

from django.db import models

from stijging.privacy.models import ConsentGivenBy, ConsentPurpose

from ..catalogue import (
    HELP_QUESTIONS,
    next_weekday,
    random_rung,
    random_score,
    revisit_reason,
)
from .plan import AreaChunk, Context, HouseholdDraft, PersonInfo, Visit, age_on, aware

# --- Outreach, conversations, help trajectories and referrals --------------------------------------
# The programme in progress, as the demo's progress.py and care.py seed it, at volume: contact
# attempts and appointments for most households, held conversations for ~60% of them with an
# interview per member present, trajectories for about half of the persons visited (~200,000 at
# 400,000 households) and ~1.5 referrals per trajectory (~300,000) to every partner in every state.

HELD_SHARE = 0.60
REFUSED_SHARE = 0.08
OBJECTED_SHARE = 0.005
MOVED_SHARE_OUTREACH = 0.015
ATTEMPTED_SHARE = 0.20  # the rest after these has had only the letter, or nothing yet
PLANNED_SHARE = 0.22  # of the households not reached yet: an appointment in the coming weeks
AGENDA_WEEKS = 8
REVISIT_SHARE = 0.03
MELDCODE_SHARE = 0.002


def _outreach(ctx: Context, chunk: AreaChunk) -> None:
    """Contact attempts for ~95% of the households, appointments (done ones behind every held
    conversation, planned ones in the coming weeks), and the derived status by the application's
    own rules (`stijging.outreach.status.derive`). Chooses which households held a conversation."""
    from stijging.outreach import status as status_rules
    from stijging.outreach.models import ContactAttempt, HouseholdOutreach

    rng = ctx.rng("outreach", chunk.plan.index)
    staff = ctx.staff
    worker = staff.fieldworkers[chunk.plan.index % len(staff.fieldworkers)]
    today = ctx.today
    start = ctx.programme.start_date
    span = max((today - start).days - 2, 1)
    attempts: list[tuple] = []
    appointments: list[list] = []
    statuses: list[tuple] = []
    visits: list[tuple[HouseholdDraft, datetime.date]] = []
    cuts = [HELD_SHARE]
    for share in (REFUSED_SHARE, OBJECTED_SHARE, MOVED_SHARE_OUTREACH, ATTEMPTED_SHARE):
        cuts.append(cuts[-1] + share)
    for draft in chunk.households:
        roll = rng.random()
        facts: list[tuple[datetime.date, str, str, str]] = []  # date, channel, outcome, note
        planned = False
        if roll < 0.95:
            first_try = start + datetime.timedelta(days=rng.randint(0, span))
            facts.append((first_try, "letter", "not_home", "Introductiebrief bezorgd"))
        if roll < cuts[0]:
            held_on = min(first_try + datetime.timedelta(days=rng.randint(5, 30)), today - datetime.timedelta(days=1))
            if rng.random() < 0.4:
                facts.append((held_on - datetime.timedelta(days=3), "doorbell", "not_home", ""))
            facts.append((held_on - datetime.timedelta(days=2), "phone", "appointment", ""))
            facts.append((held_on, "other", "held", ""))
            appointments.append(
                [draft.id, worker, aware(held_on, rng.choice((10, 11, 14, 15, 19))), 60, "visit", "done", "", None, ""]
            )
            visits.append((draft, held_on))
        elif roll < cuts[1]:
            facts.append((min(first_try + datetime.timedelta(days=7), today), "doorbell", "refused", "Geen behoefte"))
        elif roll < cuts[2]:
            facts.append(
                (
                    min(first_try + datetime.timedelta(days=7), today),
                    "doorbell",
                    "objected",
                    "Maakt bezwaar (AVG art. 21)",
                )
            )
        elif roll < cuts[3]:
            facts.append((min(first_try + datetime.timedelta(days=9), today), "doorbell", "moved", "Verhuisd"))
        elif roll < cuts[4]:
            facts.append((min(first_try + datetime.timedelta(days=6), today), "doorbell", "not_home", ""))
            if rng.random() < PLANNED_SHARE:
                planned = True
                day = next_weekday(today + datetime.timedelta(days=rng.randint(0, AGENDA_WEEKS * 7)))
                appointments.append(
                    [
                        draft.id,
                        worker,
                        aware(day, rng.choice((9, 10, 11, 13, 14, 15, 16, 19))),
                        60,
                        "visit",
                        "planned",
                        "",
                        None,
                        "",
                    ]
                )
        for day, channel, outcome, note in facts:
            attempts.append((draft.id, day, channel, outcome, worker, note, ctx.now))
        status = status_rules.derive(
            [status_rules.AttemptFact(day, outcome, n) for n, (day, _c, outcome, _note) in enumerate(facts)],
            has_planned_appointment=planned,
        )
        statuses.append(
            (draft.id, status, len(facts), max((f[0] for f in facts), default=None), status == "objected", ctx.now)
        )
    first = ctx.writer.reserve(ContactAttempt, len(attempts))
    ctx.writer.write(
        ContactAttempt,
        ["id", "programme_id", "household_id", "date", "channel", "outcome", "worker_id", "note", "created_at"],
        ((first + i, ctx.programme.pk, *row) for i, row in enumerate(attempts)),
    )
    chunk.visits_planned = visits
    chunk.appointments = appointments  # written with the revisits by `_conversations`
    ctx.writer.write(
        HouseholdOutreach,
        ["household_id", "status", "attempts", "last_attempt_on", "do_not_contact", "updated_at"],
        statuses,
    )


def _conversations(ctx: Context, chunk: AreaChunk) -> None:
    """Held conversations with the members present and their interviews: per applicable domain a
    score or a non-answer and sometimes a help question (a proposal), the rung from 16, the
    cohesion statements from 15, the housing section, the consent to receive help of those with a
    help question, a few revisits and meldcode signals."""
    from stijging.conversations.models import (
        CohesionAnswer,
        Conversation,
        DomainAnswer,
        HousingAnswer,
        Interview,
        MeldcodeSignal,
        Proposal,
    )
    from stijging.outreach.models import Appointment

    rng = ctx.rng("conversations", chunk.plan.index)
    instrument = ctx.instrument
    today = ctx.today
    worker = ctx.staff.fieldworkers[chunk.plan.index % len(ctx.staff.fieldworkers)]
    members: dict[int, list[PersonInfo]] = {}
    for person in chunk.persons:
        if person.current:
            members.setdefault(person.household_id, []).append(person)
    planned = chunk.visits_planned
    first_conversation = ctx.writer.reserve(Conversation, len(planned))
    conversations: list[tuple] = []
    present: list[tuple] = []
    workers: list[tuple] = []
    interviews: list[tuple] = []
    housing: list[tuple] = []
    defects: list[tuple] = []
    answers: list[list] = []
    cohesion: list[tuple] = []
    consents: list[tuple] = []
    signals: list[tuple] = []
    signal_persons: list[int] = []
    appointments = chunk.appointments
    visits: list[Visit] = []

    def present_at(household_id: int, held_on: datetime.date) -> list[PersonInfo]:
        # A child born after the visit was not there (the generator dates births up to today).
        return [person for person in members.get(household_id, []) if person.date_of_birth <= held_on]

    interview_count = sum(len(present_at(d.id, held_on)) for d, held_on in planned)
    first_interview = ctx.writer.reserve(Interview, interview_count)
    interview_id = first_interview
    for n, (draft, held_on) in enumerate(planned):
        conversation_id = first_conversation + n
        at = aware(held_on, 11)
        conversations.append((conversation_id, draft.id, held_on, instrument.version_id, True, worker, at, 1))
        workers.append((conversation_id, worker))
        visit = Visit(conversation_id, draft.id, held_on, worker, {})
        for person in present_at(draft.id, held_on):
            present.append((conversation_id, person.id))
            age = age_on(person.date_of_birth, held_on)
            rung, rung_non_answer = random_rung(rng, age) if age >= 16 else (None, "")
            answered_by = "self" if age >= 16 else rng.choice(("child", "parent", "both"))
            interviews.append(
                (interview_id, conversation_id, person.id, answered_by, rung, rung_non_answer, "", at, 1, 1, 1)
            )
            scored = []
            for domain_id, code, min_age, max_age in instrument.domains:
                if age < min_age or (max_age is not None and age > max_age):
                    continue
                if rng.random() < 0.08:
                    non_answer = "declined" if rng.random() < 0.33 else "not_discussed"
                    answers.append([interview_id, domain_id, None, non_answer, "", False, ""])
                    continue
                score = random_score(rng)
                question = (score <= 2 and rng.random() < 0.45) or (score == 3 and rng.random() < 0.03)
                text = HELP_QUESTIONS.get(code, "Hulpvraag") if question else ""
                answers.append([interview_id, domain_id, score, "", "", question, text])
                scored.append([domain_id, code, score, len(answers) - 1, question])
            if age >= 15:
                for statement_id in instrument.statements:
                    if rng.random() < 0.05:
                        cohesion.append((interview_id, statement_id, None, "declined"))
                    else:
                        value = rng.choices((1, 2, 3, 4, 5), cum_weights=(8, 25, 55, 87, 100))[0]
                        cohesion.append((interview_id, statement_id, value, ""))
            visit.interviews[person.id] = (interview_id, age, rung, scored)
            interview_id += 1
        housing.append(
            (
                conversation_id,
                rng.choices((1, 2, 3, 4, 5), cum_weights=(5, 17, 47, 85, 100))[0],
                "",
                rng.choices(("stay", "move", "undecided"), cum_weights=(70, 88, 100))[0],
                "",
                rng.choices(("fits", "too_small", "too_big"), cum_weights=(78, 92, 100))[0],
                rng.choices(("yes", "adaptable", "no"), cum_weights=(30, 70, 100))[0],
                rng.choices((1, 2, 3, 4, 5), cum_weights=(4, 14, 44, 84, 100))[0],
                "",
                1,
            )
        )
        if rng.random() < REVISIT_SHARE:
            day = next_weekday(today + datetime.timedelta(days=rng.randint(1, AGENDA_WEEKS * 7)))
            appointments.append(
                [
                    draft.id,
                    worker,
                    aware(day, rng.choice((10, 14)), 30),
                    60,
                    "revisit",
                    "planned",
                    "Terugkomen op de hulpvraag",
                    conversation_id,
                    "",
                ]
            )
        if rng.random() < MELDCODE_SHARE and visit.interviews:
            acknowledged = rng.random() < 0.8
            case_manager = ctx.staff.case_managers[rng.randrange(len(ctx.staff.case_managers))]
            signals.append(
                (
                    conversation_id,
                    rng.choice(("domestic_violence", "child_abuse")),
                    worker,
                    at,
                    case_manager if acknowledged else None,
                    at + datetime.timedelta(hours=3) if acknowledged else None,
                )
            )
            signal_persons.append(next(iter(visit.interviews)))
        visits.append(visit)
    writer = ctx.writer
    writer.write(
        Conversation,
        [
            "id",
            "household_id",
            "held_on",
            "instrument_version_id",
            "informed",
            "created_by_id",
            "created_at",
            "version",
            "programme_id",
        ],
        ((*row, ctx.programme.pk) for row in conversations),
    )
    through: type[models.Model]
    for through, columns, rows in (
        (Conversation.workers.through, ["id", "conversation_id", "user_id"], workers),
        (Conversation.members_present.through, ["id", "conversation_id", "person_id"], present),
    ):
        first = writer.reserve(through, len(rows))
        writer.write(through, columns, ((first + i, *row) for i, row in enumerate(rows)))
    writer.write(
        Interview,
        [
            "id",
            "conversation_id",
            "person_id",
            "answered_by",
            "rung",
            "rung_non_answer",
            "note",
            "started_at",
            "domains_version",
            "ladder_version",
            "cohesion_version",
        ],
        interviews,
    )
    first_answer = writer.reserve(DomainAnswer, len(answers))
    writer.write(
        DomainAnswer,
        ["id", "interview_id", "domain_id", "score", "non_answer", "note", "help_question", "help_question_text"],
        ((first_answer + i, *row) for i, row in enumerate(answers)),
    )
    first = writer.reserve(CohesionAnswer, len(cohesion))
    writer.write(
        CohesionAnswer,
        ["id", "interview_id", "statement_id", "value", "non_answer"],
        ((first + i, *row) for i, row in enumerate(cohesion)),
    )
    first_housing = writer.reserve(HousingAnswer, len(housing))
    writer.write(
        HousingAnswer,
        [
            "id",
            "conversation_id",
            "satisfaction",
            "defects_note",
            "move_wish",
            "move_reason",
            "fits_household",
            "fits_ageing",
            "neighbour_relations",
            "neighbour_note",
            "version",
        ],
        ((first_housing + i, *row) for i, row in enumerate(housing)),
    )
    for i in range(len(housing)):
        if instrument.defects and rng.random() < 0.35:
            for defect in rng.sample(instrument.defects, rng.randint(1, min(3, len(instrument.defects)))):
                defects.append((first_housing + i, defect))
    through = HousingAnswer.defects.through
    first = writer.reserve(through, len(defects))
    writer.write(
        through, ["id", "housinganswer_id", "defectcategory_id"], ((first + i, *row) for i, row in enumerate(defects))
    )
    # Proposals (ids now, so trajectories can point at them), and the consent to receive help.
    with_question = [
        (visit, person_id, item)
        for visit in visits
        for person_id, (_iid, _age, _rung, scored) in visit.interviews.items()
        for item in scored
        if item[4]
    ]
    first_proposal = writer.reserve(Proposal, len(with_question))
    consent_persons: dict[int, tuple[datetime.date, int]] = {}
    for n, (visit, person_id, item) in enumerate(with_question):
        item[3] = first_answer + item[3]  # the answer's id
        item[4] = first_proposal + n  # the proposal's id
        consent_persons.setdefault(person_id, (visit.held_on, visit.interviews[person_id][1]))
    # Proposal status is settled by `_care` (taken up / declined / open); written there.
    chunk.proposals = [
        [
            first_proposal + n,
            item[3],
            person_id,
            item[0],
            HELP_QUESTIONS.get(item[1], "Hulpvraag"),
            visit.worker_id,
            aware(visit.held_on, 12),
            "open",
        ]
        for n, (visit, person_id, item) in enumerate(with_question)
    ]
    for person_id, (held_on, age) in consent_persons.items():
        minor = age < 16
        consents.append(
            (
                person_id,
                ConsentPurpose.RECEIVE_HELP.value,
                None,
                (ConsentGivenBy.PARENT if minor else ConsentGivenBy.PERSON).value,
                "ouder" if minor else "",
                held_on,
                None,
            )
        )
    chunk.consents.extend(consents)
    first = writer.reserve(Appointment, len(appointments))
    writer.write(
        Appointment,
        [
            "id",
            "household_id",
            "worker_id",
            "starts_at",
            "duration_minutes",
            "kind",
            "status",
            "reason",
            "source_conversation_id",
            "note",
            "created_at",
            "version",
            "programme_id",
            "reason_category",
        ],
        (
            (first + i, *row, ctx.now, 1, ctx.programme.pk, revisit_reason(i) if row[4] == "revisit" else None)
            for i, row in enumerate(appointments)
        ),
    )
    first_signal = writer.reserve(MeldcodeSignal, len(signals))
    writer.write(
        MeldcodeSignal,
        [
            "id",
            "conversation_id",
            "kind",
            "raised_by_id",
            "raised_at",
            "acknowledged_by_id",
            "acknowledged_at",
            "programme_id",
        ],
        ((first_signal + i, *row, ctx.programme.pk) for i, row in enumerate(signals)),
    )
    through = MeldcodeSignal.persons.through
    first = writer.reserve(through, len(signal_persons))
    writer.write(
        through,
        ["id", "meldcodesignal_id", "person_id"],
        ((first + i, first_signal + i, person_id) for i, person_id in enumerate(signal_persons)),
    )
    chunk.visits = visits
