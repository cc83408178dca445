"""Writes of API clients: created, rotated and revoked by an admin of every programme the client
serves; each in one transaction with its audit event. The token is returned once and never kept.

The command (`stijging api_client`) and the admin pages (/beheer/) both act through these functions.
A new client, and a widening of its scopes or programmes, waits for a second person: another admin
of every programme of the client approves it (`api_client_approve`); until then the client's token
is refused (authentication.py) and its service account holds no new role."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from stijging.accounts import notifications
from stijging.accounts.models import Membership, Role, User
from stijging.concurrency import ConflictError
from stijging.privacy import audit
from stijging.privacy.models import AuditAction

from .models import SCOPE_ROLES, ApiClient, Scope, hash_token

TOKEN_LABEL = "stj"
SERVICE_DOMAIN = "api-clients.stijging.invalid"


def new_token() -> tuple[str, str]:
    """(public prefix, whole token): 32 random bytes behind a prefix that finds the row."""
    prefix = secrets.token_hex(4)
    return prefix, f"{TOKEN_LABEL}_{prefix}_{secrets.token_urlsafe(32)}"


def _require_admin(acting_user, programme_ids) -> None:
    admin_of = acting_user.programme_ids_with({Role.ADMIN})
    if not programme_ids or not set(programme_ids) <= admin_of:
        raise ValidationError(_("Only an admin of every programme of the client manages it."))


def _audit(acting_user, client: ApiClient, action: str, **detail) -> None:
    audit.record(
        actor=acting_user,
        action=action,
        obj=client,
        purpose="api_client",
        detail={"name": client.name, "prefix": client.token_prefix, **detail},
    )


def _grant_roles(client: ApiClient, programmes) -> None:
    for scope in client.scopes:
        role = SCOPE_ROLES.get(scope)
        if role is None:
            continue
        for programme in programmes:
            Membership.objects.get_or_create(user=client.user, programme=programme, role=role)


def _clean_scopes(scopes) -> list[str]:
    scopes = sorted(set(scopes))
    unknown = [s for s in scopes if s not in Scope.values]
    if not scopes or unknown:
        raise ValidationError({"scopes": _("Choose one or more scopes from the list.")})
    return scopes


def _notify_approvers(client: ApiClient, programme_ids: set[int], requested_by) -> None:
    """Tell the admins who may approve (admin of every programme of the client, not the one who
    asked); the e-mail holds a link only."""
    approvers = None
    for programme_id in programme_ids:
        admins = set(
            Membership.objects.filter(programme_id=programme_id, role=Role.ADMIN, user__is_active=True).values_list(
                "user_id", flat=True
            )
        )
        approvers = admins if approvers is None else approvers & admins
    link = notifications.absolute_link(reverse("beheer:api_apiclient_change", args=[client.pk]))
    with translation.override(settings.LANGUAGE_CODE):
        for user in User.objects.filter(pk__in=(approvers or set()) - {requested_by.pk}):
            notifications.queue(
                to=user.email,
                subject=str(_("An API client awaits your approval")),
                body=str(_("An API client is waiting for a second administrator in Stijging:\n%(link)s"))
                % {"link": link},
                dedup_key=f"api-client:{client.pk}:v{client.version}:{user.pk}",
            )


def _locked(client: ApiClient) -> ApiClient:
    """The client's row as it is now, locked to the end of the transaction: an approval and a
    widening of the same client happen one after the other, never interleaved."""
    return ApiClient.objects.select_for_update().get(pk=client.pk)


@transaction.atomic
def api_client_create(*, acting_user, name: str, organisation, programmes, scopes) -> tuple[ApiClient, str]:
    """A new client and its token (shown once)."""
    programmes = list(programmes)
    _require_admin(acting_user, [p.pk for p in programmes])
    scopes = _clean_scopes(scopes)
    if not name.strip():
        raise ValidationError({"name": _("Give the client a name.")})
    prefix, token = new_token()
    user = get_user_model().objects.create_user(
        email=f"api.{prefix}@{SERVICE_DOMAIN}",
        password=None,  # unusable: the account never logs in
        first_name=name.strip()[:150],
        organisation=organisation,
        is_service_account=True,
        created_by=acting_user,
    )
    client = ApiClient.objects.create(
        name=name.strip(),
        organisation=organisation,
        scopes=scopes,
        user=user,
        token_prefix=prefix,
        token_hash=hash_token(token),
        created_by=acting_user,
        awaits_approval=True,
        approval_requested_by=acting_user,
    )
    client.programmes.set(programmes)
    # No role yet: the service account gets its roles when a second admin approves the client.
    _audit(
        acting_user,
        client,
        AuditAction.CREATE,
        scopes=scopes,
        programme_ids=[p.pk for p in programmes],
        awaits_approval=True,
    )
    _notify_approvers(client, {p.pk for p in programmes}, acting_user)
    return client, token


@transaction.atomic
def api_client_approve(*, acting_user, client: ApiClient, version: int) -> ApiClient:
    """The second person: another admin of every programme of the client lets it work as it now is
    (`version`: the one the approver saw; a change since is refused, not approved unseen)."""
    client = _locked(client)
    programmes = list(client.programmes.all())
    _require_admin(acting_user, [p.pk for p in programmes])
    if not client.active:
        raise ValidationError(_("This client has been revoked."))
    if not client.awaits_approval:
        raise ValidationError(_("This client does not await approval."))
    # Not the one who asked for this change, nor — while the client was never approved — its creator
    # (another admin's widening of a new client does not let the creator approve their own client).
    askers = {client.approval_requested_by_id, client.user_id}
    if client.approved_at is None:
        askers.add(client.created_by_id)
    if acting_user.pk in askers:
        raise ValidationError(_("Another administrator approves this client: not the one who asked for it."))
    if version != client.version:
        raise ConflictError(_("The client was changed since you opened it: check it again before approving."))
    _grant_roles(client, programmes)
    now = timezone.now()
    ApiClient.objects.filter(pk=client.pk).update(awaits_approval=False, approved_by=acting_user, approved_at=now)
    client.refresh_from_db()
    _audit(
        acting_user,
        client,
        AuditAction.UPDATE,
        approved=True,
        requested_by=client.approval_requested_by_id,
        scopes=client.scopes,
        programme_ids=[p.pk for p in programmes],
    )
    return client


@transaction.atomic
def api_client_change_access(*, acting_user, client: ApiClient, programmes, scopes, version: int) -> ApiClient:
    """New scopes and programmes. A narrowing takes effect at once (the roles it drops go); a
    widening makes the client wait for a second admin again, and until then it does not work."""
    client = _locked(client)
    programmes = list(programmes)
    old_programme_ids = set(client.programmes.values_list("pk", flat=True))
    new_programme_ids = {p.pk for p in programmes}
    # The acting admin administers what the client had and what it gets.
    _require_admin(acting_user, old_programme_ids | new_programme_ids)
    if not client.active:
        raise ValidationError(_("This client has been revoked."))
    if version != client.version:
        raise ConflictError(_("The client was changed since you opened it: check it again."))
    scopes = _clean_scopes(scopes)
    widened = bool(set(scopes) - set(client.scopes) or new_programme_ids - old_programme_ids)
    # Roles the new access no longer covers go now, whatever else happens.
    kept_roles = {SCOPE_ROLES[s] for s in scopes if s in SCOPE_ROLES}
    Membership.objects.filter(user=client.user).exclude(
        role__in=kept_roles, programme_id__in=new_programme_ids
    ).delete()
    old_scopes = client.scopes
    client.programmes.set(programmes)
    update: dict = {"scopes": scopes, "version": client.version + 1}
    if widened:
        update |= {"awaits_approval": True, "approval_requested_by": acting_user}
    ApiClient.objects.filter(pk=client.pk).update(**update)
    client.refresh_from_db()
    if widened:
        _notify_approvers(client, new_programme_ids, acting_user)
    _audit(
        acting_user,
        client,
        AuditAction.UPDATE,
        scopes=scopes,
        scopes_before=old_scopes,
        programme_ids=sorted(new_programme_ids),
        programme_ids_before=sorted(old_programme_ids),
        awaits_approval=client.awaits_approval,
    )
    return client


@transaction.atomic
def api_client_rotate(*, acting_user, client: ApiClient) -> str:
    """A new token; the old one stops working at once."""
    _require_admin(acting_user, list(client.programmes.values_list("pk", flat=True)))
    if not client.active:
        raise ValidationError(_("This client has been revoked."))
    old_prefix = client.token_prefix
    prefix, token = new_token()
    ApiClient.objects.filter(pk=client.pk).update(
        token_prefix=prefix, token_hash=hash_token(token), rotated_at=timezone.now()
    )
    client.refresh_from_db()
    _audit(acting_user, client, AuditAction.UPDATE, rotated_from=old_prefix)
    return token


@transaction.atomic
def api_client_revoke(*, acting_user, client: ApiClient) -> ApiClient:
    """The client and its service account stop at once (an inactive account sees nothing)."""
    _require_admin(acting_user, list(client.programmes.values_list("pk", flat=True)))
    ApiClient.objects.filter(pk=client.pk).update(active=False, revoked_at=timezone.now())
    get_user_model().objects.filter(pk=client.user_id).update(is_active=False)
    client.refresh_from_db()
    _audit(acting_user, client, AuditAction.UPDATE, revoked=True)
    return client


@transaction.atomic
def api_client_set_webhook(*, acting_user, client: ApiClient, url: str) -> str:
    """Set (or, with an empty URL, remove) the client's webhook; returns its new signing secret,
    shown once. https only, unless STIJGING_WEBHOOK_ALLOW_HTTP (a development machine's receiver)."""
    _require_admin(acting_user, list(client.programmes.values_list("pk", flat=True)))
    url = url.strip()
    if url:
        URLValidator(schemes=["https", "http"] if settings.STIJGING_WEBHOOK_ALLOW_HTTP else ["https"])(url)
    secret = secrets.token_hex(32) if url else ""
    ApiClient.objects.filter(pk=client.pk).update(webhook_url=url, webhook_secret=secret)
    client.refresh_from_db()
    _audit(acting_user, client, AuditAction.UPDATE, webhook_url=url)
    return secret
