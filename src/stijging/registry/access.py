"""Who may do what in the registry: the one place the registry's role checks live.

Object access always goes through `visible_to(user)` (a row the user may not see is a 404, never a
403, so its existence does not leak); these predicates add the role a page or action needs.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

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
    """Creating and editing households and persons: the case roles. Where is decided by the scope
    (`visible_to` asks for the case role in the household's own programme), so a case role in one
    programme never opens another programme's registry."""
    return user.is_authenticated and user.has_role(*PERSON_ROLES)


def may_record_consent(user) -> bool:
    return user.is_authenticated and user.has_role(*PERSON_ROLES)


def may_import_addresses(user, programme_id: int) -> bool:
    """The functional administrator loads BAG addresses into the areas of their programme."""
    return programme_id in programme_ids_for(user, {Role.ADMIN})


def may_import_people(user, programme_id: int) -> bool:
    """The functional administrator loads the tenant list and the population-register extract into
    the areas of their programme (issue 16). The screen shows counts and row numbers, never a name."""
    return programme_id in programme_ids_for(user, {Role.ADMIN})


# Said when a write reaches a household or person that lives in another programme's area now (or
# a record of a programme the household has left): the record stays, read-only (decision 0003).
MOVED_AWAY_MESSAGE = _(
    "This household no longer lives in an area of this programme: its records here are read-only. "
    "Only open trajectories and referrals can still be closed."
)


def case_programme_for(user, household_id: int, *, roles=PERSON_ROLES) -> int:
    """The programme a new case record of this household belongs to: the one it lives in now, where
    the user must hold one of `roles`. Raises ValidationError otherwise (the services' guard: a view
    has already scoped the household, this holds for every other caller too)."""
    from .selectors import household_programme_id

    programme_id = household_programme_id(household_id)
    if programme_id is None or programme_id not in programme_ids_for(user, roles):
        raise ValidationError(MOVED_AWAY_MESSAGE)
    return programme_id


def require_still_lives_in(household_id: int, programme_id: int) -> None:
    """A write to a case record of `programme_id`: refused once the household lives elsewhere."""
    from .selectors import household_programme_id

    if household_programme_id(household_id) != programme_id:
        raise ValidationError(MOVED_AWAY_MESSAGE)


RESTRICTED_HOUSEHOLD_MESSAGE = _(
    "Processing is restricted for a member of this household (AVG art. 18): the household's records are "
    "read-only until the privacy officer lifts the restriction."
)


def require_household_not_restricted(household_id: int) -> None:
    """A write to a household's shared records (its name and note, moves, members, contact attempts,
    appointments, conversations): refused while a current member's processing is restricted (AVG
    art. 18), since they are that member's records too. Stopping processing stays possible
    (cancelling an appointment, recording an objection); a meldcode signal is never refused (art. 18
    lid 2: the protection of another person)."""
    from stijging.privacy.selectors import restricted_person_ids

    from .models import HouseholdMembership

    if HouseholdMembership.objects.filter(
        household_id=household_id, end_date__isnull=True, person_id__in=restricted_person_ids()
    ).exists():
        raise ValidationError(RESTRICTED_HOUSEHOLD_MESSAGE)


def require_person_still_in(person_id: int, programme_id: int) -> None:
    """The same guard for a person's records (trajectories, measurements, referrals)."""
    from .selectors import person_lives_in_programme

    if not person_lives_in_programme(person_id, programme_id):
        raise ValidationError(MOVED_AWAY_MESSAGE)
