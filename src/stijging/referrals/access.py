"""Who may do what with referrals: the one place their role checks live.

Objects come only through `Referral.objects.visible_to(user)` (outside it: a 404). A partner acts
for their own organisation only; the case manager of the programme sends and withdraws.
"""

from __future__ import annotations

from stijging.accounts.models import CASE_ROLES, Role


def is_partner(user) -> bool:
    return bool(user.is_authenticated and user.organisation_id and user.has_role(Role.PARTNER))


def acts_as_partner(user, referral) -> bool:
    """The referral is addressed to the user's own organisation and they are a partner in the
    referral's own programme (a partner role elsewhere does not count)."""
    return bool(
        is_partner(user)
        and referral.organisation_id == user.organisation_id
        and referral.programme_id in user.programme_ids_with({Role.PARTNER})
    )


def may_read_as_case_role(user, referral) -> bool:
    return bool(user.is_authenticated and referral.programme_id in user.programme_ids_with(CASE_ROLES))


def may_send(user, programme_id: int) -> bool:
    return bool(user.is_authenticated and programme_id in user.programme_ids_with({Role.CASE_MANAGER}))
