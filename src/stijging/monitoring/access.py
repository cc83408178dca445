"""Who sees which of the programme's aggregate screens: the one place monitoring's role checks live."""

from __future__ import annotations

from stijging.accounts.models import Role
from stijging.registry.access import programme_ids_for

# Cohesion index per street and turnover: the coordinator who works on it, and the programme manager.
NEIGHBOURHOOD_ROLES = frozenset({Role.COORDINATOR, Role.MANAGER})
# Housing signals for the real-estate strategy: the programme manager (the housing association's
# joint controller sees aggregates only, through this role).
HOUSING_ROLES = frozenset({Role.MANAGER})


def may_see_neighbourhood(user, programme_id: int) -> bool:
    return programme_id in programme_ids_for(user, NEIGHBOURHOOD_ROLES)


def may_see_housing(user, programme_id: int) -> bool:
    return programme_id in programme_ids_for(user, HOUSING_ROLES)


# The quarterly report (PDF, XLSX) to hand over to the council and the housing association's board.
REPORT_ROLES = frozenset({Role.MANAGER})


def may_see_report(user, programme_id: int) -> bool:
    return programme_id in programme_ids_for(user, REPORT_ROLES)


def coordinates(user, programme_id: int) -> bool:
    return programme_id in programme_ids_for(user, {Role.COORDINATOR})
