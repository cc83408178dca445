"""Who may do what in the registry: the one place the registry's role checks live.

Object access always goes through `visible_to(user)` (a row the user may not see is a 404, never a
403, so its existence does not leak); these predicates add the role a page or action needs.
"""

from __future__ import annotations

from stijging.accounts.models import CASE_ROLES, Role

# Every member of a programme may open its home page (figures only, no persons).
PROGRAMME_ROLES = frozenset(Role)
# Streets of an area (counts only): those who work in the streets, and the administrator.
AREA_ROLES = frozenset({Role.FIELDWORKER, Role.CASE_MANAGER, Role.COORDINATOR, Role.ADMIN})
# Households and persons by name: only the case roles.
PERSON_ROLES = CASE_ROLES


def programme_ids_for(user, roles) -> set[int]:
    if not user.is_authenticated:
        return set()
    return user.programme_ids_with(roles)


def may_open_programme(user, programme_id: int) -> bool:
    return programme_id in programme_ids_for(user, PROGRAMME_ROLES)


def may_list_streets(user, programme_id: int) -> bool:
    return programme_id in programme_ids_for(user, AREA_ROLES)


def may_see_households(user, programme_id: int) -> bool:
    return programme_id in programme_ids_for(user, PERSON_ROLES)


def may_edit_registry(user) -> bool:
    """Creating and editing households and persons: the case roles (the scope limits where)."""
    return user.is_authenticated and user.has_role(*PERSON_ROLES)


def may_record_consent(user) -> bool:
    return user.is_authenticated and user.has_role(*PERSON_ROLES)


def may_import_addresses(user, programme_id: int) -> bool:
    """The functional administrator loads BAG addresses into the areas of their programme."""
    return programme_id in programme_ids_for(user, {Role.ADMIN})
