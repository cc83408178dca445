"""Conversations for tests: held through the service, as a project worker would."""

from __future__ import annotations

import datetime

from django.utils import timezone

from stijging.conversations import services
from stijging.conversations.models import Conversation
from stijging.registry.models import HouseholdMembership


def held_conversation(site, user, *, held_on: datetime.date | None = None) -> Conversation:
    """A conversation with every current member of the site's household (adult and child)."""
    members = [
        m.person
        for m in HouseholdMembership.objects.filter(household=site.household, end_date__isnull=True)
        .select_related("person")
        .order_by("person__date_of_birth")
    ]
    return services.conversation_start(
        acting_user=user,
        household=site.household,
        held_on=held_on or timezone.localdate(),
        workers=[user],
        members_present=members,
        informed=True,
    )


def conversation_of(site, world) -> Conversation:
    """The site's conversation, held by the site's own project worker the first time it is asked for."""
    existing = Conversation.objects.filter(household=site.household).order_by("pk").first()
    if existing is not None:
        return existing
    from ..trajectories.factories import fieldworker_of

    return held_conversation(site, fieldworker_of(site, world))
