from __future__ import annotations

from . import services


def withdraw_referrals(sender, *, consent, acting_user, **kwargs) -> None:
    """A withdrawn consent withdraws the open referrals resting on it and ends the partner's access,
    inside the withdrawal's own transaction (SPEC §5)."""
    services.referrals_withdraw_for_consent(consent=consent, acting_user=acting_user)
