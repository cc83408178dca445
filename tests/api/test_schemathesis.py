"""Schemathesis against the published schema, in process (the project's WSGI application), for a
client of every scope: no server error, and every answer (errors included) as the schema says —
status code, content type, headers and body. Bounded examples, so that CI stays well in time."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from stijging import access_table

from ..referrals.factories import send_referral
from .factories import api_client_of

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 10
BAG_FILE = (
    b"openbareruimte;huisnummer;huisletter;huisnummertoevoeging;postcode;woonplaats;gemeente;provincie;"
    b"object_id;object_type;nevenadres;x;y;lon;lat\n"
    b"Ownstraat;21;;;5911AB;Venlo;Venlo;Limburg;0983010000000021;VBO;f;209000.5;376000.1;6.1;51.3\n"
)


@pytest.fixture
def wsgi_app():
    """The project's WSGI application, as Django's own test client runs it: without closing the
    database connection at the end of each request (that would close the test's transaction, on
    PostgreSQL: every later query of the test would fail)."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.mark.parametrize("scope", access_table.API_SCOPES)
def test_the_api_keeps_to_its_published_schema(world, scope, wsgi_app):
    referrals = [send_referral(world.own, world) for _ in range(2)]
    send_referral(world.foreign, world)
    _client, token = api_client_of(world, scopes=[scope], name=f"schemathesis {scope}")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    headers = {"Authorization": f"Bearer {token}"}
    own = world.own

    def known(path: str) -> dict:
        """Path parameters of objects the client may open (its own programme's)."""
        kind_id = (
            own.household.pk if "/households/" in path else own.adult.pk if "/persons/" in path else referrals[0].pk
        )
        return {"id": kind_id, "slug": own.programme.slug, "area_id": own.area.pk}

    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations
    calls = {"n": 0, "ok": 0}
    for operation in operations:

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case):
            # Every other case on objects that exist and are the client's own, so that the success
            # answers are exercised too, not only the 404s of random ids and slugs.
            calls["n"] += 1
            if case.path_parameters and calls["n"] % 2:
                values = known(case.path)
                case.path_parameters = {name: values.get(name, value) for name, value in case.path_parameters.items()}
            response = case.call(headers=headers)
            calls["ok"] += response.status_code < 300
            case.validate_response(response, checks=CHECKS, headers=headers)

        run()
    if scope == "addresses":
        # Random bytes are no BAG file: one real extract, so that the report's answer is checked too.
        operation = next(op for op in operations if op.method.lower() == "post" and "addresses" in op.path)
        case = operation.Case(
            path_parameters={"slug": own.programme.slug, "area_id": own.area.pk},
            body={"file": BAG_FILE, "dry_run": "true"},
            media_type="multipart/form-data",
        )
        response = case.call(headers=headers)
        assert response.status_code == 200, response.text
        calls["ok"] += 1
        case.validate_response(response, checks=CHECKS, headers=headers)
    assert calls["ok"], "no case reached a success answer"
