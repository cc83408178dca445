"""Trajectories for tests: opened through the service, as a case manager would."""

from __future__ import annotations

import datetime

from stijging.accounts.models import Role
from stijging.conversations.models import DomainAnswer, Proposal
from stijging.instruments.models import Domain
from stijging.trajectories import services
from stijging.trajectories.models import Trajectory

from ..accounts.factories import MembershipFactory, UserFactory
from ..conversations.factories import conversation_of


def case_manager_of(site, world):
    """The world's case manager for the own site; a case manager of its own for the foreign one."""
    if site is world.own:
        return world.user("case_manager")
    email = f"case-manager-{site.programme.slug}@example.test"
    from stijging.accounts.models import User

    user = User.objects.filter(email=email).first()
    if user is None:
        user = UserFactory(email=email)
        MembershipFactory(user=user, programme=site.programme, role=Role.CASE_MANAGER)
    return user


def fieldworker_of(site, world):
    if site is world.own:
        return world.user("fieldworker")
    email = f"fieldworker-{site.programme.slug}@example.test"
    from stijging.accounts.models import User

    user = User.objects.filter(email=email).first()
    if user is None:
        user = UserFactory(email=email)
        MembershipFactory(user=user, programme=site.programme, role=Role.FIELDWORKER)
    return user


def domain(code: str = "gezondheid") -> Domain:
    return Domain.objects.filter(version__number=1, code=code).first() or Domain.objects.order_by("pk").first()


def proposal_of(site, world) -> Proposal:
    """The adult's help question from the site's conversation, proposed by the site's project worker."""
    existing = Proposal.objects.filter(person=site.adult).order_by("pk").first()
    if existing is not None:
        return existing
    conversation = conversation_of(site, world)
    interview = conversation.interviews.get(person=site.adult)
    d = domain()
    answer = DomainAnswer.objects.create(
        interview=interview, domain=d, score=2, help_question=True, help_question_text="Hulp bij schulden"
    )
    return Proposal.objects.create(
        answer=answer,
        programme=conversation.programme,
        person=site.adult,
        domain=d,
        question="Hulp bij schulden",
        proposed_by=fieldworker_of(site, world),
    )


def open_trajectory(site, world, person=None, *, record_consent: bool = True, **kwargs) -> Trajectory:
    """Opened as a case manager would: with the person's consent to receive help recorded first (a
    parent's under 16) unless `record_consent=False` or a legal ground is given."""
    manager = case_manager_of(site, world)
    person = person or site.adult
    if record_consent and "legal_ground" not in kwargs:
        from stijging.privacy.models import Consent

        if not Consent.objects.active().filter(person=person, purpose="receive_help").exists():
            minor = person.age < 16
            Consent.objects.create(
                person=person,
                purpose="receive_help",
                given_by="parent" if minor else "person",
                parent_name="Ouder" if minor else "",
                given_on=datetime.date(2026, 2, 1),
            )
    return services.trajectory_open(
        acting_user=manager,
        person=person,
        programme_id=site.programme.pk,
        case_manager=manager,
        follow_up_interval_days=kwargs.pop("follow_up_interval_days", 90),
        **kwargs,
    )


def trajectory_of(site, world) -> Trajectory:
    existing = Trajectory.objects.filter(person=site.adult).order_by("pk").first()
    return existing or open_trajectory(site, world)
