"""Sending referrals on consent or a listed ground, consent withdrawal, and what partners see."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from stijging.accounts.models import OrganisationKind
from stijging.privacy import services as privacy_services
from stijging.privacy.models import AccessGrant, AuditAction, AuditEvent, Consent, LegalGround
from stijging.referrals import services
from stijging.referrals.models import Referral
from stijging.referrals.states import Side

from ..accounts.factories import MembershipFactory, OrganisationFactory, UserFactory
from ..trajectories.factories import open_trajectory
from .factories import send_referral, share_consent

AUTH = 3  # session, user, memberships


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_referral_without_consent_or_ground_is_refused(world):
    with pytest.raises(ValidationError, match="consent"):
        send_referral(world.own, world, consent=None, legal_ground=None)
    assert not Referral.objects.exists()
    assert not AccessGrant.objects.exists()


def test_a_consent_for_another_organisation_is_refused(world):
    consent = share_consent(world.own.adult, world.other_partner_organisation)
    with pytest.raises(ValidationError, match="another organisation"):
        send_referral(world.own, world, consent=consent)


def test_a_withdrawn_consent_is_refused(world):
    consent = share_consent(world.own.adult, world.partner_organisation)
    privacy_services.consent_withdraw(
        acting_user=world.user("case_manager"), consent=consent, withdrawn_on=datetime.date(2026, 2, 1)
    )
    with pytest.raises(ValidationError, match="withdrawn"):
        send_referral(world.own, world, consent=consent)


def test_a_listed_ground_carries_a_referral_and_is_audited(world):
    ground = LegalGround.objects.filter(active=True).first()
    referral = send_referral(world.own, world, consent=None, legal_ground=ground)
    event = AuditEvent.objects.filter(object_type="referrals.referral", action=AuditAction.CREATE).get()
    assert event.detail["legal_ground"] == ground.code
    assert event.person_ids == [world.own.adult.pk]
    assert (
        AccessGrant.objects.active()
        .filter(reason_type="referral", reason_id=referral.pk, organisation=world.partner_organisation)
        .exists()
    )


def test_an_inactive_ground_is_refused(world):
    ground = LegalGround.objects.first()
    LegalGround.objects.filter(pk=ground.pk).update(active=False)
    with pytest.raises(ValidationError):
        send_referral(world.own, world, consent=None, legal_ground=ground)


def test_a_child_is_referred_on_a_parents_consent(world):
    trajectory = open_trajectory(world.own, world, person=world.own.child)
    consent = share_consent(world.own.child, world.partner_organisation, given_by="parent")
    referral = send_referral(world.own, world, trajectory=trajectory, consent=consent)
    assert referral.consent == consent


def test_a_childs_own_consent_is_refused(world):
    trajectory = open_trajectory(world.own, world, person=world.own.child)
    consent = share_consent(world.own.child, world.partner_organisation, given_by="person")
    with pytest.raises(ValidationError, match="under 16"):
        send_referral(world.own, world, trajectory=trajectory, consent=consent)


def test_withdrawing_the_consent_withdraws_the_referral_and_the_partner_sees_only_that(world):
    referral = send_referral(world.own, world)
    partner = client_for(world.user("partner"))
    assert partner.get(reverse("referrals:referral", args=[referral.pk])).status_code == 200
    assert partner.get(reverse("referrals:person", args=[referral.person_id])).status_code == 200
    services.referral_transition(
        acting_user=world.user("partner"), referral=referral, version=1, to_status="accepted", side=Side.PARTNER
    )

    case_manager = client_for(world.user("case_manager"))
    response = case_manager.post(
        reverse("registry:consent_withdraw", args=[referral.consent_id]), {"withdrawn_on": "2026-11-01", "note": ""}
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == "withdrawn"
    assert referral.code == "consent_withdrawn"
    # The partner's referral page says only that the consent was withdrawn: no personal data.
    page = partner.get(reverse("referrals:referral", args=[referral.pk]))
    assert page.status_code == 200
    assert "withdrew their consent" in page.content.decode()
    assert world.own.adult.family_name not in page.content.decode()
    assert partner.get(reverse("referrals:person", args=[referral.person_id])).status_code == 404
    assert referral.pk not in [r.pk for r in partner.get(reverse("referrals:inbox")).context["page"].object_list]
    # The case manager still sees the history.
    assert case_manager.get(reverse("referrals:referral", args=[referral.pk])).status_code == 200


def test_a_completed_referral_stays_readable_to_its_own_partner(world):
    referral = send_referral(world.own, world)
    partner = world.user("partner")
    for step, code in (("accepted", ""), ("in_progress", ""), ("completed", "help_given")):
        referral = services.referral_transition(
            acting_user=partner,
            referral=referral,
            version=referral.version,
            to_status=step,
            side=Side.PARTNER,
            code=code,
        )
    assert client_for(partner).get(reverse("referrals:referral", args=[referral.pk])).status_code == 200


@pytest.mark.parametrize("kind", OrganisationKind.values)
@pytest.mark.parametrize("closed", [False, True])
def test_a_partner_of_another_organisation_gets_404_for_referral_person_and_trajectory(world, kind, closed):
    referral = send_referral(world.own, world)
    if closed:
        partner = world.user("partner")
        services.referral_transition(
            acting_user=partner,
            referral=referral,
            version=1,
            to_status="declined",
            side=Side.PARTNER,
            code="no_capacity",
        )
    organisation = OrganisationFactory(name=f"Andere {kind}", kind=kind)
    stranger = UserFactory(email=f"stranger-{kind}@example.test", organisation=organisation)
    MembershipFactory(user=stranger, programme=world.own.programme, role="partner")
    client = client_for(stranger)
    for url in (
        reverse("referrals:referral", args=[referral.pk]),
        reverse("referrals:person", args=[referral.person_id]),
        reverse("registry:person", args=[referral.person_id]),
        reverse("trajectories:trajectory", args=[referral.trajectory_id]),
    ):
        assert client.get(url).status_code == 404, url
    assert list(client.get(reverse("referrals:inbox")).context["page"].object_list) == []


def test_the_addressed_partner_never_sees_the_trajectory(world):
    referral = send_referral(world.own, world)
    response = client_for(world.user("partner")).get(reverse("trajectories:trajectory", args=[referral.trajectory_id]))
    assert response.status_code == 404


def test_the_partner_page_shares_only_what_a_referral_shares(world):
    from stijging.registry.models import Person

    Person.objects.filter(pk=world.own.adult.pk).update(bsn="111222333", phone="0612345678")
    referral = send_referral(world.own, world)
    body = client_for(world.user("partner")).get(reverse("referrals:referral", args=[referral.pk])).content.decode()
    assert "0612345678" in body
    assert "111222333" not in body
    assert "Ownstraat" in body  # the current address
    assert world.user("case_manager").email in body


def _audited(client, method, url, data=None):
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    response = getattr(client, method)(url, data or {})
    events = list(AuditEvent.objects.filter(id__gt=before))
    return response, events


def test_every_partner_view_writes_an_audit_event(world):
    referral = send_referral(world.own, world)
    partner = world.user("partner")
    client = client_for(partner)
    colleague = UserFactory(email="ggd-colleague@example.test", organisation=world.partner_organisation)
    MembershipFactory(user=colleague, programme=world.own.programme, role="partner")
    pages = [
        ("get", reverse("referrals:inbox"), None, AuditAction.LIST),
        ("get", reverse("referrals:referral", args=[referral.pk]), None, AuditAction.VIEW),
        ("get", reverse("referrals:person", args=[referral.person_id]), None, AuditAction.VIEW),
        (
            "post",
            reverse("referrals:assign", args=[referral.pk]),
            {"version": 1, "assigned_to": colleague.pk},
            AuditAction.UPDATE,
        ),
        (
            "post",
            reverse("referrals:respond", args=[referral.pk]),
            {"version": 2, "to_status": "accepted"},
            AuditAction.UPDATE,
        ),
        (
            "post",
            reverse("referrals:respond", args=[referral.pk]),
            {"version": 1, "to_status": "bogus"},
            AuditAction.VIEW,
        ),
    ]
    for method, url, data, action in pages:
        response, events = _audited(client, method, url, data)
        assert response.status_code in (200, 302, 400), (url, response.status_code)
        assert any(e.action == action and e.actor_id == partner.pk for e in events), (url, [e.action for e in events])
    referral.refresh_from_db()
    assert referral.status == "accepted"
    assert referral.assigned_to == colleague


def test_a_partner_cannot_assign_to_another_organisations_user(world):
    referral = send_referral(world.own, world)
    with pytest.raises(ValidationError):
        services.referral_assign(
            acting_user=world.user("partner"), referral=referral, version=1, assignee=world.user("case_manager")
        )


def test_the_case_manager_sends_a_referral_through_the_form(world):
    trajectory = open_trajectory(world.own, world)
    consent = share_consent(world.own.adult, world.partner_organisation)
    from ..trajectories.factories import domain

    response = client_for(world.user("case_manager")).post(
        reverse("referrals:send", args=[trajectory.pk]),
        {
            "organisation": world.partner_organisation.pk,
            "domain": domain().pk,
            "question": "Graag contact",
            "priority": "on",
            "consent": consent.pk,
        },
    )
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.priority and referral.answer_due_on is not None


# --- Query counts -------------------------------------------------------------------------------


def test_inbox_queries(world, django_assert_max_num_queries):
    for _ in range(3):
        send_referral(world.own, world)
    client = client_for(world.user("partner"))
    # auth (3) + count + page (person, domain, assignee joined) + audit insert
    with django_assert_max_num_queries(AUTH + 3):
        assert client.get(reverse("referrals:inbox")).status_code == 200


def test_referral_page_queries(world, django_assert_max_num_queries):
    referral = send_referral(world.own, world)
    client = client_for(world.user("partner"))
    # auth (3) + referral (joined) + events + address + colleagues + audit insert
    with django_assert_max_num_queries(AUTH + 5):
        assert client.get(reverse("referrals:referral", args=[referral.pk])).status_code == 200


def test_send_page_queries(world, django_assert_max_num_queries):
    trajectory = open_trajectory(world.own, world)
    client = client_for(world.user("case_manager"))
    # auth (3) + trajectory + domains + audit + the four choice lists of the form + whether a
    # consent to share exists + the organisations of the in-place consent form
    with django_assert_max_num_queries(AUTH + 9):
        assert client.get(reverse("referrals:send", args=[trajectory.pk])).status_code == 200


def test_partner_person_page_queries(world, django_assert_max_num_queries):
    referral = send_referral(world.own, world)
    client = client_for(world.user("partner"))
    # auth (3) + person + referrals + address + audit insert
    with django_assert_max_num_queries(AUTH + 4):
        assert client.get(reverse("referrals:person", args=[referral.person_id])).status_code == 200


def test_the_inbox_counts_its_referrals_up_to_the_cap_only(world, monkeypatch):
    from stijging.referrals import selectors

    monkeypatch.setattr(selectors, "INBOX_CAP", 2)
    monkeypatch.setattr(selectors, "INBOX_PER_PAGE", 1)
    for _ in range(4):
        send_referral(world.own, world)
    response = client_for(world.user("partner")).get(reverse("referrals:inbox"), {"page": 2})
    page = response.context["page"]
    assert (page.paginator.count, page.paginator.more_than_cap, len(page.object_list)) == (3, True, 1)
    assert "Page 2 of more than 3" in response.content.decode()  # three pages counted, more exist


def test_a_missing_consent_is_recorded_from_the_referral_form_which_comes_back(world):
    trajectory = open_trajectory(world.own, world)
    client = client_for(world.user("case_manager"))
    send_url = reverse("referrals:send", args=[trajectory.pk])
    html = client.get(send_url).content.decode()
    # No consent yet: the form says so and offers to record it right there, open.
    assert 'id="record-consent"' in html and f'name="next" value="{send_url}"' in html
    response = client.post(
        reverse("registry:consent_create", args=[world.own.adult.pk]),
        {
            "purpose": "share",
            "organisation": world.partner_organisation.pk,
            "given_by": "person",
            "given_on": timezone.localdate().isoformat(),
            "next": send_url,
        },
    )
    assert (response.status_code, response["Location"]) == (302, send_url)
    consent = Consent.objects.get(person=world.own.adult, purpose="share")
    assert f'value="{consent.pk}"' in client.get(send_url).content.decode()  # offered in the referral form now


def test_the_consent_form_never_sends_the_user_off_site(world):
    client = client_for(world.user("case_manager"))
    response = client.post(
        reverse("registry:consent_create", args=[world.own.adult.pk]),
        {
            "purpose": "share",
            "organisation": world.partner_organisation.pk,
            "given_by": "person",
            "given_on": timezone.localdate().isoformat(),
            "next": "https://evil.example/steal",
        },
    )
    assert response["Location"] == reverse("registry:person", args=[world.own.adult.pk])
