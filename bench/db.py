"""PostgreSQL plumbing for the benchmarks: the database, fresh schemas, settings, raw tables."""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

from infrastructure.settings import Settings

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/chuishao_bench"


def bench_url() -> str:
    return os.environ.get("CHUISHAO_BENCH_DATABASE_URL", DEFAULT_URL)


def ensure_database(url: str) -> None:
    """Create the benchmark database if it does not exist (raises if PostgreSQL is down)."""
    admin = url.rsplit("/", 1)[0] + "/postgres"
    name = urlsplit(url).path.strip("/")
    with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def new_schema(url: str, prefix: str) -> str:
    schema = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return schema


def drop_schema(url: str, schema: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def settings_for(
    url: str,
    schema: str,
    jurisdiction: Path,
    *,
    group_commit: bool = True,
    pool_size: int = 5,
    max_overflow: int = 10,
    data_dir: Path | None = None,
) -> Settings:
    return Settings(
        database_url=url,
        database_schema=schema,
        jurisdiction_file=jurisdiction,
        group_commit=group_commit,
        pool_size=pool_size,
        pool_max_overflow=max_overflow,
        data_dir=data_dir or Path("/tmp/chuishao-bench-data"),
    )


def url_of(settings: Settings) -> str:
    """The bench's PostgreSQL URL in clear (settings keep it secret)."""
    assert settings.database_url is not None
    return settings.database_url.get_secret_value()


def env_for(settings: Settings) -> dict[str, str]:
    """The CHUISHAO_* environment that makes ``Settings()`` equal ``settings`` in a subprocess."""
    env = dict(os.environ)
    env.update(
        CHUISHAO_DATABASE_URL=url_of(settings),
        CHUISHAO_DATABASE_SCHEMA=settings.database_schema,
        CHUISHAO_JURISDICTION_FILE=str(settings.jurisdiction_file),
        CHUISHAO_GROUP_COMMIT="true" if settings.group_commit else "false",
        CHUISHAO_POOL_SIZE=str(settings.pool_size),
        CHUISHAO_POOL_MAX_OVERFLOW=str(settings.pool_max_overflow),
        CHUISHAO_DATA_DIR=str(settings.data_dir),
    )
    return env


# The raw baseline's table: the library's events table, column for column, index for
# index (PRIMARY KEY (originator_id, originator_version), UNIQUE notification_id).
RAW_TABLE = """
CREATE TABLE IF NOT EXISTS {schema}.raw_events (
    originator_id uuid NOT NULL,
    originator_version bigint NOT NULL,
    topic text,
    state bytea,
    notification_id bigserial,
    PRIMARY KEY (originator_id, originator_version));
CREATE UNIQUE INDEX IF NOT EXISTS raw_events_notification_id_idx
    ON {schema}.raw_events (notification_id ASC);
"""
RAW_INSERT = (
    "INSERT INTO {schema}.raw_events (originator_id, originator_version, topic, state) "
    "VALUES (%s, %s, %s, %s) RETURNING notification_id"
)


def create_raw_table(url: str, schema: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(RAW_TABLE.format(schema=f'"{schema}"'))


def event_sizes(url: str, schema: str) -> tuple[int, int, int]:
    """(events, mean state bytes, mean topic bytes) of the product's events table."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            f'SELECT count(*), avg(octet_length(state)), avg(octet_length(topic)) FROM "{schema}".chuishao_events'
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1] or 0), int(row[2] or 0)


def server_facts(url: str) -> dict[str, str]:
    with psycopg.connect(url) as conn:
        facts = {"version": str(conn.execute("SHOW server_version").fetchone()[0])}  # type: ignore[index]
        for name in ("shared_buffers", "synchronous_commit", "max_connections", "fsync"):
            facts[name] = str(conn.execute(f"SHOW {name}").fetchone()[0])  # type: ignore[index]
    return facts


def vm_hwm_kb(pid: int) -> int | None:
    """Peak resident set size (VmHWM) of a live process, in kB."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def vm_rss_kb(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def raw_read(s: Settings, *, hash_rows: bool, page: int = 5000) -> tuple[int, float]:
    """Read every event row in pages by notification id with plain psycopg (and hash it)."""
    sql = (
        f'SELECT originator_id, originator_version, topic, state, notification_id FROM "{s.database_schema}".chuishao_events '
        "WHERE notification_id >= %s ORDER BY notification_id LIMIT %s"
    )
    n = 0
    t0 = time.perf_counter()
    with psycopg.connect(url_of(s)) as conn:
        start = 1
        while True:
            rows = conn.execute(sql, (start, page), prepare=True).fetchall()
            n += len(rows)
            if hash_rows:
                for r in rows:
                    hashlib.sha256(r[3]).hexdigest()
            if len(rows) < page:
                break
            start = rows[-1][4] + 1
    return n, time.perf_counter() - t0
