"""The functional administrator administers the programmes where they hold the admin role, and no
more: every test here is an attempt, as an attacker holding the admin role in the own programme
would make it, to reach the foreign programme or to grant a role without a second person."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from stijging.accounts.models import RoleRequest, User
from stijging.privacy.models import AuditAction, AuditEvent
from stijging.registry.models import Programme

from ..accounts.factories import MembershipFactory, UserFactory
from ..conftest import PASSWORD


def _user_form(user: User, **overrides) -> dict:
    data = {
        "email": user.email,
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "organisation": user.organisation_id or "",
        "phone": user.phone,
        "is_active": "on" if user.is_active else "",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value != ""}


def _new_membership_row(user: User, programme_id: int, role: str) -> dict:
    return {
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "0",
        "memberships-0-programme": str(programme_id),
        "memberships-0-role": role,
        "memberships-0-user": str(user.pk),
    }


@pytest.fixture
def foreign_worker(world) -> User:
    """A case manager of the foreign programme only."""
    user = UserFactory(email="foreign-cm@example.test", organisation=world.user("fieldworker").organisation)
    MembershipFactory(user=user, programme=world.foreign.programme, role="case_manager")
    return user


# --- Granting roles in another programme --------------------------------------------------------


def test_admin_cannot_grant_himself_a_role_in_another_programme_through_the_user_form(world, client):
    admin = world.user("admin")
    client.force_login(admin)
    url = f"/beheer/accounts/user/{admin.pk}/change/"
    response = client.post(
        url, _user_form(admin, **_new_membership_row(admin, world.foreign.programme.pk, "case_manager"))
    )
    assert response.status_code == 200  # the form comes back with an error
    assert not admin.memberships.filter(programme=world.foreign.programme).exists()
    assert not RoleRequest.objects.filter(programme=world.foreign.programme).exists()
    # …and the household of the foreign programme stays closed to him.
    assert client.get(f"/households/{world.foreign.household.pk}/").status_code == 404


def test_the_membership_inline_offers_only_the_admins_own_programmes(world, client):
    admin = world.user("admin")
    client.force_login(admin)
    page = client.get(f"/beheer/accounts/user/{admin.pk}/change/").content.decode()
    select = re.search(r'<select name="memberships-1-programme".*?</select>', page, re.S)
    assert select is not None, page
    assert world.own.programme.name in select.group(0)
    assert world.foreign.programme.name not in select.group(0)


def test_there_is_no_membership_admin_to_go_around_the_user_form(world, client):
    client.force_login(world.user("admin"))
    assert client.get("/beheer/accounts/membership/").status_code == 404
    assert client.get("/beheer/accounts/membership/add/").status_code == 404


def test_a_crafted_post_cannot_move_or_delete_a_membership_of_another_programme(world, client, foreign_worker):
    admin = world.user("admin")
    client.force_login(admin)
    foreign_membership = foreign_worker.memberships.get()
    # Aimed at a user of the own programme, with the foreign membership's id slipped into the inline.
    target = world.user("fieldworker")
    data = _user_form(
        target,
        **{
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "1",
            "memberships-0-id": str(foreign_membership.pk),
            "memberships-0-user": str(target.pk),
            "memberships-0-programme": str(world.own.programme.pk),
            "memberships-0-role": "admin",
            "memberships-0-DELETE": "on",
        },
    )
    client.post(f"/beheer/accounts/user/{target.pk}/change/", data)
    foreign_membership.refresh_from_db()
    assert (foreign_membership.user_id, foreign_membership.programme_id, foreign_membership.role) == (
        foreign_worker.pk,
        world.foreign.programme.pk,
        "case_manager",
    )


def test_an_existing_membership_cannot_be_moved_to_another_role_or_programme_in_place(world, client):
    admin = world.user("admin")
    client.force_login(admin)
    own = admin.memberships.get()
    data = _user_form(
        admin,
        **{
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "1",
            "memberships-0-id": str(own.pk),
            "memberships-0-user": str(admin.pk),
            "memberships-0-programme": str(world.foreign.programme.pk),
            "memberships-0-role": "case_manager",
        },
    )
    client.post(f"/beheer/accounts/user/{admin.pk}/change/", data)
    own.refresh_from_db()
    assert (own.programme_id, own.role) == (world.own.programme.pk, "admin")


def test_users_of_other_programmes_are_neither_listed_nor_editable(world, client, foreign_worker):
    client.force_login(world.user("admin"))
    listing = client.get("/beheer/accounts/user/").content.decode()
    assert foreign_worker.email not in listing
    assert world.user("fieldworker").email in listing
    url = f"/beheer/accounts/user/{foreign_worker.pk}/change/"
    assert client.get(url).status_code == 302  # Django admin's "does not exist" answer
    client.post(url, _user_form(foreign_worker, email="taken-over@example.test"))
    foreign_worker.refresh_from_db()
    assert foreign_worker.email == "foreign-cm@example.test"


def test_a_user_who_also_works_elsewhere_keeps_his_identity_out_of_this_admins_reach(world, client):
    """Changing the e-mail address of someone who also works in another programme would let the
    admin reset that person's password and log in as them there."""
    shared = world.user("fieldworker")
    MembershipFactory(user=shared, programme=world.foreign.programme, role="case_manager")
    client.force_login(world.user("admin"))
    client.post(f"/beheer/accounts/user/{shared.pk}/change/", _user_form(shared, email="mine@example.test"))
    shared.refresh_from_db()
    assert shared.email == "fieldworker@example.test"
    assert shared.memberships.filter(programme=world.foreign.programme).exists()


def test_foreign_programmes_are_neither_listed_nor_editable(world, client):
    client.force_login(world.user("admin"))
    listing = client.get("/beheer/registry/programme/").content.decode()
    assert world.own.programme.name in listing
    assert world.foreign.programme.name not in listing
    url = f"/beheer/registry/programme/{world.foreign.programme.pk}/change/"
    assert client.get(url).status_code == 302
    # An admin does not found programmes: a new programme would have nobody to approve its roles.
    assert client.get("/beheer/registry/programme/add/").status_code == 403


def test_a_superuser_sees_every_programme(world, client):
    root = UserFactory(email="root@example.test", is_superuser=True, is_staff=True)
    client.force_login(root)
    listing = client.get("/beheer/registry/programme/").content.decode()
    assert world.foreign.programme.name in listing


# --- The second person --------------------------------------------------------------------------


def test_an_admin_sees_only_the_accounts_he_made_among_those_without_a_role(world, client):
    admin = world.user("admin")
    mine = UserFactory(email="mine@example.test", created_by=admin)
    client.force_login(admin)
    listing = client.get("/beheer/accounts/user/").content.decode()
    assert mine.email in listing
    assert world.user("no_membership").email not in listing


def test_a_role_that_sees_personal_data_waits_for_a_second_person(world, client):
    admin = world.user("admin")
    target = UserFactory(email="newcomer@example.test", created_by=admin)
    client.force_login(admin)
    response = client.post(
        f"/beheer/accounts/user/{target.pk}/change/",
        _user_form(target, **_new_membership_row(target, world.own.programme.pk, "case_manager")),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert not target.memberships.exists()
    request = RoleRequest.objects.get(user=target)
    assert (request.role, request.programme_id, request.status, request.requested_by_id) == (
        "case_manager",
        world.own.programme.pk,
        "pending",
        admin.pk,
    )
    event = AuditEvent.objects.filter(action=AuditAction.ROLE_CHANGE).latest("id")
    assert event.detail == {"requested": "case_manager", "programme_id": world.own.programme.pk, "request": request.pk}


def test_coordinator_and_manager_roles_take_effect_at_once(world, client):
    admin = world.user("admin")
    target = UserFactory(email="newcomer@example.test", created_by=admin)
    client.force_login(admin)
    client.post(
        f"/beheer/accounts/user/{target.pk}/change/",
        _user_form(target, **_new_membership_row(target, world.own.programme.pk, "coordinator")),
    )
    assert target.memberships.filter(role="coordinator").exists()
    assert not RoleRequest.objects.exists()


def _request(world, role="case_manager", user=None, requested_by=None) -> RoleRequest:
    from stijging.accounts import services

    result = services.role_request_submit(
        acting_user=requested_by or world.user("admin"),
        user=user or world.user("no_membership"),
        programme_id=world.own.programme.pk,
        role=role,
    )
    assert isinstance(result, RoleRequest)
    return result


def test_the_privacy_officer_approves_and_the_role_takes_effect(world, client):
    request = _request(world)
    target = request.user
    client.force_login(world.user("privacy_officer"))
    page = client.get("/rollen/verzoeken/").content.decode()
    assert target.email in page
    response = client.post("/rollen/verzoeken/", {"request": request.pk, "decision": "approve"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "approved" and request.decided_by == world.user("privacy_officer")
    assert target.memberships.filter(programme=world.own.programme, role="case_manager").exists()
    details = [e.detail for e in AuditEvent.objects.filter(action=AuditAction.ROLE_CHANGE).order_by("id")]
    assert {"approved": "case_manager", "programme_id": world.own.programme.pk, "request": request.pk} in details
    assert {"granted": "case_manager", "programme_id": world.own.programme.pk} in details


def test_another_admin_of_the_programme_may_refuse(world, client):
    request = _request(world)
    second_admin = UserFactory(email="admin2@example.test")
    MembershipFactory(user=second_admin, programme=world.own.programme, role="admin")
    client.force_login(second_admin)
    client.post("/rollen/verzoeken/", {"request": request.pk, "decision": "refuse"})
    request.refresh_from_db()
    assert request.status == "refused"
    assert not request.user.memberships.exists()
    event = AuditEvent.objects.filter(action=AuditAction.ROLE_CHANGE).latest("id")
    assert event.detail == {"refused": "case_manager", "programme_id": world.own.programme.pk, "request": request.pk}


def test_the_requester_cannot_approve_his_own_request(world, client):
    admin = world.user("admin")
    request = _request(world, user=admin, role="case_manager")
    client.force_login(admin)
    client.post("/rollen/verzoeken/", {"request": request.pk, "decision": "approve"})
    request.refresh_from_db()
    assert request.status == "pending"
    assert not admin.memberships.filter(role="case_manager").exists()


def test_the_user_a_role_is_for_cannot_approve_it(world, client):
    """Another admin asked for it, the beneficiary is an admin too: still not his decision."""
    second_admin = UserFactory(email="admin2@example.test")
    MembershipFactory(user=second_admin, programme=world.own.programme, role="admin")
    request = _request(world, user=second_admin, role="case_manager")
    client.force_login(second_admin)
    client.post("/rollen/verzoeken/", {"request": request.pk, "decision": "approve"})
    request.refresh_from_db()
    assert request.status == "pending"


def test_an_admin_or_privacy_officer_of_another_programme_cannot_decide(world, client):
    request = _request(world)
    for role in ("admin", "privacy_officer"):
        outsider = UserFactory(email=f"foreign-{role}@example.test")
        MembershipFactory(user=outsider, programme=world.foreign.programme, role=role)
        client.force_login(outsider)
        assert request.user.email not in client.get("/rollen/verzoeken/").content.decode()
        response = client.post("/rollen/verzoeken/", {"request": request.pk, "decision": "approve"})
        assert response.status_code == 404
        request.refresh_from_db()
        assert request.status == "pending"


@pytest.mark.parametrize("role", ["fieldworker", "case_manager", "partner", "coordinator", "manager"])
def test_other_roles_cannot_decide(world, client, role):
    request = _request(world)
    client.force_login(world.user(role))
    response = client.post("/rollen/verzoeken/", {"request": request.pk, "decision": "approve"})
    assert response.status_code == 403
    request.refresh_from_db()
    assert request.status == "pending"


def test_the_service_refuses_a_direct_grant_without_a_second_person(world):
    from django.core.exceptions import PermissionDenied

    from stijging.accounts import services

    with pytest.raises(PermissionDenied):
        services.membership_grant(
            acting_user=world.user("admin"),
            user=world.user("admin"),
            programme_id=world.own.programme.pk,
            role="case_manager",
        )
    with pytest.raises(PermissionDenied):
        services.role_request_submit(
            acting_user=world.user("admin"),
            user=world.user("admin"),
            programme_id=world.foreign.programme.pk,
            role="coordinator",
        )
    assert not world.user("admin").memberships.exclude(role="admin").exists()


# --- Sessions and the partner's scope ------------------------------------------------------------


def _logged_in_client(user: User) -> Client:
    other = Client()
    assert other.login(username=user.username, password=PASSWORD)
    assert not _logged_out(other.get("/"))
    return other


def _logged_out(response) -> bool:
    return response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_changing_a_users_organisation_ends_his_sessions(world, client):
    from ..accounts.factories import OrganisationFactory

    worker = world.user("fieldworker")
    session = _logged_in_client(worker)
    client.force_login(world.user("admin"))
    elsewhere = OrganisationFactory(name="Woonbedrijf")
    response = client.post(
        f"/beheer/accounts/user/{worker.pk}/change/", _user_form(worker, organisation=str(elsewhere.pk))
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert _logged_out(session.get("/"))


def test_deactivating_a_user_ends_his_sessions(world, client):
    worker = world.user("case_manager")
    session = _logged_in_client(worker)
    client.force_login(world.user("admin"))
    client.post(f"/beheer/accounts/user/{worker.pk}/change/", _user_form(worker, is_active=""))
    worker.refresh_from_db()
    assert not worker.is_active
    assert _logged_out(session.get("/"))


def test_an_unchanged_save_keeps_the_users_session(world, client):
    worker = world.user("fieldworker")
    session = _logged_in_client(worker)
    client.force_login(world.user("admin"))
    client.post(f"/beheer/accounts/user/{worker.pk}/change/", _user_form(worker, phone="077-1234567"))
    assert not _logged_out(session.get("/"))


def test_a_partners_organisation_cannot_change_while_he_holds_the_partner_role(world, client):
    partner = world.user("partner")
    client.force_login(world.user("admin"))
    response = client.post(
        f"/beheer/accounts/user/{partner.pk}/change/",
        _user_form(partner, organisation=str(world.other_partner_organisation.pk)),
    )
    assert response.status_code == 200
    assert "partner role" in response.content.decode()
    partner.refresh_from_db()
    assert partner.organisation == world.partner_organisation


# --- Deleting -----------------------------------------------------------------------------------


def test_users_are_deactivated_never_deleted(world, client):
    target = world.user("fieldworker")
    client.force_login(world.user("admin"))
    assert client.get(f"/beheer/accounts/user/{target.pk}/delete/").status_code == 403
    client.post(f"/beheer/accounts/user/{target.pk}/delete/", {"post": "yes"})
    assert User.objects.filter(pk=target.pk).exists()
    listing = client.get("/beheer/accounts/user/").content.decode()
    assert 'value="delete_selected"' not in listing


def test_a_programme_that_holds_data_cannot_be_deleted(world, client):
    programme = world.own.programme
    client.force_login(world.user("admin"))
    page = client.get(f"/beheer/registry/programme/{programme.pk}/delete/", follow=True)
    assert "cannot be deleted" in page.content.decode()
    client.post(f"/beheer/registry/programme/{programme.pk}/delete/", {"post": "yes"})
    assert Programme.objects.filter(pk=programme.pk).exists()


def test_an_area_that_holds_addresses_cannot_be_deleted_through_the_programme_form(world, client):
    from stijging.registry.models import Area

    programme = world.own.programme
    area = world.own.area
    client.force_login(world.user("admin"))
    page = client.get(f"/beheer/registry/programme/{programme.pk}/change/").content.decode()
    assert "areas-0-id" in page
    data = {
        "name": programme.name,
        "slug": programme.slug,
        "municipality": programme.municipality,
        "description": programme.description,
        "start_date": programme.start_date.isoformat(),
        "target_participation": programme.target_participation,
        "target_uptake": programme.target_uptake,
        "areas-TOTAL_FORMS": "1",
        "areas-INITIAL_FORMS": "1",
        "areas-MIN_NUM_FORMS": "0",
        "areas-MAX_NUM_FORMS": "1000",
        "areas-0-id": str(area.pk),
        "areas-0-programme": str(programme.pk),
        "areas-0-name": area.name,
        "areas-0-slug": area.slug,
        "areas-0-cbs_buurtcode": area.cbs_buurtcode,
        "areas-0-description": area.description,
        "areas-0-DELETE": "on",
    }
    response = client.post(f"/beheer/registry/programme/{programme.pk}/change/", data)
    assert response.status_code == 200
    assert "holds" in response.content.decode()
    assert Area.objects.filter(pk=area.pk).exists()


# --- Every change is audited ---------------------------------------------------------------------


def test_changing_a_programme_is_audited_with_old_and_new_values(world, client):
    from django.forms.models import model_to_dict

    programme = world.own.programme
    client.force_login(world.user("admin"))
    data = {k: v for k, v in model_to_dict(programme).items() if v is not None and k != "id"}
    data.update(
        {
            "start_date": programme.start_date.isoformat(),
            "target_uptake": 60,
            "areas-TOTAL_FORMS": "0",
            "areas-INITIAL_FORMS": "0",
            "areas-MIN_NUM_FORMS": "0",
            "areas-MAX_NUM_FORMS": "1000",
        }
    )
    response = client.post(f"/beheer/registry/programme/{programme.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, object_type="registry.programme")
    assert event.actor == world.user("admin")
    assert event.detail == {"changed": {"target_uptake": [50, 60]}}


def test_changing_a_user_and_adding_an_organisation_are_audited(world, client):
    target = world.user("fieldworker")
    client.force_login(world.user("admin"))
    client.post(f"/beheer/accounts/user/{target.pk}/change/", _user_form(target, phone="077-7654321"))
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, object_type="accounts.user")
    assert event.object_id == str(target.pk)
    assert event.detail == {"changed": {"phone": ["", "077-7654321"]}}

    client.post(
        "/beheer/accounts/organisation/add/",
        {
            "name": "Buurtwerk Oost",
            "kind": "welfare",
            "email": "",
            "phone": "",
            "service_level-TOTAL_FORMS": "1",
            "service_level-INITIAL_FORMS": "0",
            "service_level-MIN_NUM_FORMS": "0",
            "service_level-MAX_NUM_FORMS": "1",
            "service_level-0-priority_working_days": "4",
        },
    )
    created = {e.object_type: e.detail for e in AuditEvent.objects.filter(action=AuditAction.CREATE)}
    assert created["accounts.organisation"]["created"]["name"] == "Buurtwerk Oost"
    assert created["referrals.servicelevel"]["created"]["priority_working_days"] == 4


def test_changing_an_activity_kind_is_audited(world, client):
    from stijging.cohesion.models import ActivityKind

    kind = ActivityKind.objects.order_by("pk").first()
    client.force_login(world.user("admin"))
    response = client.post(
        f"/beheer/cohesion/activitykind/{kind.pk}/change/",
        {"code": kind.code, "name_nl": kind.name_nl, "name_en": "Renamed", "order": kind.order},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, object_type="cohesion.activitykind")
    assert event.detail == {"changed": {"name_en": [kind.name_en, "Renamed"], "active": [True, False]}}


def test_a_new_user_cannot_be_given_a_role_in_another_programme_either(world, client):
    client.force_login(world.user("admin"))
    data = {
        "email": "sock@example.test",
        "username": "sock@example.test",
        "is_active": "on",
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-programme": str(world.foreign.programme.pk),
        "memberships-0-role": "admin",
    }
    response = client.post("/beheer/accounts/user/add/", data)
    assert response.status_code == 200
    assert not User.objects.filter(email="sock@example.test").exists()
    assert not RoleRequest.objects.exists()


def test_an_organisation_that_holds_nothing_is_deleted_and_the_deletion_audited(world, client):
    from stijging.accounts.models import Organisation

    from ..accounts.factories import OrganisationFactory

    empty = OrganisationFactory(name="Lege organisatie")
    client.force_login(world.user("admin"))
    page = client.get(f"/beheer/accounts/organisation/{empty.pk}/delete/").content.decode()
    assert "Are you sure" in page
    response = client.post(f"/beheer/accounts/organisation/{empty.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Organisation.objects.filter(pk=empty.pk).exists()
    event = AuditEvent.objects.get(action=AuditAction.DELETE, object_type="accounts.organisation")
    assert event.detail["deleted"]["name"] == "Lege organisatie"


def test_an_organisation_whose_users_work_in_another_programme_is_read_only(world, client, foreign_worker):
    from ..accounts.factories import OrganisationFactory

    shared = OrganisationFactory(name="Regionaal Welzijn")
    foreign_worker.organisation = shared
    foreign_worker.save()
    client.force_login(world.user("admin"))
    url = f"/beheer/accounts/organisation/{shared.pk}/change/"
    page = client.get(url).content.decode()
    assert 'name="name"' not in page  # shown, not editable
    client.post(url, {"name": "Overgenomen", "kind": "welfare"})
    shared.refresh_from_db()
    assert shared.name == "Regionaal Welzijn"


def test_adding_an_area_through_the_programme_form_is_audited(world, client):
    programme = world.own.programme
    area = world.own.area
    client.force_login(world.user("admin"))
    data = {
        "name": programme.name,
        "slug": programme.slug,
        "municipality": programme.municipality,
        "description": programme.description,
        "start_date": programme.start_date.isoformat(),
        "target_participation": programme.target_participation,
        "target_uptake": programme.target_uptake,
        "areas-TOTAL_FORMS": "2",
        "areas-INITIAL_FORMS": "1",
        "areas-MIN_NUM_FORMS": "0",
        "areas-MAX_NUM_FORMS": "1000",
        "areas-0-id": str(area.pk),
        "areas-0-programme": str(programme.pk),
        "areas-0-name": area.name,
        "areas-0-slug": area.slug,
        "areas-0-cbs_buurtcode": area.cbs_buurtcode,
        "areas-0-description": area.description,
        "areas-1-programme": str(programme.pk),
        "areas-1-name": "Nieuwe buurt",
        "areas-1-slug": "nieuwe-buurt",
        "areas-1-cbs_buurtcode": "BU09830199",
    }
    response = client.post(f"/beheer/registry/programme/{programme.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="registry.area")
    assert event.detail["created"]["name"] == "Nieuwe buurt"
    assert event.detail["created"]["programme"] == programme.pk
    # The unchanged area and programme leave no event: only what changed is logged.
    assert not AuditEvent.objects.filter(action=AuditAction.UPDATE).exists()


def test_editing_a_draft_instrument_item_is_audited(world, client):
    from stijging.instruments import services as instruments
    from stijging.instruments.models import InstrumentVersion
    from stijging.instruments.services import current_instrument

    draft = instruments.instrument_draft_from(acting_user=world.user("admin"), source=current_instrument())
    client.force_login(world.user("admin"))
    url = f"/beheer/instruments/instrumentversion/{draft.pk}/change/"
    page = client.get(url)
    # Post the form back as the page filled it, with one domain's English name changed.
    from html.parser import HTMLParser

    class Fields(HTMLParser):
        def __init__(self):
            super().__init__()
            self.data: dict[str, str] = {}
            self._select: str | None = None
            self._textarea: str | None = None

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "input" and a.get("name") and a.get("type") not in ("submit", "checkbox"):
                self.data[a["name"]] = a.get("value") or ""
            if tag == "input" and a.get("type") == "checkbox" and "checked" in a:
                self.data[a["name"]] = "on"
            if tag == "select":
                self._select = a.get("name")
            if tag == "option" and self._select and "selected" in a:
                self.data[self._select] = a.get("value") or ""
            if tag == "textarea":
                self._textarea = a.get("name")
                self.data[self._textarea or ""] = ""

        def handle_data(self, data):
            if self._textarea:
                self.data[self._textarea] += data

        def handle_endtag(self, tag):
            if tag == "select":
                self._select = None
            if tag == "textarea":
                self._textarea = None

    parser = Fields()
    parser.feed(page.content.decode())
    data = {k: v.strip("\n") for k, v in parser.data.items() if k and "__prefix__" not in k}
    data.pop("csrfmiddlewaretoken", None)
    data["domains-0-name_en"] = "Housing and living"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, object_type="instruments.domain")
    assert list(event.detail["changed"]) == ["name_en"]
    assert event.detail["changed"]["name_en"][1] == "Housing and living"
    assert InstrumentVersion.objects.get(pk=draft.pk).published_at is None


# --- Mixed roles ---------------------------------------------------------------------------------


def test_an_admin_who_is_also_privacy_officer_still_cannot_approve_what_he_asked_for(world, client):
    admin = world.user("admin")
    MembershipFactory(user=admin, programme=world.own.programme, role="privacy_officer")
    request = _request(world, requested_by=admin)
    client.force_login(admin)
    client.post("/rollen/verzoeken/", {"request": request.pk, "decision": "approve"})
    request.refresh_from_db()
    assert request.status == "pending"


def test_privacy_officer_elsewhere_decides_there_but_administers_only_his_own_programme(world, client, foreign_worker):
    from stijging.accounts import services

    admin = world.user("admin")
    MembershipFactory(user=admin, programme=world.foreign.programme, role="privacy_officer")
    foreign_admin = UserFactory(email="foreign-admin@example.test")
    MembershipFactory(user=foreign_admin, programme=world.foreign.programme, role="admin")
    newcomer = UserFactory(email="newcomer@example.test")
    foreign_request = services.role_request_submit(
        acting_user=foreign_admin, user=newcomer, programme_id=world.foreign.programme.pk, role="fieldworker"
    )
    client.force_login(admin)
    # As the foreign programme's privacy officer he decides its requests…
    client.post("/rollen/verzoeken/", {"request": foreign_request.pk, "decision": "approve"})
    assert newcomer.memberships.filter(programme=world.foreign.programme, role="fieldworker").exists()
    # …but he administers nothing there: its users stay out of his reach and it is not offered.
    assert foreign_worker.email not in client.get("/beheer/accounts/user/").content.decode()
    response = client.post(
        f"/beheer/accounts/user/{admin.pk}/change/",
        _user_form(admin, **_new_membership_row(admin, world.foreign.programme.pk, "coordinator")),
    )
    assert response.status_code == 200
    assert not admin.memberships.filter(programme=world.foreign.programme, role="coordinator").exists()


def test_a_fieldworker_elsewhere_cannot_make_himself_admin_there(world, client):
    admin = world.user("admin")
    MembershipFactory(user=admin, programme=world.foreign.programme, role="fieldworker")
    client.force_login(admin)
    client.post(
        f"/beheer/accounts/user/{admin.pk}/change/",
        _user_form(admin, **_new_membership_row(admin, world.foreign.programme.pk, "admin")),
    )
    assert not admin.memberships.filter(programme=world.foreign.programme, role="admin").exists()
    assert not RoleRequest.objects.exists()
    # Nor may his own user form be used to change who he is, since he also works there.
    client.post(f"/beheer/accounts/user/{admin.pk}/change/", _user_form(admin, email="other@example.test"))
    admin.refresh_from_db()
    assert admin.email == "admin@example.test"


# --- What the scoped screens cost ----------------------------------------------------------------


def test_the_user_list_costs_the_same_for_few_or_many_users(world, client, django_assert_max_num_queries):
    admin = world.user("admin")
    for i in range(15):
        MembershipFactory(user=UserFactory(email=f"worker{i}@example.test"), programme=world.own.programme)
    client.force_login(admin)
    # session, admin, admin's memberships; the filtered count and the full count; the page of users
    # with their organisation (scoped by three subqueries in one statement); the choices of the two
    # filters (organisations, roles)
    with django_assert_max_num_queries(9):
        response = client.get("/beheer/accounts/user/")
    assert response.content.decode().count("worker") >= 15


def test_a_user_form_costs_a_bounded_number_of_queries(world, client, django_assert_max_num_queries):
    target = world.user("fieldworker")
    client.force_login(world.user("admin"))
    # session, admin, admin's memberships; the user (scoped); whether he works elsewhere and whether
    # he holds a personal-data role (read-only fields); the organisation choices; his memberships in
    # the admin's programmes; the programme choices of the inline (existing row and the empty one),
    # and Django's own checks of the inline's permissions
    with django_assert_max_num_queries(14):
        response = client.get(f"/beheer/accounts/user/{target.pk}/change/")
    assert response.status_code == 200


def test_a_programme_with_only_an_empty_area_names_the_area_by_count_only(world, client):
    from ..registry.factories import AreaFactory, ProgrammeFactory

    programme = ProgrammeFactory(name="Proefprogramma", slug="proef")
    AreaFactory(programme=programme, name="Lege wijk", slug="lege-wijk")
    client.force_login(UserFactory(email="root@example.test", is_superuser=True, is_staff=True))
    page = client.get(f"/beheer/registry/programme/{programme.pk}/delete/").content.decode()
    assert "areas: 1" in page
    assert "Lege wijk" not in page
