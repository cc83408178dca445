"""Who may do what in outreach: the one place its role checks live."""

from __future__ import annotations

from stijging.accounts.models import CASE_ROLES, Role
from stijging.registry.access import programme_ids_for

# Streets with counts per status (no persons): those who work in the streets, and the administrator.
AREA_ROLES = frozenset({Role.FIELDWORKER, Role.CASE_MANAGER, Role.COORDINATOR, Role.ADMIN})
# Households by name, attempts, appointments, agendas, walking lists, safety notes: the workers.
WORKER_ROLES = CASE_ROLES


def may_list_streets(user, programme_id: int) -> bool:
    return programme_id in programme_ids_for(user, AREA_ROLES)


def may_work(user, programme_id: int | None = None) -> bool:
    if programme_id is None:
        return bool(user.is_authenticated and user.has_role(*WORKER_ROLES))
    return programme_id in programme_ids_for(user, WORKER_ROLES)
