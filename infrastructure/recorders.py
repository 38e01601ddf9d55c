"""The library's recorders, extended to write more rows in the events' own transaction.

- ``idempotency=[(user_id, key, request_hash, case_id, version, created_at)]`` stores each
  key with the log position of the event it names; a key used twice violates the primary
  key and the whole insert, events included, is refused.
- ``contacts=`` and ``erase_contacts=`` do the same for residents' contacts
  (infrastructure/contact_rows.py).
- Every commit batch is signed: a row of ``chuishao_log_signatures`` over the log's
  head after the batch (``log_signatures.py``), so an event no signature covers is a
  forgery. A recorder without a signer refuses to write events at all.

On PostgreSQL writers serialise on an advisory lock instead of the library's
``LOCK TABLE … IN EXCLUSIVE MODE``: the same insert-order = commit-order guarantee,
without needing UPDATE/DELETE rights on the events table (the app role has none).

Each recorder's ``commits`` (commit_signal.py) is told after every committed insert in
this process; on PostgreSQL also of other processes' commits, by LISTEN on the one
NOTIFY each insert sends in its transaction (the channel names the schema, so tenants
or test schemas in one database do not wake each other).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast
from uuid import UUID

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from eventsourcing.utils import retry
from psycopg import Rollback
from psycopg.sql import SQL, Composed, Identifier

from infrastructure import contact_rows, log_signatures
from infrastructure.commit_listener import CommitListener, postgres_connect
from infrastructure.commit_signal import Callback, CommitSignal
from infrastructure.log_signatures import BatchSigner
from infrastructure.storage_errors import storage_errors

# Request hashes are HMACs (interfaces/http/deps.py) kept for a limited time (idempotency_sql.py);
# the earlier table kept plain SHA-256 hashes of bodies for ever and is dropped.
TABLE = "chuishao_request_keys"
PLAIN_HASH_TABLE = "chuishao_idempotency"
Entry = tuple[str, str, str, str, int, float]


class NoSigningKey(RuntimeError):
    """Events cannot be written without a signing key (nothing would vouch for them)."""


def _positions(
    stored_events: Sequence[StoredEvent], ids: Sequence[int] | None, entries: Sequence[Entry]
) -> list[tuple[str, str, str, str, int, int, float]]:
    where = {(str(s.originator_id), s.originator_version): i for i, s in enumerate(stored_events)}
    out = []
    for user_id, key, request_hash, case_id, version, created_at in entries:
        position = ids[where[(case_id, version)]] if ids else 0
        out.append((user_id, key, request_hash, case_id, version, position, created_at))
    return out


def _render_select(base: Composed, gt: bool, lte: bool, desc: bool, limit: bool) -> bytes:
    """The library's ``select_events`` statement for one shape of call, as bytes."""
    statement = base
    if gt:
        statement += SQL(" AND originator_version > %s")
    if lte:
        statement += SQL(" AND originator_version <= %s")
    statement += SQL(" ORDER BY originator_version") + SQL(" DESC" if desc else " ASC")
    if limit:
        statement += SQL(" LIMIT %s")
    return statement.as_bytes(None)


class _Signing:
    batch_signer: BatchSigner | None = None
    signatures_table: str = log_signatures.TABLE  # each log its own (roster_recorders.py)

    def _sign(self, cursor: Any, ids: Sequence[int] | None, events: Sequence[StoredEvent]) -> None:
        if not events:
            return
        if self.batch_signer is None or not ids:
            raise NoSigningKey("no signing key: refusing to write unsigned events")
        self.batch_signer.sign(cursor, ids, events)


class _StorageErrors:
    """Reads and writes raise ``StorageUnavailable`` for a database down, never the
    library's errors; a conflict (``IntegrityError``) passes unchanged. The PostgreSQL
    recorder's own ``insert_events`` translates outside its retries."""

    @storage_errors()
    def insert_events(self, *args: Any, **kwargs: Any) -> Any:
        return super().insert_events(*args, **kwargs)  # type: ignore[misc]

    @storage_errors()
    def select_events(self, *args: Any, **kwargs: Any) -> Any:
        return super().select_events(*args, **kwargs)  # type: ignore[misc]

    @storage_errors()
    def select_notifications(self, *args: Any, **kwargs: Any) -> Any:
        return super().select_notifications(*args, **kwargs)  # type: ignore[misc]

    @storage_errors()
    def max_notification_id(self) -> Any:
        return super().max_notification_id()  # type: ignore[misc]


class IdempotentSQLiteRecorder(_StorageErrors, _Signing, SQLiteApplicationRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Other processes' commits are not signalled on SQLite: their readers poll.
        self.commits = CommitSignal()

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids: Sequence[int] | None = super().insert_events(stored_events, **kwargs)
        if stored_events:
            self.commits.notify()
        return ids

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            f"DROP TABLE IF EXISTS {PLAIN_HASH_TABLE}",
            f"CREATE TABLE IF NOT EXISTS {TABLE} (user_id TEXT NOT NULL, key TEXT NOT NULL, "
            "request_hash TEXT NOT NULL, case_id TEXT NOT NULL, version INTEGER NOT NULL, "
            "position INTEGER NOT NULL, created_at REAL NOT NULL, PRIMARY KEY (user_id, key))",
            *contact_rows.SQLITE_DDL,
            *log_signatures.create_statements(self),
        ]

    def _insert_events(
        self, c: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        for row in _positions(stored_events, ids, kwargs.get("idempotency") or ()):
            c.execute(f"INSERT INTO {TABLE} VALUES (?,?,?,?,?,?,?)", row)
        contact_rows.write_sqlite(c, kwargs)
        self._sign(c, ids, stored_events)
        return ids


class IdempotentPostgresRecorder(_StorageErrors, _Signing, PostgresApplicationRecorder):
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
        self.sql_create_statements.extend(log_signatures.create_statements(self))
        self._insert_keys = (
            SQL("INSERT INTO {keys} VALUES (%s,%s,%s,%s,%s,%s,%s)")
            .format(keys=self._keys)
            .as_bytes(None)
        )
        # The library's channel is the table's name alone: one per database.
        self.channel_name = f"{self.datastore.schema}.{self.events_table_name}"[:63]
        # PostgreSQL grants the library's EXCLUSIVE table lock only with UPDATE, DELETE or
        # TRUNCATE, which the service role behind `chuishao db setup` does not have. The
        # NOTIFY rides in the lock's statement (``_notify_channel`` sends nothing): one
        # statement fewer per commit, and it is delivered at commit as before.
        # Every commit's statements are rendered once (psycopg renders a composed statement
        # again on each execute; the library's are composed).
        lock_timeout = cast(Composed, self.lock_table_statements[0])  # SET LOCAL lock_timeout
        self.lock_table_statements = [
            lock_timeout.as_bytes(None),
            log_signatures.writer_lock(
                self.datastore.schema, self.events_table_name, notify=self.channel_name
            ).as_bytes(None),
        ]
        self._select_shapes: dict[tuple[bool, bool, bool, bool], bytes] = {}
        # One event (a command alone in its batch): plain parameters, which psycopg dumps
        # in C, instead of the library's array of composites, which it dumps in Python.
        self._insert_one = (
            SQL(
                "INSERT INTO {}.{} (originator_id, originator_version, topic, state) "
                "VALUES (%s, %s, %s, %s) RETURNING notification_id"
            )
            .format(Identifier(self.datastore.schema), Identifier(self.events_table_name))
            .as_bytes(None)
        )
        self.insert_events_statement = cast(Composed, self.insert_events_statement.as_bytes(None))
        self.commit_listener: CommitListener | None = None
        self.commits = CommitSignal(remote=self._listen_for_commits)

    @storage_errors()
    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        """The library's select, its statement rendered once per shape (the library
        composes and psycopg renders it again on every call: every command reads)."""
        shape = (gt is not None, lte is not None, desc, limit is not None)
        statement = self._select_shapes.get(shape)
        if statement is None:
            statement = self._select_shapes[shape] = _render_select(
                self.select_events_statement, *shape
            )
        params = [originator_id, *(p for p in (gt, lte, limit) if p is not None)]
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, params, prepare=True)
            return [
                StoredEvent(
                    originator_id=row["originator_id"],
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=bytes(row["state"]),
                )
                for row in curs.fetchall()
            ]

    def _insert_stored_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        if len(stored_events) != 1:
            super()._insert_stored_events(curs, stored_events, **kwargs)
            return
        self._lock_table(curs)
        self._notify_channel(curs)
        (event,) = stored_events
        curs.execute(
            self._insert_one,
            (event.originator_id, event.originator_version, event.topic, event.state),
        )

    def _notify_channel(self, curs: Any) -> None:
        """Sent with the writer lock (``lock_table_statements``)."""

    def _listen_for_commits(self, on_commit: Callback) -> Callback:
        listener = CommitListener(postgres_connect(self.datastore), self.channel_name, on_commit)
        self.commit_listener = listener
        return listener.start()

    @storage_errors()  # what the retries did not get through
    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """The library's insert, with two changes.

        - A failure after the rows are sent (the keys, the signature) rolls the
          transaction back: the library keeps the error until the transaction has
          committed, which would leave events no signature covers.
        - The last signed row is read in the same round trip as the lock and the
          INSERT, so the writer lock is held for two round trips (that one and the
          commit), not three: the lock serialises every writer of the log, so each
          round trip under it costs all of them.
        """
        if self.datastore.enable_db_functions:
            raise NotImplementedError("the insert function breaks the gap-free log")
        if not stored_events:
            return None
        signer = self.batch_signer
        if signer is None:
            raise NoSigningKey("no signing key: refusing to write unsigned events")
        exc: Exception | None = None
        ids: Sequence[int] | None = None
        with self.datastore.get_connection() as conn:
            try:
                with conn.pipeline() as pipeline, conn.transaction():
                    with conn.cursor() as curs, conn.cursor() as last_curs:
                        try:
                            self._insert_stored_events(curs, stored_events, **kwargs)
                            last_curs.execute(cast(bytes, signer.dialect.last), prepare=True)
                            pipeline.sync()  # one round trip: lock, NOTIFY, INSERT, last row
                            ids = self._fetch_ids_after_insert_events(curs, stored_events)
                            last = last_curs.fetchone()
                            if not ids:
                                raise NoSigningKey("no log positions to sign")
                            self._write_carried(curs, stored_events, ids, kwargs)
                            signer.sign(curs, ids, stored_events, last=last)
                        except Exception as e:
                            exc = e
                            raise Rollback from None
            except Rollback:
                # On a broken connection (the server gone mid-insert: a failover) psycopg
                # cannot roll back and lets Rollback out: the error is the one to raise.
                if exc is None:
                    raise
            if exc:
                raise exc
        # committed: the one NOTIFY of the batch went out with the commit
        self.commits.notify()
        return ids

    def _write_carried(
        self,
        curs: Any,
        stored_events: Sequence[StoredEvent],
        ids: Sequence[int] | None,
        kwargs: dict[str, Any],
    ) -> None:
        """The rows that go in the events' transaction (pipelined: no round trip)."""
        rows = _positions(stored_events, ids, kwargs.get("idempotency") or ())
        if rows:
            curs.executemany(self._insert_keys, rows)
        contact_rows.write_postgres(curs, self.datastore.schema, kwargs)
