"""Who may do what in the neighbourhood track: the one place its role checks live.

The neighbourhood coordinator keeps activities, participants, volunteers and waves. Participants'
names and contacts are personal data, so nobody else reads them here; the programme manager sees
the track only as aggregates (monitoring)."""

from __future__ import annotations

from stijging.accounts.models import Role
from stijging.registry.access import programme_ids_for

COORDINATOR_ROLES = frozenset({Role.COORDINATOR})


def coordinated_programme_ids(user) -> set[int]:
    return programme_ids_for(user, COORDINATOR_ROLES)


def may_coordinate(user, programme_id: int) -> bool:
    return programme_id in coordinated_programme_ids(user)
