"""Who may do what with trajectories: the one place their role checks live.

Objects come only through `visible_to(user)` (outside the scope is a 404, so existence does not
leak); these predicates add the role an action needs, per programme.
"""

from __future__ import annotations

from stijging.accounts.models import CASE_ROLES, Role

# Reading a trajectory and opening one (SPEC §1: project workers open trajectories too).
TRAJECTORY_ROLES = CASE_ROLES
# Goals, actions, journal, transitions, measurements, the caseload: the case manager.
MANAGE_ROLES = frozenset({Role.CASE_MANAGER})


def may_open_trajectories(user) -> bool:
    return bool(user.is_authenticated and user.has_role(*TRAJECTORY_ROLES))


def may_read_trajectories(user) -> bool:
    return bool(user.is_authenticated and user.has_role(*TRAJECTORY_ROLES))


def may_manage(user, programme_id: int) -> bool:
    return bool(user.is_authenticated and programme_id in user.programme_ids_with(MANAGE_ROLES))


def has_caseload(user) -> bool:
    return bool(user.is_authenticated and user.has_role(*MANAGE_ROLES))
