"""The second person for API clients: a new client, and a widening of its scopes or programmes, does
not work until another admin of every programme of the client approves it. Each test is an attempt
as an attacker would make it: approving one's own client, approving as an admin of another
programme, approving with a stale view of the client, using the token before the approval."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from stijging.accounts.models import Membership
from stijging.api import services
from stijging.api.models import ApiClient
from stijging.concurrency import ConflictError
from stijging.privacy.models import AuditAction, AuditEvent

from ..referrals.factories import send_referral
from .factories import api_client_of, http, second_admin


def _pending(world, **kwargs):
    return api_client_of(world, approved=False, **kwargs)


def test_a_new_client_does_not_work_until_a_second_admin_approves_it(world):
    send_referral(world.own, world)
    client, token = _pending(world)
    assert client.awaits_approval
    # No role for its service account yet: nothing reads through it even around the token check.
    assert not Membership.objects.filter(user=client.user).exists()
    response = http(token).get(reverse("api:inbox"))
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/problem+json")
    assert "approv" in response.json()["detail"]
    refusal = AuditEvent.objects.filter(action=AuditAction.DENIED, object_id=str(client.pk)).latest("id")
    assert refusal.detail["reason"] == "awaits_approval" and refusal.actor_id == client.user_id

    services.api_client_approve(acting_user=second_admin(world, [world.own.programme]), client=client, version=1)
    assert http(token).get(reverse("api:inbox")).status_code == 200
    approval = AuditEvent.objects.filter(object_type="api.apiclient", object_id=str(client.pk)).latest("id")
    assert approval.detail["approved"] is True and approval.detail["requested_by"] == world.user("admin").pk


def test_the_creator_cannot_approve_their_own_client(world):
    client, token = _pending(world)
    with pytest.raises(ValidationError, match="Another administrator"):
        services.api_client_approve(acting_user=world.user("admin"), client=client, version=client.version)
    client.refresh_from_db()
    assert client.awaits_approval and client.approved_by is None
    assert http(token).get(reverse("api:inbox")).status_code == 403


def test_an_admin_of_another_programme_cannot_approve(world):
    client, _token = _pending(world)
    foreign_admin = second_admin(world, [world.foreign.programme], email="foreign-admin@example.test")
    with pytest.raises(ValidationError, match="admin of every programme"):
        services.api_client_approve(acting_user=foreign_admin, client=client, version=client.version)
    client.refresh_from_db()
    assert client.awaits_approval


def test_an_admin_of_only_one_of_the_clients_programmes_cannot_approve(world):
    # A client of both programmes, made by an admin of both; the approver administers only the own one.
    both = second_admin(world, [world.own.programme, world.foreign.programme], email="both@example.test")
    client, _token = services.api_client_create(
        acting_user=both,
        name="Regiosysteem",
        organisation=world.partner_organisation,
        programmes=[world.own.programme, world.foreign.programme],
        scopes=["referrals"],
    )
    with pytest.raises(ValidationError):
        services.api_client_approve(acting_user=world.user("admin"), client=client, version=client.version)
    assert ApiClient.objects.get(pk=client.pk).awaits_approval


def test_other_roles_and_the_service_account_itself_cannot_approve(world):
    client, _token = _pending(world)
    for role in ("case_manager", "partner", "privacy_officer", "manager", "coordinator"):
        with pytest.raises(ValidationError):
            services.api_client_approve(acting_user=world.user(role), client=client, version=client.version)
    with pytest.raises(ValidationError):
        services.api_client_approve(acting_user=client.user, client=client, version=client.version)
    assert ApiClient.objects.get(pk=client.pk).awaits_approval


def test_an_approval_with_a_stale_view_of_the_client_is_refused(world):
    client, token = _pending(world, scopes=["referrals"])
    seen = client.version
    # Meanwhile the creator widens the client (case data too): the approver never saw that.
    services.api_client_change_access(
        acting_user=world.user("admin"),
        client=client,
        programmes=[world.own.programme],
        scopes=["referrals", "case"],
        version=seen,
    )
    with pytest.raises(ConflictError):
        services.api_client_approve(acting_user=second_admin(world, [world.own.programme]), client=client, version=seen)
    assert ApiClient.objects.get(pk=client.pk).awaits_approval
    assert http(token).get(reverse("api:inbox")).status_code == 403


def test_a_revoked_or_already_approved_client_is_not_approved(world):
    client, _token = api_client_of(world)  # approved
    approver = second_admin(world, [world.own.programme])
    with pytest.raises(ValidationError, match="does not await"):
        services.api_client_approve(acting_user=approver, client=client, version=client.version)
    pending, _token = _pending(world, name="Tweede")
    services.api_client_revoke(acting_user=world.user("admin"), client=pending)
    with pytest.raises(ValidationError, match="revoked"):
        services.api_client_approve(acting_user=approver, client=pending, version=pending.version)


def test_a_widening_waits_for_a_second_admin_and_a_narrowing_does_not(world):
    send_referral(world.own, world)
    client, token = api_client_of(world, scopes=["referrals", "case"])
    assert http(token).get(reverse("api:households")).status_code == 200
    # Narrowing: at once, no approval needed, the dropped scope's role goes.
    client = services.api_client_change_access(
        acting_user=world.user("admin"), client=client, programmes=[world.own.programme], scopes=["referrals"],
        version=client.version,
    )  # fmt: skip
    assert not client.awaits_approval
    assert http(token).get(reverse("api:households")).status_code == 403
    assert set(Membership.objects.filter(user=client.user).values_list("role", flat=True)) == {"partner"}
    # Widening: the client stops until a second admin approves, and then has the new scope.
    client = services.api_client_change_access(
        acting_user=world.user("admin"), client=client, programmes=[world.own.programme],
        scopes=["referrals", "case"], version=client.version,
    )  # fmt: skip
    assert client.awaits_approval
    assert http(token).get(reverse("api:inbox")).status_code == 403
    with pytest.raises(ValidationError):  # the one who widened cannot approve the widening
        services.api_client_approve(acting_user=world.user("admin"), client=client, version=client.version)
    services.api_client_approve(
        acting_user=second_admin(world, [world.own.programme]), client=client, version=client.version
    )
    assert http(token).get(reverse("api:households")).status_code == 200
    update = AuditEvent.objects.filter(object_type="api.apiclient", detail__scopes_before=["referrals"]).get()
    assert update.actor_id == world.user("admin").pk and update.detail["awaits_approval"] is True


def test_widening_into_a_programme_the_admin_does_not_administer_is_refused(world):
    client, _token = api_client_of(world)
    with pytest.raises(ValidationError):
        services.api_client_change_access(
            acting_user=world.user("admin"), client=client,
            programmes=[world.own.programme, world.foreign.programme], scopes=["referrals"], version=client.version,
        )  # fmt: skip
    assert list(client.programmes.all()) == [world.own.programme]


def _run(*args) -> str:
    out = io.StringIO()
    call_command("api_client", *args, stdout=out)
    return out.getvalue()


def test_the_command_approves_but_not_for_the_creator_nor_a_stale_prefix(world):
    client, token = _pending(world)
    with pytest.raises(CommandError, match="Another administrator"):
        _run("approve", "--by", world.user("admin").email, client.token_prefix)
    assert "awaits approval" in _run("list")
    with pytest.raises(CommandError, match="Unknown"):
        _run("approve", "--by", second_admin(world, [world.own.programme]).email, "00000000")
    # A rotated client's old prefix is a stale id: it names nothing any more.
    old_prefix = client.token_prefix
    services.api_client_rotate(acting_user=world.user("admin"), client=client)
    with pytest.raises(CommandError, match="Unknown"):
        _run("approve", "--by", "second-admin@example.test", old_prefix)
    client.refresh_from_db()
    assert "Approved" in _run("approve", "--by", "second-admin@example.test", client.token_prefix)
    assert http(token).get(reverse("api:inbox")).status_code == 401  # the rotated token stays dead


def test_the_admins_who_may_approve_are_told_and_the_creator_and_others_are_not(world):
    from stijging.accounts.models import OutgoingEmail

    approver = second_admin(world, [world.own.programme])
    second_admin(world, [world.foreign.programme], email="foreign-admin@example.test")
    client, _token = _pending(world)
    mails = OutgoingEmail.objects.filter(dedup_key__startswith=f"api-client:{client.pk}:")
    assert list(mails.values_list("to", flat=True)) == [approver.email]
    assert reverse("beheer:api_apiclient_change", args=[client.pk]) in mails.get().body


def test_the_creator_cannot_approve_their_new_client_after_another_admin_widened_it(world):
    client, token = _pending(world, scopes=["referrals"])
    other = second_admin(world, [world.own.programme])
    client = services.api_client_change_access(
        acting_user=other, client=client, programmes=[world.own.programme], scopes=["referrals", "case"],
        version=client.version,
    )  # fmt: skip
    with pytest.raises(ValidationError, match="Another administrator"):
        services.api_client_approve(acting_user=world.user("admin"), client=client, version=client.version)
    with pytest.raises(ValidationError, match="Another administrator"):
        services.api_client_approve(acting_user=other, client=client, version=client.version)
    assert http(token).get(reverse("api:inbox")).status_code == 403
    # A third admin, who neither made nor widened it, may.
    third = second_admin(world, [world.own.programme], email="third-admin@example.test")
    services.api_client_approve(acting_user=third, client=client, version=client.version)
    assert http(token).get(reverse("api:inbox")).status_code == 200
