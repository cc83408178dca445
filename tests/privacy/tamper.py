"""Tampering as someone who owns the database would: on PostgreSQL the append-only trigger stands in
the way of the application's role, so a test that plays the table's owner switches it off for its
own transaction first (ALTER TABLE is transactional; the test's rollback puts the trigger back)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.db import connection


@contextlib.contextmanager
def as_table_owner() -> Iterator[None]:
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        # ALTER TABLE refuses while deferred foreign-key checks of this transaction are pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE privacy_auditevent DISABLE TRIGGER privacy_auditevent_append_only")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE privacy_auditevent ENABLE TRIGGER privacy_auditevent_append_only")
