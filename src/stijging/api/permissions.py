"""One permission per scope: the view names the scope it needs (`required_scope`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from stijging.privacy import audit

from .models import ApiClient


class HasScope(permissions.BasePermission):
    message = _("This client does not have the scope this endpoint needs.")

    def has_permission(self, request, view) -> bool:
        client = request.auth
        if not isinstance(client, ApiClient):
            return False  # DRF answers 401: no (valid) token
        scope = getattr(view, "required_scope", None)
        if scope is None or client.has_scope(scope):
            return True
        audit.record_denied(
            actor=request.user, object_type=f"api:{scope}", detail={"status": 403, "client": client.token_prefix}
        )
        return False
