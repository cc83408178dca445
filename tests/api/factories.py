"""API clients for tests: made through the service, by the world's admin of the own programme, and
approved (unless asked not to) by a second admin of the client's programmes, as the rule wants."""

from __future__ import annotations

from rest_framework.test import APIClient

from stijging.api import services

from ..accounts.factories import MembershipFactory, UserFactory


def second_admin(world, programmes, email="second-admin@example.test"):
    """Another admin of every one of `programmes` (made once per e-mail)."""
    from stijging.accounts.models import User

    user = User.objects.filter(email=email).first() or UserFactory(
        email=email, organisation=world.user("admin").organisation
    )
    for programme in programmes:
        if not user.memberships.filter(programme=programme, role="admin").exists():
            MembershipFactory(user=user, programme=programme, role="admin")
    return User.objects.get(pk=user.pk)  # its cached memberships fresh


def api_client_of(
    world, scopes=("referrals",), *, organisation=None, programmes=None, name="GGD-systeem", approved=True
):
    """(ApiClient, token): by default the world's partner organisation (GGD) in the own programme."""
    programmes = programmes or [world.own.programme]
    client, token = services.api_client_create(
        acting_user=world.user("admin"),
        name=name,
        organisation=organisation or world.partner_organisation,
        programmes=programmes,
        scopes=list(scopes),
    )
    if approved:
        client = services.api_client_approve(
            acting_user=second_admin(world, programmes), client=client, version=client.version
        )
    return client, token


def http(token: str | None) -> APIClient:
    """A DRF test client that sends the token the way the documentation says."""
    client = APIClient()
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client
