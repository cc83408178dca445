"""Walks every URL pattern of the project against the declarative access table
(src/stijging/access_table.py) for all seven roles, a user without membership and an anonymous
visitor, on an object of the user's own programme and on one of a foreign programme."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from stijging import access_table
from stijging.privacy.models import AuditAction, AuditEvent, LegalGround

from .cohesion.factories import activity_of, hours_of, participant_of, wave_of
from .conversations.factories import conversation_of
from .privacy.factories import subject_request_of
from .referrals.factories import referral_of
from .trajectories.factories import proposal_of, trajectory_of

# Pages that show persons only for a question: the walker asks one (the world's persons are "…sen").
QUERY_STRINGS = {"registry:search": "?q=sen", "privacy:lookup": "?name=sen"}
DUMMY_VALUES = {"app_label": "accounts", "uidb36": "1", "key": "x-set-password", "content_type_id": "1", "url": "x"}


def url_patterns():
    """(name, pattern, argument names) for every URL pattern, with namespaces."""

    def walk(patterns, namespace=None, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = pattern.namespace
                full_ns = f"{namespace}:{ns}" if namespace and ns else ns or namespace
                yield from walk(pattern.url_patterns, full_ns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
                regex = pattern.pattern.regex
                yield name, prefix + str(pattern.pattern), list(regex.groupindex)

    return list(walk(get_resolver().url_patterns))


ALL_NAMED = [(name, route, args) for name, route, args in url_patterns() if name]
# The API's URLs are walked with client tokens against the API table (tests/api/test_api_access_table.py).
NAMED = [(name, route, args) for name, route, args in ALL_NAMED if not name.startswith("api:")]


def test_every_url_pattern_has_a_row_in_the_access_table():
    missing = [name for name, _route, _args in NAMED if access_table.row_for(name) is None]
    assert not missing, f"URLs without a row in the access table: {missing}"
    api_missing = [
        name for name, _route, _args in ALL_NAMED if name.startswith("api:") and access_table.api_row_for(name) is None
    ]
    assert not api_missing, f"API URLs without a row in the API access table: {api_missing}"


def test_unnamed_url_patterns_are_only_the_admin_sites_own():
    unnamed = [route for name, route, _args in url_patterns() if not name]
    assert unnamed, "expected the admin site's unnamed catch-all patterns"
    assert all(route.startswith("beheer/") for route in unnamed), unnamed


def test_every_row_names_a_url_that_exists():
    names = {name for name, _route, _args in ALL_NAMED}
    rows = [*access_table.rows(), *access_table.api_rows()]
    stale = [row.url for row in rows if not any(row.matches(name) for name in names)]
    assert not stale, f"access table rows for URLs that no longer exist: {stale}"


def _kwargs(kind: str, site, world, arg_names: list[str]) -> dict:
    if kind == "programme":
        return {"slug": site.programme.slug}
    if kind == "area":
        return {"slug": site.programme.slug, "area_id": site.area.pk}
    if kind == "street":
        return {"slug": site.programme.slug, "area_id": site.area.pk, "street_id": site.street.pk}
    if kind == "address":
        return {"address_id": site.empty_address.pk}
    if kind == "household":
        return {"household_id" if "household_id" in arg_names else "pk": site.household.pk}
    if kind == "person":
        return {"pk": site.adult.pk}
    if kind == "consent":
        return {"pk": site.consent.pk}
    if kind == "appointment":
        return {"pk": site.appointment.pk}
    if kind == "conversation":
        return {"pk": conversation_of(site, world).pk}
    if kind == "interview":
        return {"pk": conversation_of(site, world).interviews.order_by("pk").first().pk, "section": "domains"}
    if kind == "legalground":
        return {"pk": LegalGround.objects.order_by("pk").first().pk}
    if kind == "proposal":
        return {"pk": proposal_of(site, world).pk}
    if kind == "trajectory":
        return {"pk": trajectory_of(site, world).pk}
    if kind == "action":
        return {"pk": _action_of(site, world).pk}
    if kind == "referral":
        return {"pk": referral_of(site, world).pk}
    if kind == "referredperson":
        return {"pk": referral_of(site, world).person_id}
    if kind == "activity":
        return {"pk": activity_of(site, world).pk}
    if kind == "participant":
        return {"pk": participant_of(site, world).pk}
    if kind == "hours":
        return {"pk": hours_of(site, world).pk}
    if kind == "wave":
        return {"pk": wave_of(site, world).pk}
    if kind == "subjectrequest":
        return {"pk": subject_request_of(site, world).pk}
    if kind == "any":
        return {arg: DUMMY_VALUES.get(arg, str(world.own.programme.pk)) for arg in arg_names}
    return {}


def _action_of(site, world):
    import datetime

    from stijging.trajectories import services as trajectory_services

    trajectory = trajectory_of(site, world)
    return trajectory.actions.order_by("pk").first() or trajectory_services.action_add(
        acting_user=trajectory.case_manager,
        trajectory=trajectory,
        description="Bellen",
        owner=trajectory.case_manager,
        due_date=datetime.date(2026, 12, 1),
    )


def _targets(row, world, arg_names):
    """(label, kwargs): own and foreign for programme-bound objects; one target otherwise."""
    if row.object in {
        "programme",
        "area",
        "street",
        "address",
        "household",
        "person",
        "consent",
        "appointment",
        "conversation",
        "interview",
        "proposal",
        "trajectory",
        "action",
        "referral",
        "referredperson",
        "activity",
        "participant",
        "hours",
        "wave",
        "subjectrequest",
    }:
        return [
            ("own", _kwargs(row.object, world.own, world, arg_names)),
            ("foreign", _kwargs(row.object, world.foreign, world, arg_names)),
        ]
    return [("-", _kwargs(row.object, world.own, world, arg_names))]


def _last_event_id() -> int:
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    return last or 0


# Who may read which names (content, not only status codes). The world's residents are "Anna/Bram
# Ownsen" of the "Own family" and "Anna/Bram Foreignsen" of the "Foreign family"; its participants
# "Noor Ownberg" and "Noor Foreignberg".
FOREIGN_NAMES = ("Foreignsen", "Foreign family", "Noor Foreignberg")
OWN_RESIDENTS = ("Anna Ownsen", "Bram Ownsen", "Own family")
# Pages where a partner sees the own adult, referred to their organisation: never the child.
PARTNER_REFERRAL_PAGES = {"referrals:referral", "referrals:person", "referrals:inbox"}


def forbidden_names(who: str, name: str) -> tuple[str, ...]:
    """The names that must not appear on a page `who` may open."""
    if who in ("fieldworker", "case_manager"):
        return FOREIGN_NAMES
    if who == "partner" and name in PARTNER_REFERRAL_PAGES:
        return (*FOREIGN_NAMES, "Bram Ownsen", "Own family")
    if who == "privacy_officer" and name.startswith("privacy:"):
        return FOREIGN_NAMES  # the desk finds and shows the own programme's persons, no one else
    if who == "coordinator":
        return (*FOREIGN_NAMES, *OWN_RESIDENTS)
    return (*FOREIGN_NAMES, *OWN_RESIDENTS, "Noor Ownberg")


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("name,route,arg_names", NAMED, ids=[name for name, _r, _a in NAMED])
def test_url_obeys_the_access_table(name, route, arg_names, world, client):
    row = access_table.row_for(name)
    assert row is not None, f"{name} has no row in the access table"
    for who in access_table.COLUMNS:
        user = None if who == "anon" else world.users["no_membership" if who == "none" else who]
        client.logout()
        if user is not None:
            client.force_login(user)
        rule = row.rule_for(who)
        for label, kwargs in _targets(row, world, arg_names):
            url = reverse(name, kwargs=kwargs) + QUERY_STRINGS.get(name, "")
            for method in ("get", "post"):
                before = _last_event_id()
                response = getattr(client, method)(url)
                context = f"{method.upper()} {url} as {who} ({label}): {response.status_code}"
                assert response.status_code != 500, context
                new_events = list(AuditEvent.objects.filter(id__gt=before))
                if response.status_code == 405:
                    continue  # this method is not offered; the other one is checked
                if who == "anon":
                    if rule == "login":
                        assert _is_login_redirect(response), context
                    else:
                        assert response.status_code not in (403, 500), context
                    continue
                allowed = rule == "yes" or (rule == "own" and label == "own")
                if allowed:
                    assert not _is_login_redirect(response), context
                    # Our refusals are always audited; a third-party view may answer 403/404 to the
                    # dummy arguments it gets here, which is not a refusal of the role.
                    assert not [e for e in new_events if e.action == AuditAction.DENIED], context
                    if row.object != "any":
                        assert response.status_code not in (403, 404), context
                    if response.status_code == 200 and "html" in response.get("Content-Type", ""):
                        html = response.content.decode()
                        shown = [n for n in forbidden_names(who, name) if n in html]
                        assert not shown, f"{context}: shows {shown}"
                    if method == "get" and row.audits != "no":
                        actions = [event.action for event in new_events if event.outcome == "ok"]
                        assert row.audits in actions, f"{context}: no '{row.audits}' audit event, got {actions}"
                else:
                    expected = 404 if row.object not in {"-", "any", "legalground"} else 403
                    assert response.status_code == expected, f"{context}, expected {expected}"
                    denied = [e for e in new_events if e.action == AuditAction.DENIED and e.outcome == "denied"]
                    assert denied, f"{context}: the refusal left no audit event"
                    assert denied[0].actor_id == user.pk, context
