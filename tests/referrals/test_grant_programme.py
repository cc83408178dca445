"""Access grants are led by the programme (issue 15). An organisation that works for two programmes
(a GGZ for the own programme A and the foreign programme B) has users who are a partner in B only:
such a user — and an API client of that organisation for B only — must see nothing of a person
referred to the organisation in A, on no page and through no endpoint; not after the person moved to
B, not through a stale grant, not with a valid POST. Written as an attacker would try it, first."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from stijging.accounts.models import OutgoingEmail, Role
from stijging.privacy.models import AccessGrant
from stijging.referrals import selectors, services
from stijging.referrals.models import Referral
from stijging.referrals.periodic import escalate_overdue
from stijging.referrals.states import Side
from stijging.registry import services as registry_services

from ..accounts.factories import MembershipFactory, UserFactory
from ..api.factories import api_client_of, http
from ..trajectories.factories import open_trajectory
from .factories import send_referral


@pytest.fixture
def ggz(world):
    """The GGZ, in programmes A (own) and B (foreign): a partner of A, a partner of B only."""
    organisation = world.other_partner_organisation
    partner_a = UserFactory(email="ggz-a@example.test", organisation=organisation)
    MembershipFactory(user=partner_a, programme=world.own.programme, role=Role.PARTNER)
    partner_b = UserFactory(email="ggz-b@example.test", organisation=organisation)
    MembershipFactory(user=partner_b, programme=world.foreign.programme, role=Role.PARTNER)
    return organisation, partner_a, partner_b


def _web(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _refer_in_a(world, organisation) -> Referral:
    return send_referral(world.own, world, organisation=organisation)


def _assert_b_sees_nothing(world, partner_b, referral: Referral) -> None:
    name = world.own.adult.family_name
    web = _web(partner_b)
    for url in (
        reverse("referrals:referral", args=[referral.pk]),
        reverse("referrals:person", args=[referral.person_id]),
        reverse("registry:person", args=[referral.person_id]),
    ):
        assert web.get(url).status_code == 404, url
    inbox = web.get(reverse("referrals:inbox"))
    assert inbox.status_code == 200
    assert referral.pk not in [r.pk for r in inbox.context["page"].object_list]
    assert name not in inbox.content.decode()
    search = web.get(reverse("registry:search"), {"q": name})
    assert search.status_code in (403, 404) or name not in search.content.decode()
    # The selectors themselves, as every page and endpoint reads them.
    assert not selectors.partner_inbox(partner_b).filter(pk=referral.pk).exists()
    with pytest.raises(Referral.DoesNotExist):
        selectors.referral_page(partner_b, referral.pk)
    with pytest.raises(type(world.own.adult).DoesNotExist):
        selectors.partner_person(partner_b, referral.person_id)


def test_a_partner_of_b_only_sees_nothing_of_a_referral_in_a_web_and_selectors(world, ggz):
    organisation, partner_a, partner_b = ggz
    referral = _refer_in_a(world, organisation)
    # The control: the organisation's partner in A does see it.
    assert _web(partner_a).get(reverse("referrals:referral", args=[referral.pk])).status_code == 200
    assert _web(partner_a).get(reverse("referrals:person", args=[referral.person_id])).status_code == 200
    _assert_b_sees_nothing(world, partner_b, referral)


def test_an_api_client_of_the_organisation_for_b_only_sees_nothing_of_a(world, ggz):
    organisation, _partner_a, _partner_b = ggz
    referral = _refer_in_a(world, organisation)
    MembershipFactory(user=world.user("admin"), programme=world.foreign.programme, role=Role.ADMIN)
    _client, token = api_client_of(
        world, scopes=("referrals", "case"), organisation=organisation, programmes=[world.foreign.programme]
    )
    api = http(token)
    assert api.get(reverse("api:inbox")).json()["results"] == []
    assert api.get(reverse("api:referral", args=[referral.pk])).status_code == 404
    assert api.get(reverse("api:person", args=[referral.person_id])).status_code == 404
    step = api.post(
        reverse("api:referral_transition", args=[referral.pk]),
        {"to_status": "accepted"},
        format="json",
        HTTP_IF_MATCH=f'"referral-{referral.pk}-v{referral.version}"',
    )
    assert step.status_code == 404
    referral.refresh_from_db()
    assert (referral.status, referral.version) == ("sent", 1)
    # The control: the same organisation's client for A reads it.
    _client_a, token_a = api_client_of(world, organisation=organisation, name="GGZ-A")
    assert [row["id"] for row in http(token_a).get(reverse("api:inbox")).json()["results"]] == [referral.pk]


def test_a_valid_post_of_a_partner_of_b_only_against_a_referral_in_a_changes_nothing(world, ggz):
    organisation, partner_a, partner_b = ggz
    referral = _refer_in_a(world, organisation)
    web = _web(partner_b)
    response = web.post(
        reverse("referrals:respond", args=[referral.pk]), {"to_status": "accepted", "version": referral.version}
    )
    assert response.status_code == 404
    response = web.post(reverse("referrals:assign", args=[referral.pk]), {"assigned_to": partner_b.pk, "version": 1})
    assert response.status_code == 404
    referral.refresh_from_db()
    assert (referral.status, referral.assigned_to_id, referral.version) == ("sent", None, 1)
    with pytest.raises(Exception, match="addressed organisation"):
        services.referral_transition(
            acting_user=partner_b, referral=referral, version=1, to_status="accepted", side=Side.PARTNER
        )


def test_a_partner_of_a_cannot_hand_a_referral_in_a_to_a_colleague_of_b_only(world, ggz):
    organisation, partner_a, partner_b = ggz
    referral = _refer_in_a(world, organisation)
    # Refused when posted, and not offered: the colleague could not open what they were given.
    _web(partner_a).post(reverse("referrals:assign", args=[referral.pk]), {"assigned_to": partner_b.pk, "version": 1})
    referral.refresh_from_db()
    assert referral.assigned_to_id is None
    with pytest.raises(ValidationError):
        services.referral_assign(acting_user=partner_a, referral=referral, version=referral.version, assignee=partner_b)
    assert partner_b not in selectors.colleagues_of(partner_a, referral.programme_id)
    assert partner_a in selectors.colleagues_of(partner_a, referral.programme_id)


def test_the_mails_about_a_referral_in_a_go_to_its_programmes_partners_only(world, ggz):
    organisation, partner_a, partner_b = ggz
    referral = _refer_in_a(world, organisation)
    recipients = set(OutgoingEmail.objects.values_list("to", flat=True))
    assert partner_a.email in recipients
    assert partner_b.email not in recipients
    # The escalation of an overdue priority referral likewise.
    Referral.objects.filter(pk=referral.pk).update(answer_due_on=datetime.date(2026, 1, 2))
    OutgoingEmail.objects.all().delete()
    assert escalate_overdue(datetime.date(2026, 12, 7)) == 1
    recipients = set(OutgoingEmail.objects.values_list("to", flat=True))
    assert partner_a.email in recipients
    assert partner_b.email not in recipients


def test_after_the_person_moved_to_b_the_partner_of_b_sees_only_bs_own_referral(world, ggz):
    organisation, partner_a, partner_b = ggz
    referral_a = _refer_in_a(world, organisation)
    registry_services.household_move(
        acting_user=world.user("case_manager"),
        household=world.own.household,
        version=world.own.household.version,
        moved_on=datetime.date(2026, 11, 1),
        to_address=world.foreign.empty_address,
    )
    # The grant of A's referral is still active (A may still close it) — and opens nothing in B.
    assert AccessGrant.objects.active().filter(reason_id=referral_a.pk).exists()
    _assert_b_sees_nothing(world, partner_b, referral_a)
    # B refers the person it now serves to the same organisation: B's partner sees B's referral only.
    trajectory_b = open_trajectory(world.foreign, world, person=world.own.adult)
    referral_b = send_referral(world.foreign, world, organisation=organisation, trajectory=trajectory_b)
    web = _web(partner_b)
    assert web.get(reverse("referrals:referral", args=[referral_b.pk])).status_code == 200
    assert web.get(reverse("referrals:referral", args=[referral_a.pk])).status_code == 404
    person_page = web.get(reverse("referrals:person", args=[world.own.adult.pk]))
    assert person_page.status_code == 200
    assert [r.pk for r in person_page.context["referrals"]] == [referral_b.pk]
    inbox = [r.pk for r in web.get(reverse("referrals:inbox")).context["page"].object_list]
    assert inbox == [referral_b.pk]


def test_a_closed_referrals_grant_ends_for_a_and_never_opened_b(world, ggz):
    organisation, partner_a, partner_b = ggz
    referral = _refer_in_a(world, organisation)
    for step, code in (("accepted", ""), ("in_progress", ""), ("completed", "help_given")):
        referral = services.referral_transition(
            acting_user=partner_a,
            referral=referral,
            version=referral.version,
            to_status=step,
            side=Side.PARTNER,
            code=code,
        )
    _assert_b_sees_nothing(world, partner_b, referral)
    # The stale grant: past its time after closing, A's partner loses the referral too.
    AccessGrant.objects.filter(reason_id=referral.pk).update(valid_until=timezone.now() - datetime.timedelta(days=1))
    assert _web(partner_a).get(reverse("referrals:referral", args=[referral.pk])).status_code == 404
    _assert_b_sees_nothing(world, partner_b, referral)


def test_the_grant_carries_the_referrals_programme(world, ggz):
    organisation, _partner_a, _partner_b = ggz
    referral = _refer_in_a(world, organisation)
    grant = AccessGrant.objects.get(reason_type="referral", reason_id=referral.pk)
    assert grant.programme_id == referral.programme_id == world.own.programme.pk


def test_a_grant_of_another_programme_opens_nothing(world, ggz):
    """A grant row that names the right referral and organisation but another programme (stale, or
    written wrong) does not open the referral: the grant check joins on the programme too."""
    organisation, partner_a, _partner_b = ggz
    referral = _refer_in_a(world, organisation)
    AccessGrant.objects.filter(reason_id=referral.pk).update(programme=world.foreign.programme)
    assert not selectors.partner_inbox(partner_a).filter(pk=referral.pk).exists()
    assert _web(partner_a).get(reverse("referrals:referral", args=[referral.pk])).status_code == 404
    assert _web(partner_a).get(reverse("referrals:person", args=[referral.person_id])).status_code == 404
