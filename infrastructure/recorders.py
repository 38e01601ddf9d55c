"""The library's recorders, extended to store idempotency keys with the events.

``insert_events(..., idempotency=[(user_id, key, request_hash, case_id, version)])``
writes each key in the same transaction as the events, with the log position of the
event it names. A key used twice violates the primary key and the whole insert,
events included, is refused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg.sql import SQL, Identifier, Literal

TABLE = "chuishao_idempotency"
Entry = tuple[str, str, str, str, int]


def _positions(
    stored_events: Sequence[StoredEvent], ids: Sequence[int] | None, entries: Sequence[Entry]
) -> list[tuple[str, str, str, str, int, int]]:
    where = {(str(s.originator_id), s.originator_version): i for i, s in enumerate(stored_events)}
    out = []
    for user_id, key, request_hash, case_id, version in entries:
        position = ids[where[(case_id, version)]] if ids else 0
        out.append((user_id, key, request_hash, case_id, version, position))
    return out


def writer_lock_key(schema: str, table: str) -> int:
    """The advisory lock every writer of one events table takes (a signed 64-bit key)."""
    digest = hashlib.sha256(f"chuishao-writer:{schema}.{table}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class IdempotentSQLiteRecorder(SQLiteApplicationRecorder):
    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {TABLE} (user_id TEXT NOT NULL, key TEXT NOT NULL, "
            "request_hash TEXT NOT NULL, case_id TEXT NOT NULL, version INTEGER NOT NULL, "
            "position INTEGER NOT NULL, PRIMARY KEY (user_id, key))",
        ]

    def _insert_events(
        self, c: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        for row in _positions(stored_events, ids, kwargs.get("idempotency") or ()):
            c.execute(f"INSERT INTO {TABLE} VALUES (?,?,?,?,?,?)", row)
        return ids


class IdempotentPostgresRecorder(PostgresApplicationRecorder):
    def __init__(self, datastore: Any, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self._keys = SQL("{schema}.{table}").format(
            schema=Identifier(self.datastore.schema), table=Identifier(TABLE)
        )
        # Writers serialise on an advisory lock, which needs no privilege, and also on the
        # library's EXCLUSIVE table lock when this role may take it: PostgreSQL 15 grants
        # that lock only with UPDATE, DELETE or TRUNCATE, which a service role behind
        # `chuishao db setup` does not have. Every writer takes the advisory lock, so
        # insert order stays commit order whichever role writes.
        self._table_lock = self.lock_table_statements[-1]
        self.lock_table_statements.insert(
            -1,
            SQL("SELECT pg_advisory_xact_lock({key})").format(
                key=Literal(writer_lock_key(self.datastore.schema, self.events_table_name))
            ),
        )
        self._may_lock_table: bool | None = None
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {keys} (user_id text NOT NULL, key text NOT NULL, "
                "request_hash text NOT NULL, case_id text NOT NULL, version integer NOT NULL, "
                "position bigint NOT NULL, PRIMARY KEY (user_id, key))"
            ).format(keys=self._keys)
        )

    def _lock_table(self, curs: Any) -> None:
        if self._may_lock_table is None:
            curs.execute(
                "SELECT has_table_privilege(%s, 'UPDATE, DELETE, TRUNCATE')",
                (f'"{self.datastore.schema}"."{self.events_table_name}"',),
            )
            self._may_lock_table = bool(curs.fetchone()["has_table_privilege"])
        for statement in self.lock_table_statements:
            if statement is not self._table_lock or self._may_lock_table:
                curs.execute(statement, prepare=True)

    def _fetch_ids_after_insert_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        rows = _positions(stored_events, ids, kwargs.get("idempotency") or ())
        if rows:
            curs.executemany(
                SQL("INSERT INTO {keys} VALUES (%s,%s,%s,%s,%s,%s)").format(keys=self._keys), rows
            )
        return ids
