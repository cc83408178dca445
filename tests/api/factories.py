"""API clients for tests: made through the service, by the world's admin of the own programme."""

from __future__ import annotations

from rest_framework.test import APIClient

from stijging.api import services


def api_client_of(world, scopes=("referrals",), *, organisation=None, programmes=None, name="GGD-systeem"):
    """(ApiClient, token): by default the world's partner organisation (GGD) in the own programme."""
    return services.api_client_create(
        acting_user=world.user("admin"),
        name=name,
        organisation=organisation or world.partner_organisation,
        programmes=programmes or [world.own.programme],
        scopes=list(scopes),
    )


def http(token: str | None) -> APIClient:
    """A DRF test client that sends the token the way the documentation says."""
    client = APIClient()
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client
