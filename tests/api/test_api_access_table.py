"""Walks every API URL against the API access table (src/stijging/access_table.py, API_TABLE): no
token, and one client per scope, on an object of the client's own programme and organisation and on
a foreign one; and every web role's browser session, which the API never accepts."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from stijging import access_table
from stijging.privacy.models import AuditAction, AuditEvent

from ..referrals.factories import referral_of
from ..test_access_table import ALL_NAMED
from .factories import api_client_of, http

API_NAMED = [(name, route, args) for name, route, args in ALL_NAMED if name.startswith("api:")]


def _kwargs(kind: str, site, world) -> dict:
    if kind == "referral":
        return {"pk": referral_of(site, world).pk}
    if kind == "household":
        return {"pk": site.household.pk}
    if kind == "person":
        return {"pk": site.adult.pk}
    if kind == "programme":
        return {"slug": site.programme.slug}
    if kind == "area":
        return {"slug": site.programme.slug, "area_id": site.area.pk}
    raise AssertionError(f"no targets for API object {kind!r}")


def _targets(row, world):
    if row.object == "-":
        return [("-", {})]
    return [("own", _kwargs(row.object, world.own, world)), ("foreign", _kwargs(row.object, world.foreign, world))]


def _last_event_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def test_the_api_has_urls_and_every_one_a_row():
    assert API_NAMED
    assert all(access_table.api_row_for(name) for name, _r, _a in API_NAMED)


@pytest.mark.parametrize("name,route,arg_names", API_NAMED, ids=[name for name, _r, _a in API_NAMED])
def test_api_url_obeys_the_api_access_table(name, route, arg_names, world):
    row = access_table.api_row_for(name)
    tokens = {"anon": None}
    for scope in access_table.API_SCOPES:
        client, token = api_client_of(world, scopes=[scope], name=f"client {scope}")
        tokens[scope] = token
    for who in access_table.API_COLUMNS:
        api = http(tokens[who])
        rule = row.rule_for(who)
        for label, kwargs in _targets(row, world):
            url = reverse(name, kwargs=kwargs)
            for method in ("get", "post"):
                before = _last_event_id()
                response = getattr(api, method)(url, **({"format": "json"} if method == "post" else {}))
                context = f"{method.upper()} {url} as {who} ({label}): {response.status_code}"
                assert response.status_code < 500, context
                assert response["API-Version"] == "1.0.0", context
                if response.status_code == 405:
                    continue
                new_events = list(AuditEvent.objects.filter(id__gt=before))
                if rule == "401":
                    assert response.status_code == 401, context
                    assert response["Content-Type"] == "application/problem+json", context
                    continue
                allowed = rule == "yes" or (rule == "own" and label == "own")
                if allowed:
                    assert response.status_code not in (401, 403, 404), context
                    assert not [e for e in new_events if e.action == AuditAction.DENIED], context
                    if method == "get" and row.audits != "no":
                        actions = [e.action for e in new_events if e.outcome == "ok"]
                        assert row.audits in actions, f"{context}: no '{row.audits}' audit event, got {actions}"
                    if method == "get" and who == "referrals":
                        # The partner's own adult only: never the foreign family, never the child.
                        body = response.content.decode()
                        assert "Foreignsen" not in body and "Bram" not in body, context
                    if method == "get":
                        assert "Foreignsen" not in response.content.decode(), context
                else:
                    expected = 403 if rule == "-" else 404
                    assert response.status_code == expected, f"{context}, expected {expected}"
                    assert response["Content-Type"] == "application/problem+json", context
                    denied = [e for e in new_events if e.action == AuditAction.DENIED]
                    assert denied, f"{context}: the refusal left no audit event"
                    assert denied[0].actor.api_client is not None, context
                    assert "Ownsen" not in response.content.decode() and "Foreignsen" not in response.content.decode()


@pytest.mark.parametrize("name,route,arg_names", API_NAMED, ids=[name for name, _r, _a in API_NAMED])
def test_no_browser_session_opens_the_api(name, route, arg_names, world):
    row = access_table.api_row_for(name)
    if row.rule_for("anon") == "yes":
        return  # the published documentation is public
    web = Client()
    for who in (*access_table.ROLES, "no_membership"):
        web.force_login(world.users[who])
        for _label, kwargs in _targets(row, world):
            for method in ("get", "post"):
                response = getattr(web, method)(reverse(name, kwargs=kwargs))
                assert response.status_code in (401, 405), f"{method} {name} as {who}: {response.status_code}"
