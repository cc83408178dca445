"""Writing rows with ids chosen up front: COPY on PostgreSQL, batched inserts elsewhere (see the
package's docstring for how ids are allocated and why)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence

from django.db import connections, models

# --- Writing rows ---------------------------------------------------------------------------------


class RowWriter:
    """Allocates ids and writes rows: COPY on PostgreSQL, batched executemany elsewhere."""

    BATCH = 2_000

    def __init__(self, using: str = "default") -> None:
        self.connection = connections[using]
        self.postgres = self.connection.vendor == "postgresql"
        self._next_id: dict[type[models.Model], int] = {}
        self._sequence: dict[type[models.Model], str] = {}
        self.rows_written: dict[str, int] = {}

    def start(self) -> None:
        if self.postgres:
            with self.connection.cursor() as cursor:
                # Parents always go in before their children, so check each row at once instead of
                # queueing millions of deferred FK checks to the commit.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET LOCAL synchronous_commit = off")

    def _first_free_id(self, model: type[models.Model]) -> int:
        table = model._meta.db_table
        quoted = self.connection.ops.quote_name(table)
        with self.connection.cursor() as cursor:
            if self.postgres:
                cursor.execute(f"LOCK TABLE {quoted} IN SHARE ROW EXCLUSIVE MODE")
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                sequence = cursor.fetchone()[0]
                self._sequence[model] = sequence
                cursor.execute("SELECT nextval(%s)", [sequence])
                from_sequence = cursor.fetchone()[0]
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {quoted}")  # noqa: S608 - a model's table
                return max(from_sequence, cursor.fetchone()[0] + 1)
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {quoted}")  # noqa: S608
            highest = cursor.fetchone()[0]
            if self.connection.vendor == "sqlite":
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
                row = cursor.fetchone()
                highest = max(highest, row[0] if row else 0)
            return highest + 1

    def reserve(self, model: type[models.Model], count: int) -> int:
        """Reserve `count` consecutive ids of `model`'s table and return the first."""
        if model not in self._next_id:
            self._next_id[model] = self._first_free_id(model)
        first = self._next_id[model]
        self._next_id[model] = first + count
        return first

    def write(self, model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence]) -> int:
        table = model._meta.db_table
        quote = self.connection.ops.quote_name
        column_list = ", ".join(quote(c) for c in columns)
        count = 0
        with self.connection.cursor() as cursor:
            if self.postgres:
                with cursor.copy(f"COPY {quote(table)} ({column_list}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                        count += 1
            else:
                sql = f"INSERT INTO {quote(table)} ({column_list}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
                batch: list[list] = []
                for row in rows:
                    batch.append([self._adapt(value) for value in row])
                    if len(batch) >= self.BATCH:
                        cursor.executemany(sql, batch)
                        count += len(batch)
                        batch = []
                if batch:
                    cursor.executemany(sql, batch)
                    count += len(batch)
        self.rows_written[table] = self.rows_written.get(table, 0) + count
        return count

    def _adapt(self, value):
        ops = self.connection.ops
        if isinstance(value, datetime.datetime):
            return ops.adapt_datetimefield_value(value)
        if isinstance(value, datetime.date):
            return ops.adapt_datefield_value(value)
        return value

    def finish(self) -> None:
        """Move each sequence past the ids used, so ordinary inserts afterwards never collide."""
        if not self.postgres:
            return
        with self.connection.cursor() as cursor:
            for model, sequence in self._sequence.items():
                last = self._next_id[model] - 1
                # is_called false: the next nextval returns `last` itself (only when nothing was used).
                cursor.execute("SELECT setval(%s, %s, %s)", [sequence, max(last, 1), last >= 1])

    def analyze(self) -> None:
        if self.postgres:
            with self.connection.cursor() as cursor:
                for table in self.rows_written:
                    cursor.execute(f"ANALYZE {self.connection.ops.quote_name(table)}")
