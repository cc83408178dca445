"""Help at volume: trajectories for about half of the persons visited, goals, actions, journal
entries, follow-up measurements, and ~1.5 referrals per trajectory to every partner in every state."""

from __future__ import annotations

import datetime

from django.utils import timezone

from stijging.privacy.models import Consent, ConsentGivenBy, ConsentPurpose

from ..catalogue import (
    ACTIONS,
    HELP_QUESTIONS,
    next_weekday,
)
from .plan import AreaChunk, Context, aware
from .registry import CONSENT_COLUMNS, PARTNER_WEIGHTS

TRAJECTORY_FROM_PROPOSAL = 0.70  # persons with a help question who got a trajectory
TRAJECTORY_DIRECT = 0.15  # persons visited without a help question, opened directly
REFERRALS_PER_TRAJECTORY = ([0, 1, 2, 3], [22, 30, 26, 22])  # mean ~1.5


REFERRAL_PATHS = [
    ([], 14),
    ([("accepted", "p", "")], 12),
    ([("declined", "p", "no_capacity")], 5),
    ([("declined", "p", "client_refused")], 3),
    ([("accepted", "p", ""), ("in_progress", "p", "")], 22),
    ([("accepted", "p", ""), ("in_progress", "p", ""), ("completed", "p", "help_given")], 28),
    ([("accepted", "p", ""), ("in_progress", "p", ""), ("completed", "p", "unable_to_contact")], 3),
    ([("accepted", "p", ""), ("returned", "p", "unable_to_contact")], 4),
    ([("accepted", "p", ""), ("in_progress", "p", ""), ("returned", "p", "no_longer_needed")], 2),
    ([("withdrawn", "c", "no_longer_needed")], 4),
    ([("accepted", "p", ""), ("withdrawn", "c", "client_refused")], 3),
]


def _care(ctx: Context, chunk: AreaChunk) -> None:
    """Trajectories for about half of the persons visited (most from a proposal, some opened
    directly on their lowest domain), with events, goals, actions and follow-up measurements;
    referrals to every partner in every state with their events, the consent they rest on and the
    AccessGrant that opens the person to the partner in the programme (revoked when withdrawn). Overdue priority
    referrals have been escalated already, except those that fell due yesterday: `stijging tick`
    finds those."""
    from stijging.conversations.models import Proposal
    from stijging.privacy.models import AccessGrant
    from stijging.referrals.models import Referral, ReferralEvent
    from stijging.referrals.workingdays import add_working_days
    from stijging.trajectories.models import (
        Action,
        Goal,
        Measurement,
        MeasurementScore,
        Trajectory,
        TrajectoryEvent,
    )

    rng = ctx.rng("care", chunk.plan.index)
    staff = ctx.staff
    today = ctx.today
    now = ctx.now
    programme_id = ctx.programme.pk
    proposal_by_answer = {row[1]: row for row in chunk.proposals}
    # Who gets a trajectory: (visit, person id, (domain id, code, score, answer id, proposal id) or None)
    chosen = []
    for visit in chunk.visits:
        for person_id, (_iid, _age, _rung, scored) in visit.interviews.items():
            questions = [item for item in scored if item[4]]
            if questions:
                if rng.random() < TRAJECTORY_FROM_PROPOSAL:
                    chosen.append((visit, person_id, questions[0], True))
                elif rng.random() < 0.25:
                    proposal_by_answer[questions[0][3]][7] = "declined"
            elif scored and rng.random() < TRAJECTORY_DIRECT:
                low = min(scored, key=lambda item: item[2])
                chosen.append((visit, person_id, low, False))
    first_trajectory = ctx.writer.reserve(Trajectory, len(chosen))
    trajectories: list[tuple] = []
    events: list[tuple] = []
    goals: list[tuple] = []
    actions: list[tuple] = []
    referrals: list[list] = []
    referral_events: list[tuple] = []
    grants: list[tuple] = []
    consents: dict[tuple[int, int], int] = {}  # (person, organisation) -> index in chunk.consents
    measurement_rows = []
    organisations = staff.partner_organisations
    organisation_weights = [PARTNER_WEIGHTS[kind] for _id, kind in organisations]
    paths = [p for p, _w in REFERRAL_PATHS]
    path_weights = [w for _p, w in REFERRAL_PATHS]
    due_cache: dict[tuple[datetime.date, int], datetime.date] = {}
    yesterday = today - datetime.timedelta(days=1)
    for n, (visit, person_id, item, from_proposal) in enumerate(chosen):
        trajectory_id = first_trajectory + n
        domain_id, _code, score, answer_id, proposal_id = item
        if from_proposal:
            proposal_by_answer[answer_id][7] = "taken_up"
        case_manager = staff.case_managers[rng.randrange(len(staff.case_managers))]
        opened_on = min(visit.held_on + datetime.timedelta(days=rng.randint(3, 20)), today)
        opened_at = aware(opened_on, 9)
        age_days = (today - opened_on).days
        roll = rng.random()
        if age_days > 60 and roll < 0.30:
            status = "closed"
        elif roll < 0.36:
            status = "paused"
        elif roll < 0.48 or age_days < 7:
            status = "open"
        else:
            status = "active"
        interval = rng.choice((60, 90, 90, 120))
        events.append((trajectory_id, "", "open", opened_at, case_manager, ""))
        active_on = min(opened_on + datetime.timedelta(days=rng.randint(1, 7)), today)
        if status != "open":
            events.append((trajectory_id, "open", "active", aware(active_on, 10), case_manager, ""))
        outcome, closed_at = "", None
        if status == "paused":
            events.append(
                (
                    trajectory_id,
                    "active",
                    "paused",
                    aware(min(active_on + datetime.timedelta(days=20), today), 10),
                    case_manager,
                    "",
                )
            )
        if status == "closed":
            outcome = rng.choices(
                ("goal_reached", "partly_reached", "not_reached", "moved_away", "refused", "other"),
                cum_weights=(40, 65, 80, 87, 95, 100),
            )[0]
            closed_on = min(active_on + datetime.timedelta(days=rng.randint(30, 200)), today)
            closed_at = aware(closed_on, 15)
            events.append((trajectory_id, "active", "closed", closed_at, case_manager, outcome))
        # Last activity: mostly recent; some open trajectories have gone quiet (the caseload shows them).
        quiet = rng.random() < 0.12
        last_activity = closed_at or aware(
            max(opened_on, today - datetime.timedelta(days=rng.randint(43, 120) if quiet else rng.randint(0, 40))), 16
        )
        goals.append(
            (
                trajectory_id,
                domain_id,
                HELP_QUESTIONS.get(item[1], "Zelfstandiger worden")[:200],
                min(5, (score or 2) + 2),
                opened_at,
            )
        )
        for a in range(rng.choice((1, 1, 2, 3))):
            due = opened_on + datetime.timedelta(days=rng.randint(7, 120))
            done = status == "closed" or (due < today and rng.random() < 0.7)
            actions.append(
                (
                    trajectory_id,
                    ACTIONS[(n + a) % len(ACTIONS)],
                    case_manager,
                    due,
                    "done" if done else "open",
                    aware(min(due, today), 14) if done else None,
                    opened_at,
                    1,
                )
            )
        # A follow-up measurement when one has fallen due: rises, equals and declines.
        next_measurement = opened_on + datetime.timedelta(days=interval)
        baseline_rung = visit.interviews[person_id][2]
        last_rung = baseline_rung
        if next_measurement <= today and rng.random() < 0.75:
            measured_on = next_measurement + datetime.timedelta(days=rng.randint(0, 20))
            if measured_on <= today:
                step = rng.choices((1, 0, -1), cum_weights=(45, 85, 100))[0]
                rung = max(1, min(6, baseline_rung + step)) if baseline_rung else None
                new_score = max(1, min(5, (score or 2) + rng.choices((1, 0, -1), cum_weights=(60, 90, 100))[0]))
                measurement_rows.append(
                    (person_id, measured_on, case_manager, rung, "" if rung else "not_applicable", domain_id, new_score)
                )
                next_measurement = measured_on + datetime.timedelta(days=interval)
                last_rung = rung
        chunk.trajectory_status[person_id] = (status, last_rung)
        trajectories.append(
            (
                trajectory_id,
                person_id,
                programme_id,
                case_manager,
                status,
                outcome,
                "",
                interval,
                None if status == "closed" else next_measurement,
                last_activity,
                proposal_by_answer[answer_id][0] if from_proposal else None,
                case_manager,
                opened_at,
                closed_at,
                1,
            )
        )
        # Referrals: to partners, each resting on the person's consent for that organisation.
        count = rng.choices(*REFERRALS_PER_TRAJECTORY)[0]
        for _r in range(count):
            organisation_id, _kind = rng.choices(organisations, weights=organisation_weights)[0]
            key = (person_id, organisation_id)
            if key not in consents:
                minor = visit.interviews[person_id][1] < 16
                consents[key] = len(chunk.consents)
                chunk.consents.append(
                    (
                        person_id,
                        ConsentPurpose.SHARE_WITH_ORGANISATION.value,
                        organisation_id,
                        (ConsentGivenBy.PARENT if minor else ConsentGivenBy.PERSON).value,
                        "ouder" if minor else "",
                        opened_on,
                        None,
                    )
                )
            sent_on = opened_on + datetime.timedelta(days=rng.randint(0, max(0, min(age_days, 150))))
            sent_on = next_weekday(sent_on) if next_weekday(sent_on) <= today else sent_on
            priority = rng.random() < 0.6
            age = (today - sent_on).days
            path = [] if age < 2 else rng.choices(paths, weights=path_weights)[0]
            if age < 8 and len(path) > 1:
                path = path[:1]
            due_on = None
            if priority:
                days = staff.service_days[organisation_id]
                due_on = due_cache.get((sent_on, days))
                if due_on is None:
                    due_on = due_cache[(sent_on, days)] = add_working_days(sent_on, days)
            referral_index = len(referrals)
            sent_at = min(aware(sent_on, 9, 30), now)
            status_now, code, answered_at, closed, assigned = "sent", "", None, None, None
            partner = staff.partners[organisation_id]
            step_day = sent_on
            referral_events.append((referral_index, "", "sent", sent_at, case_manager, ""))
            for to_status, side, step_code in path:
                step_day = min(step_day + datetime.timedelta(days=rng.randint(1, 6)), today)
                at = min(aware(step_day, 11), now)
                actor = partner[rng.randrange(len(partner))] if side == "p" else case_manager
                referral_events.append((referral_index, status_now, to_status, at, actor, step_code))
                status_now = to_status
                if step_code:
                    code = step_code
                if to_status in ("accepted", "declined") and answered_at is None:
                    answered_at = at
                if to_status in ("declined", "completed", "returned", "withdrawn"):
                    closed = at
                if to_status == "accepted" and rng.random() < 0.6:
                    assigned = partner[rng.randrange(len(partner))]
            escalated = None
            if due_on is not None and status_now == "sent" and due_on < today:
                escalated = None if due_on == yesterday else aware(due_on + datetime.timedelta(days=1), 7)
            elif due_on is not None and answered_at is not None and timezone.localdate(answered_at) > due_on:
                escalated = aware(due_on + datetime.timedelta(days=1), 7)
            referrals.append(
                [
                    trajectory_id,
                    person_id,
                    programme_id,
                    organisation_id,
                    domain_id,
                    HELP_QUESTIONS.get(item[1], "Graag contact opnemen"),
                    priority,
                    consents[key],
                    None,
                    status_now,
                    code,
                    "",
                    case_manager,
                    sent_at,
                    due_on,
                    answered_at,
                    closed,
                    escalated,
                    assigned,
                    len(path) + 1,
                ]
            )
            grants.append((person_id, organisation_id, sent_at, closed if status_now == "withdrawn" else None))
    writer = ctx.writer
    # The consents of this area (to receive help, and to share with each partner) first: referrals point at them.
    first_consent = writer.reserve(Consent, len(chunk.consents))
    writer.write(
        Consent,
        CONSENT_COLUMNS,
        (
            (first_consent + i, person_id, purpose, org, given_by, parent, given_on, "", None, now, withdrawn, None, "")
            for i, (person_id, purpose, org, given_by, parent, given_on, withdrawn) in enumerate(chunk.consents)
        ),
    )
    writer.write(
        Proposal,
        [
            "id",
            "answer_id",
            "person_id",
            "domain_id",
            "question",
            "proposed_by_id",
            "created_at",
            "status",
            "programme_id",
        ],
        ((*row, ctx.programme.pk) for row in chunk.proposals),
    )
    writer.write(
        Trajectory,
        [
            "id",
            "person_id",
            "programme_id",
            "case_manager_id",
            "status",
            "outcome",
            "outcome_text",
            "follow_up_interval_days",
            "next_measurement_on",
            "last_activity_at",
            "source_proposal_id",
            "opened_by_id",
            "opened_at",
            "closed_at",
            "version",
        ],
        trajectories,
    )
    for model, columns, rows in (
        (TrajectoryEvent, ["trajectory_id", "from_status", "to_status", "at", "by_id", "outcome"], events),
        (Goal, ["trajectory_id", "domain_id", "target", "target_score", "created_at"], goals),
        (
            Action,
            ["trajectory_id", "description", "owner_id", "due_date", "status", "done_at", "created_at", "version"],
            actions,
        ),
    ):
        first = writer.reserve(model, len(rows))
        writer.write(model, ["id", *columns], ((first + i, *row) for i, row in enumerate(rows)))
    first_measurement = writer.reserve(Measurement, len(measurement_rows))
    writer.write(
        Measurement,
        ["id", "person_id", "programme_id", "measured_on", "by_id", "rung", "rung_non_answer", "created_at"],
        (
            (first_measurement + i, person_id, programme_id, measured_on, by, rung, non_answer, now)
            for i, (person_id, measured_on, by, rung, non_answer, _d, _s) in enumerate(measurement_rows)
        ),
    )
    first = writer.reserve(MeasurementScore, len(measurement_rows))
    writer.write(
        MeasurementScore,
        ["id", "measurement_id", "domain_id", "score", "non_answer"],
        ((first + i, first_measurement + i, row[5], row[6], "") for i, row in enumerate(measurement_rows)),
    )
    first_referral = writer.reserve(Referral, len(referrals))
    for row in referrals:
        row[7] = first_consent + row[7]
    writer.write(
        Referral,
        [
            "id",
            "trajectory_id",
            "person_id",
            "programme_id",
            "organisation_id",
            "domain_id",
            "question",
            "priority",
            "consent_id",
            "legal_ground_id",
            "status",
            "code",
            "code_text",
            "sent_by_id",
            "sent_at",
            "answer_due_on",
            "answered_at",
            "closed_at",
            "escalated_at",
            "assigned_to_id",
            "version",
        ],
        ((first_referral + i, *row) for i, row in enumerate(referrals)),
    )
    first = writer.reserve(ReferralEvent, len(referral_events))
    writer.write(
        ReferralEvent,
        ["id", "referral_id", "from_status", "to_status", "at", "by_id", "code", "code_text"],
        (
            (first + i, first_referral + index, frm, to, at, by, code, "")
            for i, (index, frm, to, at, by, code) in enumerate(referral_events)
        ),
    )
    first = writer.reserve(AccessGrant, len(grants))
    writer.write(
        AccessGrant,
        [
            "id",
            "person_id",
            "organisation_id",
            "programme_id",
            "reason_type",
            "reason_id",
            "granted_at",
            "valid_until",
            "revoked_at",
        ],
        (
            (
                first + i,
                person_id,
                organisation_id,
                programme_id,
                "referral",
                first_referral + i,
                granted,
                None,
                revoked,
            )
            for i, (person_id, organisation_id, granted, revoked) in enumerate(grants)
        ),
    )
