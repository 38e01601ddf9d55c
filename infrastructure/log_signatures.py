"""The signed rows of the log (``application/log_chain.py``), stored beside the events.

The table is append-only like the events table. Rows are written under the same
writer lock as the events: a ``batch`` row inside each commit's own transaction
(``recorders.py``), other rows through ``SignatureLog.append`` which takes the lock
itself. Readers (``rows``, ``case_positions``, ``events_in``) serve ``verify``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg.sql import SQL, Composable, Composed, Identifier, Literal

from application.integrity import event_hash
from application.log_chain import BATCH, GENESIS, LogSignature, Signer, next_head, sign_next

TABLE = "chuishao_log_signatures"  # the case log's
ROSTER_TABLE = "chuishao_roster_log_signatures"  # the 双报到 roster log's (roster_recorders.py)
_COLUMNS = (
    "seq",
    "kind",
    "first_position",
    "position",
    "head",
    "prev",
    "signed_at",
    "key_id",
    "public_key",
    "signature",
    "endorsed_by",
    "endorsement",
)
_SQLITE_CREATE = (
    "CREATE TABLE IF NOT EXISTS {table} (seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, "
    "first_position INTEGER NOT NULL, position INTEGER NOT NULL, head TEXT NOT NULL, "
    "prev TEXT NOT NULL, signed_at TEXT NOT NULL, key_id TEXT NOT NULL, "
    "public_key TEXT NOT NULL, signature TEXT NOT NULL, endorsed_by TEXT NOT NULL, "
    "endorsement TEXT NOT NULL)"
)
_POSTGRES_CREATE = (
    "CREATE TABLE IF NOT EXISTS {table} (seq bigint PRIMARY KEY, kind text NOT NULL, "
    "first_position bigint NOT NULL, position bigint NOT NULL, head text NOT NULL, "
    "prev text NOT NULL, signed_at text NOT NULL, key_id text NOT NULL, "
    "public_key text NOT NULL, signature text NOT NULL, endorsed_by text NOT NULL, "
    "endorsement text NOT NULL)"
)


def writer_lock_key(schema: str, table: str) -> int:
    """The advisory lock every writer of one events table takes (a signed 64-bit key):
    events and signed rows are written under it, so insert order is commit order."""
    digest = hashlib.sha256(f"chuishao-writer:{schema}.{table}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def writer_lock(schema: str, table: str, *, notify: str | None = None) -> Composed:
    """The lock statement; ``notify``: also queue a NOTIFY on that channel (as ``NOTIFY
    channel`` would: sent at commit, with an empty payload), saving a statement."""
    lock = SQL("pg_advisory_xact_lock({})").format(Literal(writer_lock_key(schema, table)))
    if notify is None:
        return SQL("SELECT {}").format(lock)
    return SQL("SELECT {}, pg_notify({}, '')").format(lock, Literal(notify))


_UNREAD: Any = object()  # the last signed row was not read by the caller


def utc_stamp() -> str:
    return datetime.now(UTC).isoformat()


def table_of(recorder: Any) -> str:
    """The signature table of a recorder's log: each log has its own chain of signed rows."""
    return str(getattr(recorder, "signatures_table", TABLE))


def _row(r: Any) -> LogSignature:
    return LogSignature(**{c: r[c] for c in _COLUMNS})


def _values(sig: LogSignature) -> tuple[Any, ...]:
    return tuple(getattr(sig, c) for c in _COLUMNS)


class _Dialect:
    """The few statements that differ between SQLite and PostgreSQL."""

    def __init__(self, recorder: Any) -> None:
        name = table_of(recorder)
        if isinstance(recorder, PostgresApplicationRecorder):
            self.postgres = True
            schema = Identifier(recorder.datastore.schema)
            table = SQL("{}.{}").format(schema, Identifier(name))
            events = SQL("{}.{}").format(schema, Identifier(recorder.events_table_name))
            self.create: Composable | str = SQL(_POSTGRES_CREATE).format(table=table)
            # The two statements of every commit's signing, rendered once: psycopg renders
            # a composed statement again on each execute.
            self.last: Composable | str | bytes = (
                SQL("SELECT * FROM {} ORDER BY seq DESC LIMIT 1").format(table).as_bytes(None)
            )
            self.all: Composable | str = SQL("SELECT * FROM {} ORDER BY seq").format(table)
            marks = ",".join(["%s"] * len(_COLUMNS))
            self.insert: Composable | str | bytes = (
                SQL("INSERT INTO {} VALUES (" + marks + ")").format(table).as_bytes(None)
            )
            self.between: Composable | str = SQL(
                "SELECT notification_id AS position, originator_id, originator_version, topic, "
                "state FROM {} WHERE notification_id > %s AND notification_id < %s "
                "ORDER BY notification_id"
            ).format(events)
            self.of_case: Composable | str = SQL(
                "SELECT notification_id AS position FROM {} WHERE originator_id = %s "
                "ORDER BY originator_version"
            ).format(events)
            self.lock: Composable | str = writer_lock(
                recorder.datastore.schema, recorder.events_table_name
            )
            self.index: Composable | str = SQL(
                "CREATE INDEX IF NOT EXISTS {} ON {} (position)"
            ).format(Identifier(f"{name}_position"), table)
            self.covering: Composable | str = SQL(
                "SELECT * FROM {} WHERE position >= %s AND kind IN ('batch', 'adopt') "
                "ORDER BY position, seq LIMIT 1"
            ).format(table)
            self.by_seq: Composable | str = SQL("SELECT * FROM {} WHERE seq = %s").format(table)
            self.newest_checkpoint: Composable | str = SQL(
                "SELECT * FROM {} WHERE kind = 'checkpoint' ORDER BY seq DESC LIMIT 1"
            ).format(table)
        elif isinstance(recorder, SQLiteApplicationRecorder):
            self.postgres = False
            events_table = recorder.events_table_name
            self.create = _SQLITE_CREATE.format(table=name)
            self.last = f"SELECT * FROM {name} ORDER BY seq DESC LIMIT 1"
            self.all = f"SELECT * FROM {name} ORDER BY seq"
            self.insert = f"INSERT INTO {name} VALUES ({','.join(['?'] * len(_COLUMNS))})"
            self.between = (
                "SELECT rowid AS position, originator_id, originator_version, topic, state "
                f"FROM {events_table} WHERE rowid > ? AND rowid < ? ORDER BY rowid"
            )
            self.of_case = (
                f"SELECT rowid AS position FROM {events_table} WHERE originator_id = ? "
                "ORDER BY originator_version"
            )
            # A write first, so the transaction holds SQLite's write lock before it reads.
            self.lock = f"UPDATE {name} SET seq = seq WHERE 0"
            self.index = f"CREATE INDEX IF NOT EXISTS {name}_position ON {name} (position)"
            self.covering = (
                f"SELECT * FROM {name} WHERE position >= ? AND kind IN ('batch', 'adopt') "
                "ORDER BY position, seq LIMIT 1"
            )
            self.by_seq = f"SELECT * FROM {name} WHERE seq = ?"
            self.newest_checkpoint = (
                f"SELECT * FROM {name} WHERE kind = 'checkpoint' ORDER BY seq DESC LIMIT 1"
            )
        else:
            raise TypeError(f"no signature table for {type(recorder).__name__}")

    def case_key(self, case_id: UUID) -> Any:
        return case_id if self.postgres else case_id.hex


def create_statements(recorder: Any) -> list[Any]:
    dialect = _Dialect(recorder)
    return [dialect.create, dialect.index]


def _fold(head: str, rows: Iterable[tuple[int, UUID | str, int, str, bytes]]) -> str:
    for position, originator_id, version, topic, state in rows:
        head = next_head(head, position, event_hash(originator_id, version, topic, state))
    return head


class BatchSigner:
    """Signs each commit batch inside the transaction that inserts it (``recorders.py``)."""

    def __init__(self, recorder: Any, signer: Signer) -> None:
        self.dialect = _Dialect(recorder)
        self.signer = signer

    def sign(
        self,
        cursor: Any,
        ids: Sequence[int],
        stored_events: Sequence[StoredEvent],
        *,
        last: Any = _UNREAD,
    ) -> None:
        """``last``: the last signed row as the caller read it under the writer lock
        (a row or None), so the signing costs no round trip of its own."""
        if not ids:
            return
        append_signed(
            cursor,
            self.dialect,
            kind=BATCH,
            signer=self.signer,
            upto=ids[-1],
            first_position=ids[0],
            own=[
                (n, s.originator_id, s.originator_version, s.topic, s.state)
                for n, s in zip(ids, stored_events, strict=True)
            ],
            last_row=last,
        )


def append_signed(
    cursor: Any,
    dialect: _Dialect,
    *,
    kind: str,
    signer: Signer,
    upto: int,
    first_position: int,
    own: Sequence[tuple[int, UUID | str, int, str, bytes]] = (),
    endorser: Signer | None = None,
    last_row: Any = _UNREAD,
) -> LogSignature:
    """Fold the log from the last signed row up to ``upto`` and append a signed row.

    ``own``: the rows this transaction just inserted (not read back). Anything between
    the last signed position and them was inserted around the service; it is folded in
    (the head stays the log's head) but not covered, so ``verify`` names it.
    ``last_row``: the last signed row if the caller already read it under the lock.
    """
    if last_row is _UNREAD:
        cursor.execute(dialect.last)
        found = cursor.fetchone()
    else:
        found = last_row
    last = _row(found) if found else None
    head, after = (last.head, last.position) if last else (GENESIS, 0)
    stop = own[0][0] if own else upto + 1
    if stop > after + 1:
        cursor.execute(dialect.between, (after, stop))
        head = _fold(
            head,
            (
                (
                    r["position"],
                    UUID(str(r["originator_id"])),
                    r["originator_version"],
                    r["topic"],
                    bytes(r["state"]),
                )
                for r in cursor.fetchall()
            ),
        )
    head = _fold(head, own)
    row = sign_next(
        last,
        kind=kind,
        first_position=first_position,
        position=max(upto, after),
        head=head,
        signer=signer,
        at=utc_stamp(),
        endorser=endorser,
    )
    cursor.execute(dialect.insert, _values(row))
    return row


class SignatureLog:
    """Reads the signed rows and appends the ones written outside a commit."""

    def __init__(self, recorder: Any) -> None:
        self.recorder = recorder
        self.dialect = _Dialect(recorder)

    def rows(self) -> list[LogSignature]:
        with self.recorder.datastore.transaction(commit=False) as c:
            c.execute(self.dialect.all)
            return [_row(r) for r in c.fetchall()]

    def last(self) -> LogSignature | None:
        with self.recorder.datastore.transaction(commit=False) as c:
            c.execute(self.dialect.last)
            found = c.fetchone()
            return _row(found) if found else None

    def newest_checkpoint(self) -> LogSignature | None:
        """The newest signed checkpoint (its age is a metric)."""
        with self.recorder.datastore.transaction(commit=False) as c:
            c.execute(self.dialect.newest_checkpoint)
            found = c.fetchone()
            return _row(found) if found else None

    def covering(self, position: int) -> tuple[LogSignature | None, LogSignature | None]:
        """The signed row whose range holds ``position`` (None if none), and the row before
        it: enough to refold and check one event without reading the whole log."""
        with self.recorder.datastore.transaction(commit=False) as c:
            c.execute(self.dialect.covering, (position,))
            found = c.fetchone()
            row = _row(found) if found else None
            if row is None or row.first_position > position:
                return None, None
            c.execute(self.dialect.by_seq, (row.seq - 1,))
            before = c.fetchone()
            return row, _row(before) if before else None

    def case_positions(self, case_id: UUID) -> list[int]:
        with self.recorder.datastore.transaction(commit=False) as c:
            c.execute(self.dialect.of_case, (self.dialect.case_key(case_id),))
            return [int(r["position"]) for r in c.fetchall()]

    def append(
        self, kind: str, signer: Signer, *, endorser: Signer | None = None, covering: bool = False
    ) -> LogSignature:
        """A signed row at the log's current head, under the writer lock. ``covering``
        (adopt) vouches for every event after the last signed row."""
        with self.recorder.datastore.transaction(commit=True) as c:
            c.execute(self.dialect.lock)
            c.execute(self.dialect.last)
            found = c.fetchone()
            after = _row(found).position if found else 0
            upto = _max_position(c, self.recorder)
            return append_signed(
                c,
                self.dialect,
                kind=kind,
                signer=signer,
                upto=upto,
                first_position=after + 1 if covering else upto,
                endorser=endorser,
            )


def _max_position(cursor: Any, recorder: Any) -> int:
    if isinstance(recorder, PostgresApplicationRecorder):
        cursor.execute(
            SQL("SELECT MAX(notification_id) AS m FROM {}.{}").format(
                Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name)
            )
        )
    else:
        cursor.execute(f"SELECT MAX(rowid) AS m FROM {recorder.events_table_name}")
    found = cursor.fetchone()
    return int(found["m"] or 0)
