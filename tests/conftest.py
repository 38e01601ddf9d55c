"""Shared fixtures. Tests that touch storage run on both backends: a SQLite file and a real PostgreSQL.

PostgreSQL tests get a schema of their own and drop it afterwards. Locally they
are skipped when no server answers; under CI=true a missing server fails them.
"""

from __future__ import annotations

import os
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from application.service import CaseService
from domain.values import Actor, Role
from infrastructure.event_store import SQLITE_FILE
from infrastructure.settings import Settings
from interfaces.bootstrap import build_case_service

# Keys and secrets the tests create go to a throwaway directory, never the user's ~/.config.
os.environ.setdefault("CHUISHAO_CONFIG_DIR", tempfile.mkdtemp(prefix="chuishao-config-"))

PG_URL = os.environ.get(
    "CHUISHAO_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/chuishao_test"
)


def _ensure_pg_database() -> str | None:
    """Create the test database if needed; return why PostgreSQL is unusable, or None."""
    admin_url = PG_URL.rsplit("/", 1)[0] + "/postgres"
    dbname = PG_URL.rsplit("/", 1)[1]
    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{dbname}"')
    except psycopg.Error as e:
        return str(e)
    return None


_PG_PROBLEM: list[str | None] = []


def require_postgres() -> None:
    if not _PG_PROBLEM:
        _PG_PROBLEM.append(_ensure_pg_database())
    problem = _PG_PROBLEM[0]
    if problem is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL is required in CI but unreachable: {problem}")
        pytest.skip(f"PostgreSQL unreachable: {problem}")


class RawDb:
    """Direct access to the events table, around the service: what an intruder would do."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @property
    def is_postgres(self) -> bool:
        return self.settings.database_url is not None

    @property
    def table(self) -> str:
        if self.is_postgres:
            return f'"{self.settings.database_schema}".chuishao_events'
        return "stored_events"

    def connect(self) -> Any:
        if self.is_postgres:
            return psycopg.connect(self.settings.database_url.get_secret_value(), autocommit=True)
        conn = sqlite3.connect(self.settings.data_dir / SQLITE_FILE, isolation_level=None)
        return conn

    @property
    def signatures(self) -> str:
        if self.is_postgres:
            return f'"{self.settings.database_schema}".chuishao_log_signatures'
        return "chuishao_log_signatures"

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        sql = sql.replace("{events}", self.table).replace("{signatures}", self.signatures)
        if not self.is_postgres:
            sql = sql.replace("%s", "?")
        conn = self.connect()
        try:
            cur = conn.execute(sql, params)
            return list(cur.fetchall()) if cur.description else []
        finally:
            conn.close()

    def drop_guards(self) -> None:
        """Remove the append-only triggers, as a database superuser could."""
        for table in (self.table, self.signatures):
            if self.is_postgres:
                self.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            else:
                self.execute(f"DROP TRIGGER {table}_no_update")
                self.execute(f"DROP TRIGGER {table}_no_delete")

    def count(self) -> int:
        return int(self.execute("SELECT COUNT(*) FROM {events}")[0][0])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    if request.param == "sqlite":
        yield Settings(data_dir=tmp_path, database_url=None)
        return
    require_postgres()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    yield Settings(database_url=PG_URL, database_schema=schema, data_dir=tmp_path)
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Point the CLI (``Settings()`` from the environment) at the test's database."""
    monkeypatch.setenv("CHUISHAO_DATA_DIR", str(settings.data_dir))
    if settings.database_url:
        monkeypatch.setenv("CHUISHAO_DATABASE_URL", settings.database_url.get_secret_value())
        monkeypatch.setenv("CHUISHAO_DATABASE_SCHEMA", settings.database_schema)
    else:
        monkeypatch.delenv("CHUISHAO_DATABASE_URL", raising=False)
        monkeypatch.delenv("CHUISHAO_DATABASE_SCHEMA", raising=False)
    return settings


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def service(settings: Settings, clock: FakeClock) -> Iterator[CaseService]:
    with build_case_service(settings, clock=clock) as svc:
        yield svc


@pytest.fixture
def raw(settings: Settings) -> RawDb:
    return RawDb(settings)


GRID_LEAD = Actor("gl-1", Role.GRID_LEAD)
COORDINATOR = Actor("co-1", Role.COORDINATOR)
POLICE_LIAISON = Actor("li-police", Role.LIAISON)
PROPERTY_LIAISON = Actor("li-property", Role.LIAISON)


CLI = [sys.executable, "-c", "from interfaces.cli import main; main()"]


@contextmanager
def demo_server(data_dir: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """Run `chuishao demo` then `chuishao serve` as real processes on the embedded store;
    yield the base URL and the demo tokens the demo printed."""
    env = {**os.environ, "CHUISHAO_DATA_DIR": str(data_dir), "COLUMNS": "200"}
    env.pop("CHUISHAO_DATABASE_URL", None)
    demo = subprocess.run(
        [*CLI, "demo", "--no-histories"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    tokens = dict(re.findall(r"│ (\S+)\s+│ \S+\s+│ (cs_\S+)", demo.stdout))
    port = free_port()
    server = subprocess.Popen(
        [*CLI, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail("server did not start")
        yield base, tokens
    finally:
        server.terminate()
        server.wait(timeout=10)
