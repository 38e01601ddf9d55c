"""The library's recorders, extended to store idempotency keys and contacts with the events.

``insert_events(..., idempotency=[(user_id, key, request_hash, case_id, version,
created_at)])`` writes each key in the same transaction as the events, with the log
position of the event it names. A key used twice violates the primary key and the
whole insert, events included, is refused. ``contacts=`` and ``erase_contacts=`` do
the same for residents' contacts (infrastructure/contact_rows.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg.sql import SQL, Identifier

from infrastructure import contact_rows

# Request hashes are HMACs kept for a limited time (interfaces/http/idempotency.py);
# the earlier table kept plain SHA-256 hashes of bodies for ever and is dropped.
TABLE = "chuishao_request_keys"
PLAIN_HASH_TABLE = "chuishao_idempotency"
Entry = tuple[str, str, str, str, int, float]


def _positions(
    stored_events: Sequence[StoredEvent], ids: Sequence[int] | None, entries: Sequence[Entry]
) -> list[tuple[str, str, str, str, int, int, float]]:
    where = {(str(s.originator_id), s.originator_version): i for i, s in enumerate(stored_events)}
    out = []
    for user_id, key, request_hash, case_id, version, created_at in entries:
        position = ids[where[(case_id, version)]] if ids else 0
        out.append((user_id, key, request_hash, case_id, version, position, created_at))
    return out


class IdempotentSQLiteRecorder(SQLiteApplicationRecorder):
    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            f"DROP TABLE IF EXISTS {PLAIN_HASH_TABLE}",
            f"CREATE TABLE IF NOT EXISTS {TABLE} (user_id TEXT NOT NULL, key TEXT NOT NULL, "
            "request_hash TEXT NOT NULL, case_id TEXT NOT NULL, version INTEGER NOT NULL, "
            "position INTEGER NOT NULL, created_at REAL NOT NULL, PRIMARY KEY (user_id, key))",
            *contact_rows.SQLITE_DDL,
        ]

    def _insert_events(
        self, c: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        for row in _positions(stored_events, ids, kwargs.get("idempotency") or ()):
            c.execute(f"INSERT INTO {TABLE} VALUES (?,?,?,?,?,?,?)", row)
        contact_rows.write_sqlite(c, kwargs)
        return ids


class IdempotentPostgresRecorder(PostgresApplicationRecorder):
    def __init__(self, datastore: Any, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self._keys = SQL("{schema}.{table}").format(
            schema=Identifier(self.datastore.schema), table=Identifier(TABLE)
        )
        self.sql_create_statements.append(
            SQL("DROP TABLE IF EXISTS {schema}.{table}").format(
                schema=Identifier(self.datastore.schema), table=Identifier(PLAIN_HASH_TABLE)
            )
        )
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {keys} (user_id text NOT NULL, key text NOT NULL, "
                "request_hash text NOT NULL, case_id text NOT NULL, version integer NOT NULL, "
                "position bigint NOT NULL, created_at double precision NOT NULL, "
                "PRIMARY KEY (user_id, key))"
            ).format(keys=self._keys)
        )
        self.sql_create_statements.extend(contact_rows.postgres_ddl(self.datastore.schema))

    def _fetch_ids_after_insert_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        rows = _positions(stored_events, ids, kwargs.get("idempotency") or ())
        if rows:
            curs.executemany(
                SQL("INSERT INTO {keys} VALUES (%s,%s,%s,%s,%s,%s,%s)").format(keys=self._keys),
                rows,
            )
        contact_rows.write_postgres(curs, self.datastore.schema, kwargs)
        return ids
