"""The partner's outcome in one step from any open state, a code on a step that takes none, and the
case manager's withdrawal: confirmed first, undone the same day only while nothing happened since."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from stijging.privacy import services as privacy_services
from stijging.privacy.models import AccessGrant, AuditAction, AuditEvent
from stijging.referrals import services
from stijging.referrals.models import Referral, ReferralEvent
from stijging.referrals.states import Side

from ..accounts.factories import MembershipFactory, UserFactory
from .factories import send_referral

AUTH = 3  # session, user, memberships


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _step(world, referral, to_status, side=Side.PARTNER, code=""):
    referral.refresh_from_db()
    user = world.user("partner") if side == Side.PARTNER else world.user("case_manager")
    return services.referral_transition(
        acting_user=user, referral=referral, version=referral.version, to_status=to_status, side=side, code=code
    )


def _at(world, status) -> Referral:
    referral = send_referral(world.own, world)
    path = {"sent": [], "accepted": ["accepted"], "in_progress": ["accepted", "in_progress"]}[status]
    for to_status in path:
        _step(world, referral, to_status)
    referral.refresh_from_db()
    return referral


# --- The outcome in one step ------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["sent", "accepted", "in_progress"])
def test_the_partner_reports_the_outcome_in_one_post_from_any_open_state(world, status):
    referral = _at(world, status)
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    response = client_for(world.user("partner")).post(
        reverse("referrals:outcome", args=[referral.pk]),
        {"outcome-version": referral.version, "outcome-code": "help_given"},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.code) == ("completed", "help_given")
    assert referral.closed_at is not None
    # Every step of the state machine is on record, the outcome's code on the last one.
    steps = [(e.from_status, e.to_status, e.code) for e in ReferralEvent.objects.filter(referral=referral)]
    assert steps[-1] == ("in_progress", "completed", "help_given")
    assert [s[1] for s in steps] == ["sent", "accepted", "in_progress", "completed"]
    walked = {"sent": 3, "accepted": 2, "in_progress": 1}[status]
    audited = AuditEvent.objects.filter(id__gt=before, action=AuditAction.UPDATE, object_type="referrals.referral")
    assert audited.count() == walked
    assert all(e.actor_id == world.user("partner").pk for e in audited)
    # Answered at the first step when it was still unanswered.
    assert referral.answered_at is not None


def test_other_needs_its_short_text_and_nothing_moves_when_it_is_missing(world):
    referral = _at(world, "sent")
    response = client_for(world.user("partner")).post(
        reverse("referrals:outcome", args=[referral.pk]), {"outcome-version": 1, "outcome-code": "other"}
    )
    assert response.status_code == 400
    referral.refresh_from_db()
    assert referral.status == "sent"
    assert ReferralEvent.objects.filter(referral=referral).count() == 1


def test_an_outcome_on_a_stale_page_is_a_conflict_not_an_overwrite(world):
    referral = _at(world, "sent")
    _step(world, referral, "accepted")  # a colleague accepted it meanwhile
    response = client_for(world.user("partner")).post(
        reverse("referrals:outcome", args=[referral.pk]), {"outcome-version": 1, "outcome-code": "help_given"}
    )
    assert response.status_code == 400
    assert "Someone else changed this after you opened it" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == "accepted"


def test_a_closed_referral_takes_no_outcome(world):
    referral = _at(world, "sent")
    _step(world, referral, "declined", code="no_capacity")
    referral.refresh_from_db()
    with pytest.raises(ValidationError, match="closed"):
        services.referral_report_outcome(
            acting_user=world.user("partner"), referral=referral, version=referral.version, code="help_given"
        )


def test_the_case_side_and_another_organisation_cannot_report_an_outcome(world):
    referral = _at(world, "accepted")
    stranger = UserFactory(email="ggz-partner@example.test", organisation=world.other_partner_organisation)
    MembershipFactory(user=stranger, programme=world.own.programme, role="partner")
    data = {"outcome-version": referral.version, "outcome-code": "help_given"}
    url = reverse("referrals:outcome", args=[referral.pk])
    for user in (world.user("case_manager"), stranger, world.user("coordinator")):
        assert client_for(user).post(url, data).status_code == 404, user.email
    with pytest.raises(ValidationError):
        services.referral_report_outcome(
            acting_user=world.user("case_manager"), referral=referral, version=referral.version, code="help_given"
        )
    referral.refresh_from_db()
    assert referral.status == "accepted"


def test_a_partner_of_another_programme_gets_404_for_a_foreign_referral(world):
    foreign = send_referral(world.foreign, world)
    response = client_for(world.user("partner")).post(
        reverse("referrals:outcome", args=[foreign.pk]), {"outcome-version": 1, "outcome-code": "help_given"}
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == "sent"


def test_a_code_on_a_step_that_takes_none_is_refused_not_dropped(world):
    referral = _at(world, "accepted")
    response = client_for(world.user("partner")).post(
        reverse("referrals:respond", args=[referral.pk]),
        {"version": referral.version, "to_status": "in_progress", "code": "help_given"},
    )
    assert response.status_code == 400
    assert "Report the outcome" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == "accepted"


def test_the_partner_page_offers_the_outcome_form_while_open_only(world):
    referral = _at(world, "sent")
    client = client_for(world.user("partner"))
    page = client.get(reverse("referrals:referral", args=[referral.pk])).content.decode()
    assert reverse("referrals:outcome", args=[referral.pk]) in page
    _step(world, referral, "declined", code="no_capacity")
    page = client.get(reverse("referrals:referral", args=[referral.pk])).content.decode()
    assert reverse("referrals:outcome", args=[referral.pk]) not in page


# --- Withdrawal: confirm, undo the same day ----------------------------------------------------------


def _withdraw(world, referral):
    referral.refresh_from_db()
    return client_for(world.user("case_manager")).post(
        reverse("referrals:withdraw", args=[referral.pk]), {"version": referral.version, "code": "no_longer_needed"}
    )


def _grant_active(referral) -> bool:
    return AccessGrant.objects.active().filter(reason_type="referral", reason_id=referral.pk).exists()


def test_withdrawing_asks_for_a_confirmation_and_can_be_undone_the_same_day(world):
    referral = _at(world, "accepted")
    client = client_for(world.user("case_manager"))
    page = client.get(reverse("referrals:referral", args=[referral.pk])).content.decode()
    assert "Yes, withdraw the referral to GGD Limburg-Noord" in page
    assert _withdraw(world, referral).status_code == 302
    referral.refresh_from_db()
    assert referral.status == "withdrawn" and not _grant_active(referral)
    page = client.get(reverse("referrals:referral", args=[referral.pk])).content.decode()
    assert "Undo the withdrawal" in page
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    response = client.post(reverse("referrals:withdrawal_undo", args=[referral.pk]), {"version": referral.version})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.code, referral.closed_at) == ("accepted", "", None)
    assert _grant_active(referral)  # the partner sees it again
    last = ReferralEvent.objects.filter(referral=referral).last()
    assert (last.from_status, last.to_status, last.by_id) == ("withdrawn", "accepted", world.user("case_manager").pk)
    event = AuditEvent.objects.filter(id__gt=before, action=AuditAction.UPDATE).get()
    assert event.detail["undid_withdrawal"] is True and event.person_ids == [referral.person_id]
    assert client_for(world.user("partner")).get(reverse("referrals:referral", args=[referral.pk])).status_code == 200


def test_a_withdrawal_of_an_earlier_day_is_not_undone(world):
    referral = _at(world, "sent")
    _withdraw(world, referral)
    # Withdrawn yesterday (the whole history a day earlier, so that the steps keep their order).
    ReferralEvent.objects.filter(referral=referral).update(at=F("at") - datetime.timedelta(days=1))
    referral.refresh_from_db()
    client = client_for(world.user("case_manager"))
    assert "Undo the withdrawal" not in client.get(reverse("referrals:referral", args=[referral.pk])).content.decode()
    client.post(reverse("referrals:withdrawal_undo", args=[referral.pk]), {"version": referral.version})
    referral.refresh_from_db()
    assert referral.status == "withdrawn"
    with pytest.raises(ValidationError, match="on the day"):
        services.referral_withdrawal_undo(
            acting_user=world.user("case_manager"), referral=referral, version=referral.version
        )


def test_a_withdrawal_is_not_undone_when_the_consent_was_withdrawn_since(world):
    referral = _at(world, "sent")
    _withdraw(world, referral)
    referral.refresh_from_db()
    privacy_services.consent_withdraw(
        acting_user=world.user("case_manager"), consent=referral.consent, withdrawn_on=timezone.localdate()
    )
    with pytest.raises(ValidationError, match="withdrawn"):
        services.referral_withdrawal_undo(
            acting_user=world.user("case_manager"), referral=referral, version=referral.version
        )
    referral.refresh_from_db()
    assert referral.status == "withdrawn" and not _grant_active(referral)


def test_a_withdrawal_because_of_the_consent_is_never_undone(world):
    referral = _at(world, "sent")
    privacy_services.consent_withdraw(
        acting_user=world.user("case_manager"), consent=referral.consent, withdrawn_on=timezone.localdate()
    )
    referral.refresh_from_db()
    assert referral.status == "withdrawn"
    with pytest.raises(ValidationError):
        services.referral_withdrawal_undo(
            acting_user=world.user("case_manager"), referral=referral, version=referral.version
        )


def test_a_stale_undo_is_a_conflict(world):
    referral = _at(world, "sent")
    _withdraw(world, referral)
    referral.refresh_from_db()
    with pytest.raises(services.ConflictError):
        services.referral_withdrawal_undo(
            acting_user=world.user("case_manager"), referral=referral, version=referral.version - 1
        )


def test_only_the_case_manager_of_the_programme_undoes_a_withdrawal(world):
    referral = _at(world, "sent")
    _withdraw(world, referral)
    referral.refresh_from_db()
    url = reverse("referrals:withdrawal_undo", args=[referral.pk])
    for role in ("partner", "fieldworker", "coordinator", "manager", "privacy_officer", "no_membership"):
        assert client_for(world.user(role)).post(url, {"version": referral.version}).status_code == 404, role
    foreign = send_referral(world.foreign, world)
    url = reverse("referrals:withdrawal_undo", args=[foreign.pk])
    assert client_for(world.user("case_manager")).post(url, {"version": 1}).status_code == 404
    referral.refresh_from_db()
    assert referral.status == "withdrawn"


# --- Query counts -------------------------------------------------------------------------------


def test_outcome_post_queries(world, django_assert_max_num_queries):
    referral = _at(world, "sent")
    client = client_for(world.user("partner"))
    # auth (3) + referral + per step (update, refresh, event, grants, trajectory touch, audit ~8) × 3
    with django_assert_max_num_queries(AUTH + 1 + 3 * 9):
        response = client.post(
            reverse("referrals:outcome", args=[referral.pk]), {"outcome-version": 1, "outcome-code": "help_given"}
        )
    assert response.status_code == 302


def test_withdrawal_undo_queries(world, django_assert_max_num_queries):
    referral = _at(world, "sent")
    _withdraw(world, referral)
    referral.refresh_from_db()
    client = client_for(world.user("case_manager"))
    with django_assert_max_num_queries(AUTH + 20):
        response = client.post(reverse("referrals:withdrawal_undo", args=[referral.pk]), {"version": referral.version})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == "sent"


def test_withdrawn_referral_page_queries(world, django_assert_max_num_queries):
    referral = _at(world, "sent")
    _withdraw(world, referral)
    client = client_for(world.user("case_manager"))
    # auth (3) + referral (joined) + events + address check + address + audit
    with django_assert_max_num_queries(AUTH + 6):
        assert client.get(reverse("referrals:referral", args=[referral.pk])).status_code == 200
