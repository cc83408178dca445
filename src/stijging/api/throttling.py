"""A rate limit per API client (not per address: a partner's system may sit behind one NAT with
others), counted in the project's cache, which every server worker shares."""

from __future__ import annotations

from rest_framework.throttling import SimpleRateThrottle

from .models import ApiClient


class ApiClientRateThrottle(SimpleRateThrottle):
    scope = "api_client"

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiClient):
            return None  # unauthenticated requests are refused before they cost anything
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
