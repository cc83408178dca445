"""The neighbourhood track for tests: made through the services, as a coordinator would."""

from __future__ import annotations

import datetime
from decimal import Decimal

from stijging.cohesion import services
from stijging.cohesion.models import Activity, ActivityKind, Participant, VolunteerHours, Wave
from tests.accounts.factories import UserFactory


def _coordinator_of(site):
    """A coordinator of the site's programme (the world's coordinator is a member of the own site only)."""
    from stijging.accounts.models import Membership

    membership = Membership.objects.filter(programme=site.programme, role="coordinator").select_related("user").first()
    if membership is not None:
        return membership.user
    user = UserFactory(email=f"coordinator-{site.programme.slug}@example.test")
    Membership.objects.create(user=user, programme=site.programme, role="coordinator")
    return user


def activity_of(site, world=None) -> Activity:
    existing = Activity.objects.filter(programme=site.programme).order_by("pk").first()
    if existing is not None:
        return existing
    return services.activity_record(
        acting_user=_coordinator_of(site),
        programme=site.programme,
        kind=ActivityKind.objects.get(code="alley_cleanup"),
        title="Achterpaden opruimen",
        date=datetime.date(2026, 5, 16),
        streets=[site.street],
        organiser="Bewonerscommissie",
        participant_count=12,
    )


def participant_of(site, world=None) -> Participant:
    existing = Participant.objects.filter(programme=site.programme).order_by("pk").first()
    if existing is not None:
        return existing
    return services.participant_register(
        acting_user=_coordinator_of(site),
        programme=site.programme,
        name=f"Noor {site.programme.name.split()[0]}berg",
        phone="06-12345678",
        consent_given_on=datetime.date(2026, 3, 1),
        consent_given_by="self",
        street=site.street,
        volunteer=True,
    )


def hours_of(site, world=None) -> VolunteerHours:
    participant = participant_of(site, world)
    existing = VolunteerHours.objects.filter(participant=participant).order_by("pk").first()
    if existing is not None:
        return existing
    return services.hours_record(
        acting_user=_coordinator_of(site),
        participant=participant,
        date=datetime.date(2026, 3, 2),
        hours=Decimal("2.5"),
    )


def wave_of(site, world=None) -> Wave:
    existing = Wave.objects.filter(programme=site.programme).order_by("pk").first()
    if existing is not None:
        return existing
    return services.wave_create(
        acting_user=_coordinator_of(site),
        programme=site.programme,
        name="Tweede meting",
        starts_on=datetime.date(2026, 10, 1),
        ends_on=datetime.date(2026, 11, 20),
    )
