"""Who sees which persons: the `visible_to` scopes, the partner's access grants, and role changes
through the configuration screens."""

import pytest
from django.utils import timezone

from stijging.privacy.models import AccessGrant, AuditAction, AuditEvent
from stijging.registry.models import Household, Person


def test_case_roles_see_the_persons_of_their_own_programme_only(world):
    for role in ("fieldworker", "case_manager"):
        visible = set(Person.objects.visible_to(world.user(role)))
        assert visible == {world.own.adult, world.own.child}
        assert set(Household.objects.visible_to(world.user(role))) == {world.own.household}


@pytest.mark.parametrize("role", ["partner", "coordinator", "manager", "admin", "privacy_officer", "no_membership"])
def test_other_roles_see_no_person_and_no_household(world, role):
    assert not Person.objects.visible_to(world.user(role)).exists()
    assert not Household.objects.visible_to(world.user(role)).exists()


def test_an_anonymous_visitor_sees_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    assert not Person.objects.visible_to(AnonymousUser()).exists()
    assert not Household.objects.visible_to(AnonymousUser()).exists()


def test_an_access_grant_never_opens_the_registry_scope(world):
    """A partner sees a person only through a referral to their organisation (referrals:person), never
    through the registry's `Person.visible_to` — whatever grant exists."""
    partner = world.user("partner")
    AccessGrant.objects.create(
        person=world.own.adult,
        organisation=world.partner_organisation,
        programme=world.own.programme,
        reason_type="referral",
        reason_id=1,
    )
    assert not Person.objects.visible_to(partner).exists()
    assert not Household.objects.visible_to(partner).exists()


def test_a_referral_opens_one_person_to_the_partners_own_organisation_only(world):
    from stijging.referrals import selectors as referral_selectors
    from stijging.referrals.models import Referral

    from ..referrals.factories import referral_of

    partner = world.user("partner")
    referral = referral_of(world.own, world)
    assert referral.organisation_id == world.partner_organisation.pk
    assert referral_selectors.partner_person(partner, world.own.adult.pk) == world.own.adult
    with pytest.raises(Person.DoesNotExist):
        referral_selectors.partner_person(partner, world.own.child.pk)

    AccessGrant.objects.filter(reason_id=referral.pk).update(revoked_at=timezone.now())
    with pytest.raises(Person.DoesNotExist):
        referral_selectors.partner_person(partner, world.own.adult.pk)
    assert not Referral.objects.for_partner(partner).exists()


def test_an_access_grant_means_nothing_to_a_user_without_the_partner_role(world):
    AccessGrant.objects.create(
        person=world.own.adult,
        organisation=world.partner_organisation,
        programme=world.own.programme,
        reason_type="referral",
        reason_id=1,
    )
    outsider = world.user("no_membership")
    outsider.organisation = world.partner_organisation
    outsider.save()
    assert not Person.objects.visible_to(outsider).exists()


def test_granting_a_role_in_the_configuration_screens_is_audited(world, client):
    from stijging.accounts.models import RoleRequest

    from .factories import UserFactory

    admin = world.user("admin")
    target = UserFactory(email="newcomer@example.test", created_by=admin)
    client.force_login(admin)
    url = f"/beheer/accounts/user/{target.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    data = {
        "email": target.email,
        "username": target.username,
        "first_name": target.first_name,
        "last_name": target.last_name,
        "phone": "",
        "is_active": "on",
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-programme": str(world.own.programme.pk),
        "memberships-0-role": "case_manager",
        "memberships-0-user": str(target.pk),
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    # The request is audited; the role waits for the privacy officer.
    request = RoleRequest.objects.get(user=target)
    event = AuditEvent.objects.filter(action=AuditAction.ROLE_CHANGE).latest("id")
    assert event.actor_id == admin.pk
    assert event.object_id == str(target.pk)
    assert event.detail == {"requested": "case_manager", "programme_id": world.own.programme.pk, "request": request.pk}
    assert not target.memberships.exists()

    client.force_login(world.user("privacy_officer"))
    client.post("/rollen/verzoeken/", {"request": request.pk, "decision": "approve"})
    event = AuditEvent.objects.filter(action=AuditAction.ROLE_CHANGE).latest("id")
    assert event.actor_id == world.user("privacy_officer").pk
    assert event.detail == {"granted": "case_manager", "programme_id": world.own.programme.pk}
    assert target.memberships.filter(role="case_manager").exists()

    # Revoking it is audited too, and takes no second person.
    client.force_login(admin)
    membership = target.memberships.get(role="case_manager")
    data.update(
        {
            "memberships-INITIAL_FORMS": "1",
            "memberships-0-id": str(membership.pk),
            "memberships-0-DELETE": "on",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302
    event = AuditEvent.objects.filter(action=AuditAction.ROLE_CHANGE).latest("id")
    assert event.detail == {"revoked": "case_manager", "programme_id": world.own.programme.pk}
    assert not target.memberships.exists()


def test_the_configuration_screens_never_offer_households_or_persons(world, client):
    client.force_login(world.user("admin"))
    index = client.get("/beheer/").content.decode()
    assert "/beheer/registry/household/" not in index
    assert "/beheer/registry/person/" not in index
    assert client.get("/beheer/registry/person/").status_code == 404
