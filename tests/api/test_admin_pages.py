"""The admin pages for API clients (/beheer/api/apiclient/): list, create (the token shown once),
approve, rotate, revoke, the webhook and the scopes. Every action goes through stijging.api.services
(the command's), so only an admin of every programme of the client acts on it, audited. Access is
walked here for every role against an own and a foreign client (the project-wide walker in
tests/test_access_table.py has no API clients in its world), and an admin of another programme
tries valid POSTs against a client that is not theirs."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import dateformat, timezone

from stijging import access_table
from stijging.api import services
from stijging.api.models import ApiClient, hash_token
from stijging.privacy.models import AuditAction, AuditEvent

from ..referrals.factories import send_referral
from .factories import api_client_of, http, second_admin

CHANGELIST = reverse("beheer:api_apiclient_changelist")
ADD = reverse("beheer:api_apiclient_add")


def _page(client_pk: int) -> str:
    return reverse("beheer:api_apiclient_change", args=[client_pk])


def _revoke(client_pk: int) -> str:
    return reverse("beheer:api_apiclient_revoke", args=[client_pk])


@pytest.fixture
def foreign_admin(world):
    """An admin of the foreign programme only."""
    return second_admin(world, [world.foreign.programme], email="foreign-admin@example.test")


@pytest.fixture
def clients(world, foreign_admin):
    """(own, foreign): an approved client of the own programme and one of the foreign programme."""
    own, _token = api_client_of(world, name="GGD-systeem eigen")
    foreign, _token = services.api_client_create(
        acting_user=foreign_admin,
        name="GGD-systeem ander",
        organisation=world.partner_organisation,
        programmes=[world.foreign.programme],
        scopes=["referrals"],
    )
    return own, foreign


def _last_event_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _state(client: ApiClient) -> tuple:
    row = ApiClient.objects.get(pk=client.pk)
    return (row.token_hash, row.active, row.webhook_url, row.awaits_approval, row.scopes, row.version)


# --- Who may open what ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", access_table.COLUMNS)
def test_every_role_against_an_own_and_a_foreign_client(world, clients, client, who):
    own, foreign = clients
    user = None if who == "anon" else world.users["no_membership" if who == "none" else who]
    if user is not None:
        client.force_login(user)
    pages = [CHANGELIST, ADD, _page(own.pk), _page(foreign.pk), _revoke(own.pk), _revoke(foreign.pk)]
    for url in pages:
        before = _last_event_id()
        response = client.get(url)
        context = f"GET {url} as {who}: {response.status_code}"
        denied = AuditEvent.objects.filter(id__gt=before, action=AuditAction.DENIED)
        if who == "anon":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], context
        elif who != "admin":
            assert response.status_code == 403, context
            assert denied.filter(actor=user).exists(), context
        elif url in (_page(foreign.pk), _revoke(foreign.pk)):
            assert response.status_code == 404, context  # not the admin's: as if it did not exist
            assert denied.filter(actor=user, object_id=str(foreign.pk)).exists(), context
        else:
            assert response.status_code == 200, context
            assert not denied.exists(), context
    if who == "admin":
        listing = client.get(CHANGELIST).content.decode()
        assert own.name in listing and foreign.name not in listing


@pytest.mark.parametrize("who", ["case_manager", "partner", "privacy_officer", "manager"])
def test_other_roles_cannot_act_by_post(world, clients, client, who):
    own, _foreign = clients
    client.force_login(world.user(who))
    before = _state(own)
    for action in ("rotate", "revoke", "approve"):
        assert client.post(_page(own.pk), {"action": action, "version": own.version}).status_code == 403
    assert client.post(_revoke(own.pk), {"confirm": "yes"}).status_code == 403
    assert client.post(ADD, {"name": "x", "organisation": world.partner_organisation.pk}).status_code == 403
    assert _state(own) == before
    assert ApiClient.objects.count() == 2


def test_an_admin_of_another_programme_cannot_act_on_a_client_by_a_valid_post(world, clients, client, foreign_admin):
    own, _foreign = clients
    client.force_login(foreign_admin)
    before = _state(own)
    posts = [
        {"action": "rotate"},
        {"action": "revoke"},
        {"action": "webhook", "url": "https://evil.example.test/hook"},
        {"action": "approve", "version": own.version},
        {"action": "access", "programmes": [world.own.programme.pk], "scopes": ["case"], "version": own.version},
    ]
    for data in posts:
        mark = _last_event_id()
        response = client.post(_page(own.pk), data)
        assert response.status_code == 404, data
        assert AuditEvent.objects.filter(
            id__gt=mark, action=AuditAction.DENIED, actor=foreign_admin, object_id=str(own.pk)
        ).exists()
        assert b"stj_" not in response.content
    mark = _last_event_id()
    assert client.post(_revoke(own.pk), {"confirm": "yes"}).status_code == 404
    assert AuditEvent.objects.filter(id__gt=mark, action=AuditAction.DENIED, object_id=str(own.pk)).exists()
    assert _state(own) == before


def test_a_client_of_two_programmes_is_not_acted_on_by_an_admin_of_one(world, client):
    both = second_admin(world, [world.own.programme, world.foreign.programme], email="both@example.test")
    shared, _token = services.api_client_create(
        acting_user=both,
        name="Regiosysteem",
        organisation=world.partner_organisation,
        programmes=[world.own.programme, world.foreign.programme],
        scopes=["referrals"],
    )
    client.force_login(world.user("admin"))  # admin of the own programme only
    assert "Regiosysteem" not in client.get(CHANGELIST).content.decode()
    before = _state(shared)
    assert client.post(_page(shared.pk), {"action": "approve", "version": shared.version}).status_code == 404
    assert client.post(_page(shared.pk), {"action": "revoke"}).status_code == 404
    assert client.get(_revoke(shared.pk)).status_code == 404
    assert client.post(_revoke(shared.pk), {"confirm": "yes"}).status_code == 404
    assert _state(shared) == before


def test_a_stale_or_unknown_client_id_is_a_plain_404(world, client):
    client.force_login(world.user("admin"))
    mark = _last_event_id()
    assert client.post(_page(999999), {"action": "revoke"}).status_code == 404
    assert client.get(_page(999999)).status_code == 404
    assert not AuditEvent.objects.filter(id__gt=mark, action=AuditAction.DENIED).exists()


def test_the_create_form_offers_only_the_admins_programmes_and_refuses_a_crafted_one(world, client):
    client.force_login(world.user("admin"))
    page = client.get(ADD).content.decode()
    assert world.own.programme.name in page and world.foreign.programme.name not in page
    response = client.post(
        ADD,
        {
            "name": "Sluiproute",
            "organisation": world.partner_organisation.pk,
            "programmes": [world.foreign.programme.pk],
            "scopes": ["referrals"],
        },
    )
    assert response.status_code == 200 and not ApiClient.objects.exists()
    assert "stj_" not in response.content.decode()


# --- What the pages do ------------------------------------------------------------------------------


def test_create_shows_the_token_once_keeps_its_hash_and_awaits_a_second_admin(world, client):
    send_referral(world.own, world)
    admin = world.user("admin")
    client.force_login(admin)
    response = client.post(
        ADD,
        {
            "name": "GGD-systeem",
            "organisation": world.partner_organisation.pk,
            "programmes": [world.own.programme.pk],
            "scopes": ["referrals"],
        },
    )
    assert response.status_code == 200
    created = ApiClient.objects.get()
    html = response.content.decode()
    token = html.split('<code id="secret">')[1].split("</code>")[0]
    assert token.startswith(f"stj_{created.token_prefix}_") and created.token_hash == hash_token(token)
    assert token not in client.get(_page(created.pk)).content.decode()  # shown only that once
    assert token not in client.get(CHANGELIST).content.decode()
    event = AuditEvent.objects.filter(object_type="api.apiclient", action=AuditAction.CREATE).get()
    assert event.actor_id == admin.pk and token not in str(event.detail)
    # It waits for a second admin: the creator's page has no approve button, a forged POST fails.
    assert http(token).get(reverse("api:inbox")).status_code == 403
    assert 'value="approve"' not in client.get(_page(created.pk)).content.decode()
    client.post(_page(created.pk), {"action": "approve", "version": created.version})
    assert ApiClient.objects.get().awaits_approval
    # The second admin approves it on the page; then the token works.
    client.force_login(second_admin(world, [world.own.programme]))
    assert 'value="approve"' in client.get(_page(created.pk)).content.decode()
    response = client.post(_page(created.pk), {"action": "approve", "version": created.version})
    assert response.status_code == 302
    assert not ApiClient.objects.get().awaits_approval
    assert http(token).get(reverse("api:inbox")).status_code == 200


def test_an_approval_of_a_version_the_approver_did_not_see_is_refused_on_the_page(world, client):
    pending, _token = api_client_of(world, approved=False)
    services.api_client_change_access(
        acting_user=world.user("admin"), client=pending, programmes=[world.own.programme],
        scopes=["referrals", "case"], version=pending.version,
    )  # fmt: skip
    client.force_login(second_admin(world, [world.own.programme]))
    response = client.post(_page(pending.pk), {"action": "approve", "version": pending.version}, follow=True)
    assert ApiClient.objects.get(pk=pending.pk).awaits_approval
    assert "gewijzigd" in response.content.decode() or "changed" in response.content.decode()


def test_rotate_revoke_and_webhook_from_the_page_are_audited(world, client, settings):
    settings.STIJGING_WEBHOOK_ALLOW_HTTP = False  # as in production: https only
    send_referral(world.own, world)
    own, old = api_client_of(world)
    admin = world.user("admin")
    client.force_login(admin)
    mark = _last_event_id()
    response = client.post(_page(own.pk), {"action": "rotate"})
    new = response.content.decode().split('<code id="secret">')[1].split("</code>")[0]
    assert http(old).get(reverse("api:inbox")).status_code == 401
    assert http(new).get(reverse("api:inbox")).status_code == 200

    response = client.post(_page(own.pk), {"action": "webhook", "url": "https://ggd.example.test/stijging"})
    secret = response.content.decode().split('<code id="secret">')[1].split("</code>")[0]
    own.refresh_from_db()
    assert own.webhook_url == "https://ggd.example.test/stijging" and own.webhook_secret == secret
    response = client.post(_page(own.pk), {"action": "webhook", "url": "http://ggd.example.test/plain"}, follow=True)
    own.refresh_from_db()
    assert own.webhook_url == "https://ggd.example.test/stijging"  # http refused, with a message
    assert response.status_code == 200

    client.post(_revoke(own.pk), {"confirm": "yes"})
    assert http(new).get(reverse("api:inbox")).status_code == 401
    events = AuditEvent.objects.filter(id__gt=mark, object_type="api.apiclient", actor=admin, outcome="ok")
    details = [event.detail for event in events]
    assert any("rotated_from" in d for d in details)
    assert any(d.get("webhook_url") == "https://ggd.example.test/stijging" for d in details)
    assert any(d.get("revoked") for d in details)
    assert all(new not in str(d) and secret not in str(d) for d in details)


def test_the_list_shows_status_last_use_and_webhook(world, client):
    send_referral(world.own, world)
    own, token = api_client_of(world, name="Gebruikt")
    api_client_of(world, name="Wachtend", approved=False)
    http(token).get(reverse("api:inbox"))
    services.api_client_set_webhook(acting_user=world.user("admin"), client=own, url="https://ggd.example.test/h")
    client.force_login(world.user("admin"))
    html = client.get(CHANGELIST).content.decode()
    assert "https://ggd.example.test/h" in html
    assert ApiClient.objects.get(pk=own.pk).last_used_at is not None
    assert "Wachtend" in html and "Gebruikt" in html


def test_the_list_costs_the_same_for_one_client_or_six(world, client, django_assert_max_num_queries):
    client.force_login(world.user("admin"))
    api_client_of(world, name="Eerste")
    with django_assert_max_num_queries(12) as one:
        assert client.get(CHANGELIST).status_code == 200
    for number in range(5):
        api_client_of(world, name=f"Systeem {number}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(CHANGELIST).status_code == 200


def test_the_client_page_takes_a_bounded_number_of_queries(world, client, django_assert_max_num_queries):
    own, _token = api_client_of(world)
    client.force_login(world.user("admin"))
    with django_assert_max_num_queries(12):
        assert client.get(_page(own.pk)).status_code == 200


# --- Revoking takes a confirmation -----------------------------------------------------------------


def test_the_revoke_confirmation_says_what_stops_and_changes_nothing(world, client):
    send_referral(world.own, world)
    own, token = api_client_of(world, name="GGD-systeem")
    http(token).get(reverse("api:inbox"))  # "last used"
    services.api_client_set_webhook(acting_user=world.user("admin"), client=own, url="https://ggd.example.test/h")
    client.force_login(world.user("admin"))
    before = _state(own)
    mark = _last_event_id()
    html = client.get(_revoke(own.pk)).content.decode()
    used = ApiClient.objects.get(pk=own.pk).last_used_at
    for shown in (
        "GGD-systeem",
        str(world.partner_organisation),
        world.own.programme.name,
        "https://ggd.example.test/h",
    ):
        assert shown in html, shown
    assert dateformat.format(timezone.localtime(used), "j F Y H:i") in html
    assert "stops working at once" in html and "webhook receives no more" in html
    assert 'name="confirm" value="yes"' in html
    assert _state(own) == before
    assert not AuditEvent.objects.filter(id__gt=mark, object_type="api.apiclient").exists()
    # The client's page leads there with a link, not with a form that revokes.
    page = client.get(_page(own.pk)).content.decode()
    assert _revoke(own.pk) in page and 'value="revoke"' not in page


def test_a_revoke_without_the_confirmation_post_changes_nothing(world, client):
    own, token = api_client_of(world)
    client.force_login(world.user("admin"))
    before = _state(own)
    mark = _last_event_id()
    # The old button's POST on the client's page, and a POST of the confirmation page without its confirm.
    response = client.post(_page(own.pk), {"action": "revoke"}, follow=True)
    assert "Unknown action" in response.content.decode()
    for data in ({}, {"confirm": "no"}, {"confirm": ""}):
        response = client.post(_revoke(own.pk), data)
        assert response.status_code == 200, data
        assert "Nothing was revoked" in response.content.decode()
    assert _state(own) == before
    assert http(token).get(reverse("api:inbox")).status_code == 200
    assert not AuditEvent.objects.filter(id__gt=mark, object_type="api.apiclient", outcome="ok").exists()


def test_the_confirmed_revoke_stops_the_client_audited_with_a_message(world, client):
    own, token = api_client_of(world)
    admin = world.user("admin")
    client.force_login(admin)
    mark = _last_event_id()
    response = client.post(_revoke(own.pk), {"confirm": "yes"}, follow=True)
    assert response.redirect_chain[-1][0] == _page(own.pk)
    assert "The client is revoked" in response.content.decode()
    row = ApiClient.objects.select_related("user").get(pk=own.pk)
    assert not row.active and row.revoked_at is not None and not row.user.is_active
    assert http(token).get(reverse("api:inbox")).status_code == 401
    event = AuditEvent.objects.get(id__gt=mark, object_type="api.apiclient", actor=admin, outcome="ok")
    assert event.detail.get("revoked") is True and event.object_id == str(own.pk)
    # Once revoked there is nothing left to confirm: back to the client, with a word why.
    again = client.get(_revoke(own.pk), follow=True)
    assert again.redirect_chain[-1][0] == _page(own.pk) and "already revoked" in again.content.decode()
    assert AuditEvent.objects.filter(id__gt=mark, object_type="api.apiclient", outcome="ok").count() == 1


def test_the_revoke_confirmation_takes_a_bounded_number_of_queries(world, client, django_assert_max_num_queries):
    own, _token = api_client_of(world)
    client.force_login(world.user("admin"))
    with django_assert_max_num_queries(12):
        assert client.get(_revoke(own.pk)).status_code == 200
    with django_assert_max_num_queries(20):
        assert client.post(_revoke(own.pk), {"confirm": "yes"}).status_code == 302
