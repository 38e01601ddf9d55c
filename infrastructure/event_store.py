"""Where events are stored: the library's recorder settings, chosen in this one place."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import unquote, urlsplit

import psycopg

from infrastructure.settings import Settings

SQLITE_FILE = "chuishao.db"


def event_store_env(settings: Settings) -> dict[str, str]:
    """The ``eventsourcing`` environment for the configured backend."""
    return {**_backend_env(settings), **_cache_env(settings)}


def _cache_env(settings: Settings) -> dict[str, str]:
    # Fast-forward: a kept case is brought up to date from the store on every load.
    if not settings.aggregate_cache_size:
        return {}
    return {
        "AGGREGATE_CACHE_MAXSIZE": str(settings.aggregate_cache_size),
        "AGGREGATE_CACHE_FASTFORWARD": "y",
    }


def _backend_env(settings: Settings) -> dict[str, str]:
    if not settings.database_url:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "APPLICATION_RECORDER_TOPIC": "infrastructure.recorders:IdempotentSQLiteRecorder",
            "SQLITE_DBNAME": str(settings.data_dir / SQLITE_FILE),
            "SQLITE_LOCK_TIMEOUT": "10",
        }
    # Settings checked the URL (scheme, host, database name) when they were read.
    url = urlsplit(settings.database_url.get_secret_value())
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "APPLICATION_RECORDER_TOPIC": "infrastructure.recorders:IdempotentPostgresRecorder",
        "POSTGRES_DBNAME": unquote(url.path.strip("/")),
        "POSTGRES_HOST": url.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_USER": unquote(url.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(url.password or ""),
        "POSTGRES_SCHEMA": settings.database_schema,
        "POSTGRES_POOL_SIZE": str(settings.pool_size),
        "POSTGRES_MAX_OVERFLOW": str(settings.pool_max_overflow),
        "POSTGRES_CONNECT_TIMEOUT": "5",
        "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": str(settings.idle_in_transaction_seconds),
    }


@contextmanager
def startup_lock(settings: Settings) -> Iterator[None]:
    """Serialise table creation across processes starting together.

    The library re-creates its tables and functions on every start; several processes
    doing so at once on PostgreSQL fail with "tuple concurrently updated".
    """
    env = event_store_env(settings)
    if env["PERSISTENCE_MODULE"] != "eventsourcing.postgres":
        yield
        return
    with postgres_connect(env) as conn:
        conn.execute("SELECT pg_advisory_lock(7223311)")
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(7223311)")


def postgres_connect(env: dict[str, str]) -> psycopg.Connection[tuple[object, ...]]:
    """An autocommit connection as the role and database of a PostgreSQL ``env``."""
    return psycopg.connect(
        host=env["POSTGRES_HOST"],
        port=int(env["POSTGRES_PORT"]),
        dbname=env["POSTGRES_DBNAME"],
        user=env["POSTGRES_USER"],
        password=env["POSTGRES_PASSWORD"] or None,
        connect_timeout=5,
        autocommit=True,
    )
