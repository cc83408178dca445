"""`stijging api_client`: an admin creates, rotates and revokes a client; the token is printed once."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from stijging.api.models import ApiClient

from ..referrals.factories import send_referral
from .factories import http, second_admin


def _run(*args) -> str:
    out = io.StringIO()
    call_command("api_client", *args, stdout=out)
    return out.getvalue()


def test_create_rotate_revoke_from_the_command_line(world):
    send_referral(world.own, world)
    admin = world.user("admin").email
    out = _run(
        "create", "--by", admin, "--name", "GGD-systeem", "--organisation", world.partner_organisation.name,
        "--programme", world.own.programme.slug, "--scope", "referrals",
    )  # fmt: skip
    token = out.strip().splitlines()[-1]
    client = ApiClient.objects.get()
    assert token.startswith(f"stj_{client.token_prefix}_")
    assert http(token).get(reverse("api:inbox")).status_code == 403  # until a second admin approves it
    _run("approve", "--by", second_admin(world, [world.own.programme]).email, client.token_prefix)
    assert http(token).get(reverse("api:inbox")).status_code == 200
    assert client.token_prefix in _run("list") and token not in _run("list")
    new = _run("rotate", "--by", admin, client.token_prefix).strip().splitlines()[-1]
    assert http(token).get(reverse("api:inbox")).status_code == 401
    assert http(new).get(reverse("api:inbox")).status_code == 200
    client.refresh_from_db()
    _run("revoke", "--by", admin, client.token_prefix)
    assert http(new).get(reverse("api:inbox")).status_code == 401


def test_the_command_refuses_someone_who_is_not_an_admin_of_the_programme(world):
    with pytest.raises(CommandError, match="admin"):
        _run(
            "create", "--by", world.user("case_manager").email, "--name", "x",
            "--organisation", world.partner_organisation.name, "--programme", world.own.programme.slug,
            "--scope", "referrals",
        )  # fmt: skip
    assert not ApiClient.objects.exists()
