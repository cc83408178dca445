"""Who may do what with conversations: the one place their role checks live.

Objects come only through `visible_to(user)` (deny by default; outside the scope is a 404, so that
existence does not leak). These predicates add the role a page needs.
"""

from __future__ import annotations

from stijging.accounts.models import CASE_ROLES, Role

# Holding a conversation, reading it and saving its sections: the case roles.
CONVERSATION_ROLES = CASE_ROLES
# The list of proposed help trajectories: case managers (all in their programmes) and project
# workers (the ones they proposed).
PROPOSAL_ROLES = frozenset({Role.CASE_MANAGER, Role.FIELDWORKER})


def may_hold_conversations(user) -> bool:
    return bool(user.is_authenticated and user.has_role(*CONVERSATION_ROLES))


def may_list_proposals(user) -> bool:
    return bool(user.is_authenticated and user.has_role(*PROPOSAL_ROLES))


def sees_all_proposals(user) -> bool:
    """A case manager sees every proposal of their programmes, not only their own."""
    return bool(user.is_authenticated and user.has_role(Role.CASE_MANAGER))
