"""Every allowed and every forbidden transition of the referral state machine (referrals/states.py),
for the side the table names and for the other side."""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import ValidationError

from stijging.privacy.models import AccessGrant
from stijging.referrals import services, states
from stijging.referrals.models import Referral, ReferralEvent
from stijging.referrals.states import ReferralStatus, Side

from .factories import send_referral

ALL = list(itertools.product(ReferralStatus.values, ReferralStatus.values))
ALLOWED = sorted(states.TRANSITIONS)
FORBIDDEN = [pair for pair in ALL if pair not in states.TRANSITIONS]


def _user_for(world, side):
    return world.user("partner") if side == Side.PARTNER else world.user("case_manager")


def _at(world, status) -> Referral:
    referral = send_referral(world.own, world)
    Referral.objects.filter(pk=referral.pk).update(status=status)
    referral.refresh_from_db()
    return referral


@pytest.mark.parametrize("from_status,to_status", ALLOWED)
def test_allowed_transition_by_its_side(world, from_status, to_status):
    rule = states.TRANSITIONS[(from_status, to_status)]
    referral = _at(world, from_status)
    code = rule.codes[0] if rule.codes else ""
    services.referral_transition(
        acting_user=_user_for(world, rule.side),
        referral=referral,
        version=referral.version,
        to_status=to_status,
        side=rule.side,
        code=code,
    )
    referral.refresh_from_db()
    assert referral.status == to_status
    assert referral.code == code
    event = ReferralEvent.objects.filter(referral=referral).order_by("-id").first()
    assert (event.from_status, event.to_status, event.code) == (from_status, to_status, code)
    assert (to_status in states.FINAL_STATUSES) == (referral.closed_at is not None)
    grant_active = AccessGrant.objects.active().filter(reason_type="referral", reason_id=referral.pk).exists()
    assert grant_active == (to_status != ReferralStatus.WITHDRAWN)


@pytest.mark.parametrize("from_status,to_status", ALLOWED)
def test_allowed_transition_is_refused_to_the_other_side(world, from_status, to_status):
    rule = states.TRANSITIONS[(from_status, to_status)]
    other = Side.CASE if rule.side == Side.PARTNER else Side.PARTNER
    referral = _at(world, from_status)
    with pytest.raises(ValidationError):
        services.referral_transition(
            acting_user=_user_for(world, other),
            referral=referral,
            version=referral.version,
            to_status=to_status,
            side=other,
            code=rule.codes[0] if rule.codes else "",
        )


@pytest.mark.parametrize("side", [Side.PARTNER, Side.CASE])
@pytest.mark.parametrize("from_status,to_status", FORBIDDEN)
def test_forbidden_transition_is_refused(world, from_status, to_status, side):
    referral = _at(world, from_status)
    with pytest.raises(ValidationError):
        services.referral_transition(
            acting_user=_user_for(world, side),
            referral=referral,
            version=referral.version,
            to_status=to_status,
            side=side,
            code="other",
            code_text="x",
        )
    referral.refresh_from_db()
    assert referral.status == from_status


def test_a_reason_is_a_code_and_text_only_with_other(world):
    referral = send_referral(world.own, world)
    partner = world.user("partner")
    with pytest.raises(ValidationError):  # declining needs a reason
        services.referral_transition(
            acting_user=partner, referral=referral, version=1, to_status="declined", side=Side.PARTNER
        )
    with pytest.raises(ValidationError):  # "other" needs the short text
        services.referral_transition(
            acting_user=partner, referral=referral, version=1, to_status="declined", side=Side.PARTNER, code="other"
        )
    services.referral_transition(
        acting_user=partner,
        referral=referral,
        version=1,
        to_status="declined",
        side=Side.PARTNER,
        code="no_capacity",
        code_text="this text is dropped",
    )
    referral.refresh_from_db()
    assert (referral.code, referral.code_text) == ("no_capacity", "")
    assert referral.answered_at is not None


def test_a_partner_of_another_organisation_cannot_answer(world):
    from tests.accounts.factories import MembershipFactory, UserFactory

    referral = send_referral(world.own, world)
    stranger = UserFactory(email="ggz-partner@example.test", organisation=world.other_partner_organisation)
    MembershipFactory(user=stranger, programme=world.own.programme, role="partner")
    with pytest.raises(ValidationError):
        services.referral_transition(
            acting_user=stranger, referral=referral, version=1, to_status="accepted", side=Side.PARTNER
        )
