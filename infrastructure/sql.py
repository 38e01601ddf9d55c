"""The SQLAlchemy engine for everything beside the event log: users, idempotency, views.

It points at the same database as the events (the SQLite file, or the PostgreSQL
schema), so a view row and its tracking record commit in one transaction there.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event

from infrastructure.event_store import SQLITE_FILE, event_store_env
from infrastructure.settings import Settings
from infrastructure.storage_errors import translate_engine_errors

RECYCLE_SECONDS = 1800


def make_engine(settings: Settings, *, for_reads: bool = False, connect_timeout: int = 5) -> Engine:
    """The engine (a database down raises ``StorageUnavailable``) for writes (SQLite: every transaction takes the write lock at BEGIN, so
    a read-then-write never deadlocks), or with ``for_reads`` one whose SQLite
    transactions take no lock at all (WAL readers never wait for writers)."""
    env = event_store_env(settings)
    if env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite":
        engine = create_engine(
            f"sqlite+pysqlite:///{settings.data_dir / SQLITE_FILE}",
            connect_args={"timeout": 30, "check_same_thread": False},
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        begin = "BEGIN" if for_reads else "BEGIN IMMEDIATE"
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql(begin))
        return translate_engine_errors(engine)
    options = f"-c search_path={env['POSTGRES_SCHEMA'] or 'public'}"
    engine = create_engine(
        "postgresql+psycopg://",
        connect_args={
            "host": env["POSTGRES_HOST"],
            "port": int(env["POSTGRES_PORT"]),
            "dbname": env["POSTGRES_DBNAME"],
            "user": env["POSTGRES_USER"],
            "password": env["POSTGRES_PASSWORD"],
            "options": options,
            "connect_timeout": connect_timeout,
        },
        # Every connection it may open is kept: a QueuePool closes an overflow connection
        # as it comes back, so under a burst past pool_size each request would pay for a
        # new server process (connect, auth, fork). The ceiling is unchanged — the event
        # store's psycopg pool (min pool_size, max pool_size + overflow) keeps its too.
        pool_size=settings.pool_size + settings.pool_max_overflow,
        max_overflow=0,
        # No ping before every checkout (a round trip per request): connections are
        # replaced after RECYCLE_SECONDS (before servers or firewalls drop idle ones),
        # and one found dead fails once: SQLAlchemy then invalidates the pool's older
        # connections, the request gets 503 (StorageUnavailable), and the user look-up
        # that starts every request retries once (infrastructure/users_sql.py).
        pool_recycle=RECYCLE_SECONDS,
    )
    return translate_engine_errors(engine)


def autocommit_reads(engine: Engine) -> Engine:
    """``engine`` for reads that need no transaction of their own (PostgreSQL): each
    statement is one round trip, where a transaction adds a BEGIN before it and a
    ROLLBACK when the connection goes back to the pool. Under READ COMMITTED every
    statement of a transaction takes its own snapshot anyway, so what such a read sees
    is the same. Same pool, same error translation; SQLite's engine is returned as is
    (its reads take no round trip)."""
    if engine.dialect.name != "postgresql":
        return engine
    return engine.execution_options(isolation_level="AUTOCOMMIT")


class AutocommitReads:
    """``autocommit_reads`` of whichever engine its owner holds at the moment (an owner's
    engine may be replaced — tests put an unreachable one in), made once per engine."""

    def __init__(self) -> None:
        self._pair: tuple[Engine, Engine] | None = None  # (engine, its reads): one store

    def of(self, engine: Engine) -> Engine:
        pair = self._pair
        if pair is None or pair[0] is not engine:
            pair = self._pair = (engine, autocommit_reads(engine))
        return pair[1]


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # pysqlite's own transaction handling is turned off so BEGIN IMMEDIATE is ours.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    # Deleted rows (an erased contact above all) are zeroed, not left in free pages.
    cur.execute("PRAGMA secure_delete=ON")
    cur.close()
