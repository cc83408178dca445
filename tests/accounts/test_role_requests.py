"""The role-request page: what the second person sees, and what it costs."""

from __future__ import annotations

from stijging.accounts import services
from stijging.accounts.models import RoleRequest

from .factories import UserFactory


def _requests(world, n: int) -> list[RoleRequest]:
    made = []
    for i in range(n):
        newcomer = UserFactory(email=f"newcomer{i}@example.test")
        result = services.role_request_submit(
            acting_user=world.user("admin"), user=newcomer, programme_id=world.own.programme.pk, role="fieldworker"
        )
        assert isinstance(result, RoleRequest)
        made.append(result)
    return made


def test_the_page_costs_the_same_for_one_request_or_ten(world, client, django_assert_max_num_queries):
    _requests(world, 10)
    client.force_login(world.user("privacy_officer"))
    # session, user, the user's memberships (roles, read once per request), the pending requests
    # with their user, programme and requester in one join
    with django_assert_max_num_queries(4):
        response = client.get("/rollen/verzoeken/")
    assert response.status_code == 200
    assert response.content.decode().count('value="approve"') == 10


def test_the_admin_who_asked_sees_his_request_but_cannot_decide_it(world, client):
    (request,) = _requests(world, 1)
    client.force_login(world.user("admin"))
    page = client.get("/rollen/verzoeken/").content.decode()
    assert request.user.email in page
    assert 'value="approve"' not in page


def test_a_decided_request_cannot_be_decided_again(world, client):
    (request,) = _requests(world, 1)
    client.force_login(world.user("privacy_officer"))
    client.post("/rollen/verzoeken/", {"request": request.pk, "decision": "refuse"})
    # Gone from the page, and a replayed approval (say from a stale tab) changes nothing.
    response = client.post("/rollen/verzoeken/", {"request": request.pk, "decision": "approve"})
    assert response.status_code == 404
    request.refresh_from_db()
    assert request.status == "refused"
    assert not request.user.memberships.exists()


def test_an_incomplete_decision_changes_nothing(world, client):
    (request,) = _requests(world, 1)
    client.force_login(world.user("privacy_officer"))
    response = client.post("/rollen/verzoeken/", {"request": request.pk, "decision": "maybe"})
    assert response.status_code == 200
    request.refresh_from_db()
    assert request.status == "pending"


def test_asking_twice_makes_one_request(world):
    newcomer = UserFactory(email="newcomer@example.test")
    for _ in range(2):
        services.role_request_submit(
            acting_user=world.user("admin"), user=newcomer, programme_id=world.own.programme.pk, role="partner"
        )
    assert RoleRequest.objects.filter(user=newcomer).count() == 1


def test_the_page_speaks_dutch(world, client, settings):
    settings.LANGUAGE_CODE = "nl"
    _requests(world, 1)
    client.force_login(world.user("privacy_officer"))
    page = client.get("/rollen/verzoeken/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Rolaanvragen" in page and "Goedkeuren" in page


def test_the_ones_who_may_decide_get_an_e_mail_with_a_link_and_no_names(world):
    from stijging.accounts.models import OutgoingEmail

    (request,) = _requests(world, 1)
    mails = list(OutgoingEmail.objects.all())
    # The privacy officer only: the admin asked himself, and there is no other admin.
    assert [m.to for m in mails] == [world.user("privacy_officer").email]
    assert "/rollen/verzoeken/" in mails[0].body
    assert request.user.email not in mails[0].body and request.user.last_name not in mails[0].body


def test_the_first_admin_of_a_new_programme_is_granted_by_the_system_command(world):
    from django.core.management import call_command

    from stijging.privacy.models import AuditAction, AuditEvent

    newcomer = UserFactory(email="first-admin@example.test")
    call_command("grant_role", "first-admin@example.test", world.foreign.programme.slug, "admin")
    assert newcomer.memberships.filter(programme=world.foreign.programme, role="admin").exists()
    event = AuditEvent.objects.get(action=AuditAction.ROLE_CHANGE)
    assert event.actor is None and event.detail == {"granted": "admin", "programme_id": world.foreign.programme.pk}
