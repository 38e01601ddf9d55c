"""Shared fixtures. Tests that touch storage run on both backends: a SQLite file and a real PostgreSQL.

PostgreSQL tests get a schema of their own and drop it afterwards. Locally they
are skipped when no server answers; under CI=true a missing server fails them.
The helpers tests import by name live in tests/support.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from application.service import CaseService
from infrastructure.settings import Settings
from interfaces.bootstrap import build_case_service
from tests.support.backends import PG_URL, require_postgres
from tests.support.clock import FakeClock
from tests.support.raw_db import RawDb

# Keys and secrets the tests create go to a throwaway directory, never the user's ~/.config.
os.environ.setdefault("CHUISHAO_CONFIG_DIR", tempfile.mkdtemp(prefix="chuishao-config-"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the PostgreSQL runs of modules marked ``sqlite_only`` (tests.support.backends)."""
    keep, drop = [], []
    for item in items:
        spec = getattr(item, "callspec", None)
        on_pg = spec is not None and spec.params.get("settings") == "postgres"
        (drop if on_pg and item.get_closest_marker("sqlite_only") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


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
