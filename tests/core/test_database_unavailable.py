"""While the database cannot be reached (it restarts), a request gets the styled "temporarily
unavailable" page with status 503 within seconds — from a view or from a middleware that needs the
session — without a traceback on the page; with the database back, the same worker serves again.
benchmarks/db_restart.py does this with a real restart under load."""

from __future__ import annotations

import contextlib
import socket
import time

import pytest
from django.db import connections
from django.urls import reverse


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def database_away():
    """The default connection pointed at a port where nothing listens (PostgreSQL refuses at once,
    as during a restart); afterwards the real one again."""
    connection = connections["default"]
    original = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=free_port())
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(original)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("who", "method", "name"),
    [("case_manager", "get", "home"), ("fieldworker", "get", "registry:search"), (None, "post", "account_login")],
)
def test_with_the_database_away_a_page_is_a_quick_styled_503(world, client, who, method, name):
    if connections["default"].vendor != "postgresql":
        pytest.skip(
            "closing the connection would drop SQLite's in-memory test database; run with DATABASE_URL=postgres://…"
        )
    if who:
        client.force_login(world.user(who))  # a session in the database, which is about to go away
    client.raise_request_exception = False
    with database_away():
        began = time.monotonic()
        response = getattr(client, method)(
            reverse(name), {"login": "x@example.test", "password": "y"} if method == "post" else None
        )
        took = time.monotonic() - began
    assert took < 5
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    html = response.content.decode()
    assert response["Content-Type"].startswith("text/html")
    assert "Temporarily unavailable" in html  # the tests run in English; Dutch in the .po
    assert "<link" in html  # the site's style sheet, not a bare text page
    assert "Traceback" not in html and "OperationalError" not in html
    # And back: the same process serves the page again.
    assert getattr(client, method)(reverse(name)).status_code in (200, 302)
