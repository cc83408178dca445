"""Writes of API clients: created, rotated and revoked by an admin of every programme the client
serves; each in one transaction with its audit event. The token is returned once and never kept."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stijging.accounts.models import Membership, Role
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


@transaction.atomic
def api_client_create(*, acting_user, name: str, organisation, programmes, scopes) -> tuple[ApiClient, str]:
    """A new client and its token (shown once)."""
    programmes = list(programmes)
    _require_admin(acting_user, [p.pk for p in programmes])
    scopes = sorted(set(scopes))
    unknown = [s for s in scopes if s not in Scope.values]
    if not scopes or unknown:
        raise ValidationError({"scopes": _("Choose one or more scopes from the list.")})
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
    )
    client.programmes.set(programmes)
    _grant_roles(client, programmes)
    _audit(acting_user, client, AuditAction.CREATE, scopes=scopes, programme_ids=[p.pk for p in programmes])
    return client, token


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
