"""The demo's help: trajectories for about half of the persons visited, goals and actions, referrals
to every partner in every state (some overdue), and follow-up measurements with rises, equals and
declines. Made through the services (they check what a case manager may do and keep the state
machines honest), then dated back, since a demo programme has been running for months."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from stijging.accounts.models import Membership, Organisation, OrganisationKind, Role, User
from stijging.conversations.models import Interview, Proposal, ProposalStatus
from stijging.privacy.models import Consent, ConsentGivenBy, ConsentPurpose
from stijging.referrals import services as referral_services
from stijging.referrals.models import Referral, ReferralEvent
from stijging.referrals.states import ReferralCode, ReferralStatus, Side
from stijging.referrals.workingdays import add_working_days
from stijging.registry.models import Programme
from stijging.trajectories import services as trajectory_services
from stijging.trajectories.models import Trajectory

from .seed import DEMO_PASSWORD

# The demo's case managers (seed.DEMO_USERS) and how the trajectories are spread over them, in
# turn: Karim carries a full caseload, Sanne and Ruud smaller ones, Esra (new in the team) a few.
CASE_MANAGERS = [
    "casemanager@demo.stijging.nl",
    "casemanager2@demo.stijging.nl",
    "casemanager3@demo.stijging.nl",
    "casemanager4@demo.stijging.nl",
]
CASELOAD_PATTERN = [0, 1, 0, 2, 1, 0, 3, 1, 0, 2]  # 40%, 30%, 20%, 10%
# Of the trajectories, this share had contact in the last weeks (a call, a home visit); the rest
# last moved with their own steps (opening, a referral, a measurement), some of them long ago.
RECENT_CONTACT_SHARE = 0.6

PARTNER_KINDS = [
    OrganisationKind.GGZ,
    OrganisationKind.GGD,
    OrganisationKind.WELFARE,
    OrganisationKind.POLICE,
    OrganisationKind.MUNICIPALITY,
    OrganisationKind.HOUSING,
]
# The path each referral walks: (status, by whom, code).
PATHS: list[list[tuple[str, str, str]]] = [
    [],
    [(ReferralStatus.ACCEPTED, Side.PARTNER, "")],
    [(ReferralStatus.DECLINED, Side.PARTNER, ReferralCode.NO_CAPACITY)],
    [(ReferralStatus.ACCEPTED, Side.PARTNER, ""), (ReferralStatus.IN_PROGRESS, Side.PARTNER, "")],
    [
        (ReferralStatus.ACCEPTED, Side.PARTNER, ""),
        (ReferralStatus.IN_PROGRESS, Side.PARTNER, ""),
        (ReferralStatus.COMPLETED, Side.PARTNER, ReferralCode.HELP_GIVEN),
    ],
    [
        (ReferralStatus.ACCEPTED, Side.PARTNER, ""),
        (ReferralStatus.RETURNED, Side.PARTNER, ReferralCode.UNABLE_TO_CONTACT),
    ],
    [(ReferralStatus.WITHDRAWN, Side.CASE, ReferralCode.NO_LONGER_NEEDED)],
]


def _partner_users(organisations: list[Organisation], programme: Programme) -> dict[int, User]:
    """One partner worker per organisation (the GGD's is the demo user of the partner role)."""
    users = {}
    for organisation in organisations:
        user = User.objects.filter(organisation=organisation, memberships__role=Role.PARTNER).first()
        if user is None:
            slug = organisation.kind
            user = User.objects.create_user(
                username=f"partner.{slug}@demo.stijging.nl",
                email=f"partner.{slug}@demo.stijging.nl",
                password=DEMO_PASSWORD,
                first_name="Medewerker",
                last_name=organisation.name,
                organisation=organisation,
            )
            Membership.objects.get_or_create(user=user, programme=programme, role=Role.PARTNER)
        users[organisation.pk] = user
    return users


def seed_care(programme: Programme, *, rng: random.Random, today: datetime.date | None = None) -> dict:
    today = today or timezone.localdate()
    users = {u.email: u for u in User.objects.filter(email__in=CASE_MANAGERS)}
    managers = [users[email] for email in CASE_MANAGERS]
    by_id = {u.pk: u for u in managers}

    def next_case_manager() -> User:
        return managers[CASELOAD_PATTERN[len(trajectories) % len(CASELOAD_PATTERN)]]

    found = [Organisation.objects.filter(kind=kind).first() for kind in PARTNER_KINDS]
    organisations: list[Organisation] = [o for o in found if o is not None]
    partners = _partner_users(organisations, programme)
    proposals = list(
        Proposal.objects.filter(status=ProposalStatus.OPEN)
        .select_related("person", "domain", "answer__interview__conversation")
        .order_by("pk")
    )
    visited = Interview.objects.values("person_id").distinct().count()
    wanted = visited // 2 + 5  # about half of the persons visited
    seen: set[int] = set()
    trajectories: list[tuple[Trajectory, datetime.date, Proposal]] = []
    for proposal in proposals:
        if len(trajectories) >= wanted or proposal.person_id in seen:
            continue
        seen.add(proposal.person_id)
        case_manager = next_case_manager()
        trajectory = trajectory_services.trajectory_open(
            acting_user=case_manager,
            person=proposal.person,
            programme_id=programme.pk,
            case_manager=case_manager,
            follow_up_interval_days=90,
            proposal=proposal,
        )
        held_on = proposal.answer.interview.conversation.held_on
        opened = held_on + datetime.timedelta(days=rng.randint(3, 20))
        Trajectory.objects.filter(pk=trajectory.pk).update(
            opened_at=timezone.make_aware(datetime.datetime.combine(opened, datetime.time(10))),
            status="active",
            next_measurement_on=opened + datetime.timedelta(days=90),
        )
        trajectory_services.goal_add(
            acting_user=case_manager,
            trajectory=trajectory,
            domain=proposal.domain,
            target=proposal.question[:200],
            target_score=min(5, (proposal.answer.score or 2) + 2),
        )
        trajectory_services.action_add(
            acting_user=case_manager,
            trajectory=trajectory,
            description="Kennismaken en plan bespreken",
            owner=case_manager,
            due_date=today + datetime.timedelta(days=rng.randint(-10, 20)),
        )
        trajectories.append((trajectory, held_on, proposal))

    # The rest of "about half" are opened directly, for visited persons without a help question,
    # on the domain where they scored lowest.
    from stijging.conversations.models import DomainAnswer

    lowest = (
        DomainAnswer.objects.filter(score__isnull=False, score__lte=3)
        .exclude(interview__person_id__in=seen)
        .select_related("interview__person", "interview__conversation", "domain")
        .order_by("interview__person_id", "score")
    )
    for answer in lowest:
        if len(trajectories) >= wanted:
            break
        person = answer.interview.person
        if person.pk in seen:
            continue
        seen.add(person.pk)
        case_manager = next_case_manager()
        # Help rests on consent to receive it: recorded at the visit (a parent's under 16).
        if not Consent.objects.filter(person=person, purpose=ConsentPurpose.RECEIVE_HELP).exists():
            minor = person.age_on(answer.interview.conversation.held_on) < 16
            Consent.objects.create(
                person=person,
                purpose=ConsentPurpose.RECEIVE_HELP,
                given_by=ConsentGivenBy.PARENT if minor else ConsentGivenBy.PERSON,
                parent_name="ouder (demo)" if minor else "",
                given_on=answer.interview.conversation.held_on,
                recorded_by=case_manager,
            )
        trajectory = trajectory_services.trajectory_open(
            acting_user=case_manager,
            person=person,
            programme_id=programme.pk,
            case_manager=case_manager,
            follow_up_interval_days=120,
        )
        trajectory_services.goal_add(
            acting_user=case_manager,
            trajectory=trajectory,
            domain=answer.domain,
            target="Zelfstandiger worden op dit domein",
            target_score=min(5, (answer.score or 1) + 1),
        )
        direct = Proposal(
            person=person, domain=answer.domain, question="", answer=answer
        )  # unsaved: for the loops below
        trajectories.append((trajectory, answer.interview.conversation.held_on, direct))

    referrals = 0
    for index, (trajectory, _held_on, proposal) in enumerate(trajectories[: len(organisations) * len(PATHS) * 2]):
        organisation = organisations[index % len(organisations)]
        path = PATHS[(index // len(organisations)) % len(PATHS)]
        person = trajectory.person
        case_manager = by_id[trajectory.case_manager_id]
        minor = person.age < 16
        consent = Consent.objects.create(
            person=person,
            purpose=ConsentPurpose.SHARE_WITH_ORGANISATION,
            organisation=organisation,
            given_by=ConsentGivenBy.PARENT if minor else ConsentGivenBy.PERSON,
            parent_name="ouder (demo)" if minor else "",
            given_on=today - datetime.timedelta(days=40),
            recorded_by=case_manager,
        )
        referral = referral_services.referral_send(
            acting_user=case_manager,
            trajectory=trajectory,
            organisation=organisation,
            domain=proposal.domain,
            # A trajectory opened straight from a score has no help question of its own (a small demo
            # reaches those in this loop): the case manager writes one for the partner.
            question=proposal.question or f"Graag ondersteuning op het domein {proposal.domain.name}.",
            priority=index % 3 != 2,
            consent=consent,
        )
        # Back-date: sent some weeks ago; the first of each partner's "sent" ones are overdue now.
        sent_on = today - datetime.timedelta(days=rng.randint(12, 40) if path else rng.choice([1, 9, 15]))
        sent_at = timezone.make_aware(datetime.datetime.combine(sent_on, datetime.time(9, 30)))
        Referral.objects.filter(pk=referral.pk).update(
            sent_at=sent_at, answer_due_on=add_working_days(sent_on, 3) if referral.priority else None
        )
        ReferralEvent.objects.filter(referral=referral).update(at=sent_at)
        step_day = sent_on
        for to_status, side, code in path:
            referral.refresh_from_db()
            actor = partners[organisation.pk] if side == Side.PARTNER else case_manager
            referral_services.referral_transition(
                acting_user=actor,
                referral=referral,
                version=referral.version,
                to_status=to_status,
                side=side,
                code=code,
            )
            step_day = step_day + datetime.timedelta(days=rng.randint(1, 4))
            step_at = timezone.make_aware(datetime.datetime.combine(min(step_day, today), datetime.time(11)))
            ReferralEvent.objects.filter(referral=referral, to_status=to_status).update(at=step_at)
            if to_status in (ReferralStatus.ACCEPTED, ReferralStatus.DECLINED):
                Referral.objects.filter(pk=referral.pk).update(answered_at=step_at)
        referrals += 1

    measurements = 0
    for trajectory, held_on, proposal in trajectories:
        measured_on = held_on + datetime.timedelta(days=rng.randint(95, 200))
        if measured_on > today:
            continue
        case_manager = by_id[trajectory.case_manager_id]
        baseline = Interview.objects.filter(person=trajectory.person).order_by("conversation__held_on", "pk").first()
        roll = rng.random()
        rung, non_answer = None, "not_applicable"
        if baseline is not None and baseline.rung:
            step = 1 if roll < 0.45 else (0 if roll < 0.85 else -1)
            rung, non_answer = max(1, min(6, baseline.rung + step)), ""
        score = proposal.answer.score or 2
        new_score = max(1, min(5, score + (1 if roll < 0.6 else (0 if roll < 0.9 else -1))))
        trajectory_services.measurement_record(
            acting_user=case_manager,
            person=trajectory.person,
            programme_id=programme.pk,
            measured_on=measured_on,
            rung=rung,
            rung_non_answer=non_answer,
            scores=[trajectory_services.ScoreInput(proposal.domain, new_score)],
        )
        measurements += 1
    _date_last_activity([t for t, _held_on, _proposal in trajectories], today=today)
    return {"trajectories": len(trajectories), "referrals": referrals, "measurements": measurements}


def _date_last_activity(trajectories: list[Trajectory], *, today: datetime.date) -> None:
    """Seeding touched every trajectory today; date each one's last activity back to when it last
    moved: its opening, its referrals' last step, its last measurement, or (for most) a contact in
    the last weeks. Some stay quiet for longer than INACTIVITY_DAYS, as in any caseload."""
    from django.db.models import Max

    from stijging.trajectories.models import Measurement

    rng = random.Random("demo:last-activity")  # its own: the rest of the demo does not shift
    referral_steps = dict(
        ReferralEvent.objects.filter(referral__trajectory__in=trajectories)
        .values("referral__trajectory_id")
        .annotate(last=Max("at"))
        .values_list("referral__trajectory_id", "last")
    )
    measured = dict(
        Measurement.objects.filter(person__in=[t.person_id for t in trajectories])
        .values("person_id")
        .annotate(last=Max("measured_on"))
        .values_list("person_id", "last")
    )
    opened = dict(Trajectory.objects.filter(pk__in=[t.pk for t in trajectories]).values_list("pk", "opened_at"))
    for trajectory in trajectories:
        moments = [opened[trajectory.pk]]
        if trajectory.pk in referral_steps:
            moments.append(referral_steps[trajectory.pk])
        if trajectory.person_id in measured:
            moments.append(
                timezone.make_aware(datetime.datetime.combine(measured[trajectory.person_id], datetime.time(14)))
            )
        if rng.random() < RECENT_CONTACT_SHARE:
            contact = today - datetime.timedelta(days=rng.randint(0, 35))
            moments.append(timezone.make_aware(datetime.datetime.combine(contact, datetime.time(rng.randint(9, 16)))))
        last = min(max(moments), timezone.now())
        Trajectory.objects.filter(pk=trajectory.pk).update(last_activity_at=last)
