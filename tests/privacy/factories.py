"""Data-subject requests for tests: registered through the service, as a privacy officer would."""

from __future__ import annotations

import datetime

from stijging.privacy import services
from stijging.privacy.models import SubjectRequest
from tests.accounts.factories import UserFactory


def privacy_officer_of(site):
    """A privacy officer of the site's programme (the world's is a member of the own site only)."""
    from stijging.accounts.models import Membership

    membership = (
        Membership.objects.filter(programme=site.programme, role="privacy_officer").select_related("user").first()
    )
    if membership is not None:
        return membership.user
    user = UserFactory(email=f"privacy-{site.programme.slug}@example.test")
    Membership.objects.create(user=user, programme=site.programme, role="privacy_officer")
    return user


def subject_request_of(site, world=None, *, kind: str = "access", person=None) -> SubjectRequest:
    person = person or site.adult
    existing = SubjectRequest.objects.filter(programme=site.programme, person=person, kind=kind).first()
    if existing is not None:
        return existing
    return services.subject_request_register(
        acting_user=privacy_officer_of(site),
        programme_id=site.programme.pk,
        person_id=person.pk,
        kind=kind,
        received_on=datetime.date(2026, 11, 20),
        identity_check="id_document",
    )
