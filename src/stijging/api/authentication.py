"""Token authentication of API clients: `Authorization: Bearer stj_<prefix>_<secret>`.

The token travels only in the header, never in a URL (Logius API design rules). The prefix finds
the row; the SHA-256 of the whole token is compared in constant time. A revoked client, or one whose
service account was deactivated, is refused like an unknown token. A client that awaits a second
administrator's approval (models.ApiClient.awaits_approval) holds a valid token that does not work
yet: 403, saying so, so its integrator knows whom to ask.
"""

from __future__ import annotations

import datetime
import hmac

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from stijging.privacy import audit
from stijging.privacy.models import AuditAction, AuditOutcome

from .models import ApiClient, hash_token

KEYWORD = "Bearer"
# "Last used" on the admin page is kept to the minute: at most one UPDATE a minute per client.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


class ApiClientAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        keyword, _space, token = header.partition(" ")
        if keyword != KEYWORD or not token.strip():
            raise exceptions.AuthenticationFailed(_("Send the token as: Authorization: Bearer <token>."))
        token = token.strip()
        parts = token.split("_", 2)
        client = None
        if len(parts) == 3:
            client = ApiClient.objects.select_related("user", "organisation").filter(token_prefix=parts[1]).first()
        if (
            client is None
            or not hmac.compare_digest(client.token_hash, hash_token(token))
            or not client.active
            or not client.user.is_active
        ):
            # A refused token is a security event: logged without the token itself.
            audit.record(
                actor=None,
                action=AuditAction.DENIED,
                object_type="api.apiclient",
                object_id=client.pk if client else "",
                outcome=AuditOutcome.DENIED,
                detail={"status": 401, "reason": "token"},
            )
            raise exceptions.AuthenticationFailed(_("This token is not valid (unknown, rotated or revoked)."))
        if client.awaits_approval:
            audit.record(
                actor=client.user,
                action=AuditAction.DENIED,
                obj=client,
                outcome=AuditOutcome.DENIED,
                detail={"status": 403, "reason": "awaits_approval"},
            )
            raise exceptions.PermissionDenied(
                _(
                    "This client awaits approval by a second administrator of its programmes; "
                    "its token works once it is approved."
                )
            )
        now = timezone.now()
        if client.last_used_at is None or now - client.last_used_at >= LAST_USED_PRECISION:
            ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
        return client.user, client

    def authenticate_header(self, request) -> str:
        return f'{KEYWORD} realm="api"'
