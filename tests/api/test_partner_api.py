"""The partner's API: inbox, referral, transitions; problem details, ETag/If-Match, audit, scope,
rate limit. Each access rule first as an attacker would try it."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from stijging.api.models import ApiClient
from stijging.privacy.models import AuditAction, AuditEvent
from stijging.privacy.services import consent_withdraw
from stijging.referrals import selectors as referral_selectors
from stijging.referrals import services as referral_services
from stijging.referrals.models import Referral

from ..referrals.factories import send_referral
from .factories import api_client_of, http

PROBLEM = "application/problem+json"


def _events_since(last_id: int):
    return list(AuditEvent.objects.filter(id__gt=last_id).order_by("id"))


def _last_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


# --- The integrator's walk: only the published documentation --------------------------------------


def test_a_partner_system_reads_its_inbox_accepts_and_reports_the_outcome_from_the_docs_alone(world):
    referral = send_referral(world.own, world)
    _client, token = api_client_of(world)
    api = http(token)
    # What a new integrator has: the published OpenAPI document and the docs page.
    schema = Client().get("/api/v1/openapi.json").json()
    assert Client().get("/api/v1/docs/").status_code == 200
    # The operations of the `referrals` tag: the inbox (a list), a referral, and its steps.
    ops = [
        (path, method, op)
        for path, item in schema["paths"].items()
        for method, op in item.items()
        if "referrals" in op.get("tags", [])
    ]
    inbox_path = next(p for p, m, _op in ops if m == "get" and "{" not in p)
    detail_path = next(p for p, m, _op in ops if m == "get" and "{" in p)
    step_path = next(p for p, m, _op in ops if m == "post")
    assert schema["components"]["securitySchemes"]["bearerToken"]["scheme"] == "bearer"

    inbox = api.get(inbox_path, {"status": "sent"})
    assert inbox.status_code == 200, inbox.content
    assert [row["id"] for row in inbox.json()["results"]] == [referral.pk]

    read = api.get(detail_path.replace("{id}", str(referral.pk)))
    assert read.status_code == 200 and read.json()["next_steps"] == ["accepted", "declined"]
    etag = read["ETag"]
    for body in (
        {"to_status": "accepted"},
        {"to_status": "in_progress"},
        {"to_status": "completed", "code": "help_given"},
    ):
        step = api.post(step_path.replace("{id}", str(referral.pk)), body, format="json", HTTP_IF_MATCH=etag)
        assert step.status_code == 200, step.content
        assert step.json()["status"] == body["to_status"]
        assert step["ETag"] != etag
        etag = step["ETag"]

    # The case manager sees it in the web at once.
    web = Client()
    web.force_login(world.user("case_manager"))
    page = web.get(reverse("referrals:referral", args=[referral.pk])).content.decode()
    assert "completed" in page and "help given" in page
    referral.refresh_from_db()
    assert (referral.status, referral.code) == ("completed", "help_given")
    # The steps were taken by the client's service account, through the service (its event row).
    assert list(referral.events.values_list("to_status", flat=True)) == ["sent", "accepted", "in_progress", "completed"]
    assert referral.events.order_by("-id").first().by.api_client.token_prefix


def test_the_referral_shows_exactly_what_the_partner_page_shows(world):
    referral = send_referral(world.own, world)
    _client, token = api_client_of(world)
    data = http(token).get(reverse("api:referral", args=[referral.pk])).json()
    assert set(data) == {
        "id", "organisation", "status", "code", "code_text", "overdue", "priority", "answer_due_on", "person",
        "address", "domain", "question", "case_manager", "sent_at", "assigned_to", "events", "next_steps", "version",
    }  # fmt: skip
    assert set(data["person"]) == {"id", "name", "date_of_birth", "phone"}
    assert data["person"]["name"] == "Anna Ownsen"
    assert data["address"]["street"] == "Ownstraat"
    # Neither the consent nor the legal ground (the web shows them to the case side only).
    assert "consent" not in str(data).lower()
    # ISO 8601 date-times with their offset.
    assert datetime.datetime.fromisoformat(data["sent_at"]).utcoffset() is not None
    assert data["answer_due_on"] == referral.answer_due_on.isoformat()


# --- Access: as an attacker would try it --------------------------------------------------------------


def test_a_foreign_referral_is_404_and_audited_read_and_write(world):
    foreign = send_referral(world.foreign, world)
    _client, token = api_client_of(world)
    api = http(token)
    before = _last_id()
    response = api.get(reverse("api:referral", args=[foreign.pk]))
    assert response.status_code == 404 and response["Content-Type"] == PROBLEM
    step = api.post(
        reverse("api:referral_transition", args=[foreign.pk]),
        {"to_status": "accepted"},
        format="json",
        HTTP_IF_MATCH=f'"referral-{foreign.pk}-v1"',
    )
    assert step.status_code == 404
    denied = [e for e in _events_since(before) if e.action == AuditAction.DENIED]
    assert len(denied) == 2 and all(e.object_id == str(foreign.pk) for e in denied)
    foreign.refresh_from_db()
    assert foreign.status == "sent"


def test_a_client_of_another_organisation_in_the_same_programme_sees_nothing(world):
    referral = send_referral(world.own, world)  # to GGD
    _client, token = api_client_of(world, organisation=world.other_partner_organisation, name="GGZ-systeem")
    api = http(token)
    assert api.get(reverse("api:inbox")).json()["results"] == []
    assert api.get(reverse("api:referral", args=[referral.pk])).status_code == 404


def test_a_client_of_the_right_organisation_but_another_programme_sees_nothing(world):
    send_referral(world.foreign, world, organisation=world.partner_organisation)  # GGD, foreign programme
    _client, token = api_client_of(world)  # GGD, own programme
    assert http(token).get(reverse("api:inbox")).json()["results"] == []


def test_withdrawn_consent_is_gone_with_nothing_of_the_person(world):
    referral = send_referral(world.own, world)
    _client, token = api_client_of(world)
    consent_withdraw(
        acting_user=world.user("case_manager"), consent=referral.consent, withdrawn_on=timezone.localdate()
    )
    response = http(token).get(reverse("api:referral", args=[referral.pk]))
    assert response.status_code == 410 and response["Content-Type"] == PROBLEM
    assert "Ownsen" not in response.content.decode()
    assert http(token).get(reverse("api:inbox")).json()["results"] == []


def test_without_the_scope_it_is_403_and_audited(world):
    _client, token = api_client_of(world, scopes=["figures"])
    before = _last_id()
    response = http(token).get(reverse("api:inbox"))
    assert response.status_code == 403 and response["Content-Type"] == PROBLEM
    assert [e.action for e in _events_since(before)] == [AuditAction.DENIED]


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer stj_deadbeef_nothing", "Token abc", "Basic dXNlcjpwYXNz"],
)
def test_without_a_valid_token_it_is_401_problem_with_a_challenge(world, header):
    send_referral(world.own, world)
    client = http(None)
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(reverse("api:inbox"))
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response["WWW-Authenticate"].startswith("Bearer")
    body = response.json()
    assert body["status"] == 401 and body["title"] and body["instance"] == "/api/v1/referrals/"
    assert response["API-Version"] == "1.0.0"


def test_a_session_of_a_logged_in_partner_does_not_open_the_api(world):
    send_referral(world.own, world)
    web = Client()
    web.force_login(world.user("partner"))
    assert web.get(reverse("api:inbox")).status_code == 401


def test_a_rotated_token_stops_at_once_and_a_revoked_client_is_refused(world):
    from stijging.api import services

    send_referral(world.own, world)
    client, old = api_client_of(world)
    new = services.api_client_rotate(acting_user=world.user("admin"), client=client)
    assert http(old).get(reverse("api:inbox")).status_code == 401
    assert http(new).get(reverse("api:inbox")).status_code == 200
    services.api_client_revoke(acting_user=world.user("admin"), client=client)
    assert http(new).get(reverse("api:inbox")).status_code == 401


def test_the_token_is_kept_only_as_a_hash(world):
    client, token = api_client_of(world)
    row = ApiClient.objects.filter(pk=client.pk).values().get()
    assert token not in str(row)
    assert row["token_hash"] != token and len(row["token_hash"]) == 64
    assert token.startswith(f"stj_{client.token_prefix}_")


@pytest.mark.parametrize("who", ["partner", "case_manager", "manager", "privacy_officer"])
def test_only_an_admin_of_every_programme_manages_clients(world, who):
    from django.core.exceptions import ValidationError

    from stijging.api import services

    with pytest.raises(ValidationError):
        services.api_client_create(
            acting_user=world.user(who),
            name="x",
            organisation=world.partner_organisation,
            programmes=[world.own.programme],
            scopes=["referrals"],
        )
    client, _token = api_client_of(world)
    with pytest.raises(ValidationError):
        services.api_client_rotate(acting_user=world.user(who), client=client)
    with pytest.raises(ValidationError):
        services.api_client_revoke(acting_user=world.user(who), client=client)
    # An admin of the own programme only cannot serve the foreign one too.
    with pytest.raises(ValidationError):
        api_client_of(world, programmes=[world.own.programme, world.foreign.programme])


def test_the_service_account_never_logs_in_and_is_no_colleague_to_mail(world):
    client, _token = api_client_of(world)
    assert not client.user.has_usable_password()
    assert client.user not in referral_selectors.colleagues_of(world.user("partner"), world.own.programme.pk)
    assert client.user not in referral_services.partner_users(world.partner_organisation.pk, world.own.programme.pk)
    # Even with a password an administrator set, it never signs in through the login page.
    client.user.set_password("a password someone set by hand")
    client.user.save()
    web = Client()
    web.post(reverse("account_login"), {"login": client.user.email, "password": "a password someone set by hand"})
    assert "_auth_user_id" not in web.session
    assert web.get(reverse("home")).status_code == 302


# --- Writes: ETag / If-Match, problem details, one write path -----------------------------------


def _step(api, referral, body, **headers):
    return api.post(reverse("api:referral_transition", args=[referral.pk]), body, format="json", **headers)


def test_a_step_without_if_match_is_428_and_changes_nothing(world):
    referral = send_referral(world.own, world)
    _client, token = api_client_of(world)
    response = _step(http(token), referral, {"to_status": "accepted"})
    assert response.status_code == 428 and response["Content-Type"] == PROBLEM
    assert Referral.objects.get(pk=referral.pk).status == "sent"


def test_a_stale_etag_is_412_and_does_not_overwrite_the_other_change(world):
    referral = send_referral(world.own, world)
    _client, token = api_client_of(world)
    api = http(token)
    etag = api.get(reverse("api:referral", args=[referral.pk]))["ETag"]
    # Meanwhile a colleague declines it in the web.
    referral_services.referral_transition(
        acting_user=world.user("partner"),
        referral=referral,
        version=referral.version,
        to_status="declined",
        side="partner",
        code="no_capacity",
    )
    response = _step(api, referral, {"to_status": "accepted"}, HTTP_IF_MATCH=etag)
    assert response.status_code == 412 and response["Content-Type"] == PROBLEM
    referral.refresh_from_db()
    assert (referral.status, referral.code) == ("declined", "no_capacity")


def test_a_decline_needs_a_reason_code_a_clear_400(world):
    referral = send_referral(world.own, world)
    _client, token = api_client_of(world)
    api = http(token)
    etag = api.get(reverse("api:referral", args=[referral.pk]))["ETag"]
    response = _step(api, referral, {"to_status": "declined"}, HTTP_IF_MATCH=etag)
    assert response.status_code == 400 and response["Content-Type"] == PROBLEM
    assert response.json()["errors"][0]["field"] == "code"
    ok = _step(api, referral, {"to_status": "declined", "code": "no_capacity"}, HTTP_IF_MATCH=etag)
    assert ok.status_code == 200 and ok.json()["code"] == "no_capacity"


def test_a_step_the_state_machine_does_not_allow_is_400(world):
    referral = send_referral(world.own, world)
    _client, token = api_client_of(world)
    api = http(token)
    etag = api.get(reverse("api:referral", args=[referral.pk]))["ETag"]
    response = _step(api, referral, {"to_status": "completed", "code": "help_given"}, HTTP_IF_MATCH=etag)
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "to_status"
    bogus = _step(api, referral, {"to_status": "withdrawn", "code": "other"}, HTTP_IF_MATCH=etag)
    assert bogus.status_code == 400  # the case side's step is not offered to a partner at all


def test_errors_are_in_dutch_for_a_dutch_client(world):
    referral = send_referral(world.own, world)
    _client, token = api_client_of(world)
    response = _step(http(token), referral, {"to_status": "accepted"}, HTTP_ACCEPT_LANGUAGE="nl")
    assert response.status_code == 428
    assert "If-Match" in response.json()["detail"] and "Stuur" in response.json()["detail"]


# --- Lists: filters and the cursor ------------------------------------------------------------------


def test_the_inbox_filters_on_status_and_changed_since_and_pages_by_cursor(world):
    referrals = [send_referral(world.own, world) for _ in range(3)]
    _client, token = api_client_of(world)
    api = http(token)
    referral_services.referral_transition(
        acting_user=world.user("partner"), referral=referrals[0], version=1, to_status="accepted", side="partner"
    )
    accepted = api.get(reverse("api:inbox"), {"status": "accepted"}).json()["results"]
    assert [r["id"] for r in accepted] == [referrals[0].pk]
    future = (timezone.now() + datetime.timedelta(minutes=5)).isoformat()
    assert api.get(reverse("api:inbox"), {"changed_since": future}).json()["results"] == []
    past = (timezone.now() - datetime.timedelta(minutes=5)).isoformat()
    assert len(api.get(reverse("api:inbox"), {"changed_since": past}).json()["results"]) == 3
    assert api.get(reverse("api:inbox"), {"status": "nonsense"}).status_code == 400
    assert api.get(reverse("api:inbox"), {"changed_since": "yesterday"}).status_code == 400

    first = api.get(reverse("api:inbox"), {"page_size": 2}).json()
    assert len(first["results"]) == 2 and first["next"]
    assert "cursor=" in first["next"] and "page=" not in first["next"]
    second = api.get(first["next"]).json()
    seen = [r["id"] for r in first["results"]] + [r["id"] for r in second["results"]]
    assert seen == sorted((r.pk for r in referrals), reverse=True)


# --- Audit ----------------------------------------------------------------------------------------


def test_every_read_and_write_is_audited_with_the_client_as_actor(world):
    referral = send_referral(world.own, world)
    client, token = api_client_of(world)
    api = http(token)
    before = _last_id()
    api.get(reverse("api:inbox"))
    etag = api.get(reverse("api:referral", args=[referral.pk]))["ETag"]
    _step(api, referral, {"to_status": "accepted"}, HTTP_IF_MATCH=etag)
    events = _events_since(before)
    assert [e.action for e in events] == [AuditAction.LIST, AuditAction.VIEW, AuditAction.UPDATE]
    for event in events:
        assert event.actor_id == client.user_id
        assert client.token_prefix in event.actor_label
        assert event.organisation_id == world.partner_organisation.pk
        assert event.role == "partner"
        assert event.person_ids == [referral.person_id]
        assert event.path.startswith("/api/v1/referrals/")


def test_managing_a_client_is_audited_without_the_token(world):
    from stijging.api import services

    before = _last_id()
    client, token = api_client_of(world)
    new = services.api_client_rotate(acting_user=world.user("admin"), client=client)
    services.api_client_revoke(acting_user=world.user("admin"), client=client)
    events = _events_since(before)
    mine = [e for e in events if e.object_type == "api.apiclient"]
    # created, approved (by the second admin), rotated, revoked
    assert [e.action for e in mine] == [AuditAction.CREATE, *[AuditAction.UPDATE] * 3]
    assert [e.actor_id for e in mine] == [
        world.user("admin").pk,
        client.approved_by_id,
        world.user("admin").pk,
        world.user("admin").pk,
    ]
    assert token not in str([e.detail for e in events]) and new not in str([e.detail for e in events])


def test_a_refused_token_is_audited_without_the_token(world):
    before = _last_id()
    http("stj_deadbeef_secret-value").get(reverse("api:inbox"))
    events = _events_since(before)
    assert [e.action for e in events] == [AuditAction.DENIED]
    assert "secret-value" not in str(events[0].detail)


# --- Rate limit, headers ---------------------------------------------------------------------------


def test_each_client_has_its_own_rate_limit(world, monkeypatch):
    from stijging.api.throttling import ApiClientRateThrottle

    # DRF reads the rates into the class when it is imported; the setting is STIJGING_API_RATE.
    monkeypatch.setattr(ApiClientRateThrottle, "THROTTLE_RATES", {"api_client": "3/min"})
    _one, token_one = api_client_of(world)
    _two, token_two = api_client_of(world, name="Tweede systeem")
    statuses = [http(token_one).get(reverse("api:inbox")).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = http(token_one).get(reverse("api:inbox"))
    assert limited["Content-Type"] == PROBLEM and int(limited["Retry-After"]) > 0
    assert http(token_two).get(reverse("api:inbox")).status_code == 200


def test_the_documentation_page_loads_nothing_from_elsewhere(world):
    page = Client().get(reverse("api:docs"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "cdn" not in html.lower() and "https://" not in html
    assert "/static/drf_spectacular_sidecar/" in html
    assert page["API-Version"] == "1.0.0"


def test_the_schema_documents_problem_responses_for_every_operation(world):
    schema = Client().get(reverse("api:schema")).json()
    assert schema["openapi"].startswith("3.")
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for code in ("400", "401", "403", "404", "429"):
                content = operation["responses"][code]["content"]
                assert "application/problem+json" in content, (method, path, code)
    step = schema["paths"]["/api/v1/referrals/{id}/transitions/"]["post"]
    assert {"412", "428"} <= set(step["responses"])


# --- Query counts -----------------------------------------------------------------------------------

# token lookup (client + service user + organisation joined) + the service account's memberships
AUTH = 3  # as in test_case_figures_addresses: client, memberships, and "last used" (once a minute)


def test_inbox_queries(world, django_assert_max_num_queries):
    for _ in range(5):
        send_referral(world.own, world)
    _client, token = api_client_of(world)
    api = http(token)
    # page (person, domain, assignee joined; last step as a subquery) + audit insert
    with django_assert_max_num_queries(AUTH + 2):
        assert api.get(reverse("api:inbox")).status_code == 200


def test_referral_queries(world, django_assert_max_num_queries):
    referral = send_referral(world.own, world)
    _client, token = api_client_of(world)
    api = http(token)
    # referral (joined) + events + address + audit insert
    with django_assert_max_num_queries(AUTH + 4):
        assert api.get(reverse("api:referral", args=[referral.pk])).status_code == 200


def test_transition_queries(world, django_assert_max_num_queries):
    referral = send_referral(world.own, world)
    _client, token = api_client_of(world)
    api = http(token)
    etag = api.get(reverse("api:referral", args=[referral.pk]))["ETag"]
    # read (2) + the service's transaction (update, refresh, event, grants, trajectory activity, audit,
    # savepoint) + the answer's read (referral, events, address)
    with django_assert_max_num_queries(AUTH + 16):
        response = _step(api, referral, {"to_status": "accepted"}, HTTP_IF_MATCH=etag)
        assert response.status_code == 200
