"""The two backends: where the test PostgreSQL is, whether it answers, and a mark for the
tests that run on SQLite alone because the backend cannot change their answer."""

from __future__ import annotations

import os

import psycopg
import pytest

PG_URL = os.environ.get(
    "CHUISHAO_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/chuishao_test"
)

# Overrides the ``settings`` fixture's two backends for one test or module. Use it only
# where the answer is decided before or apart from the store (request validation, access
# rules over a loaded case), and say why beside it.
sqlite_only = pytest.mark.parametrize("settings", ["sqlite"], indirect=True)
# The same for a whole module (``pytestmark = sqlite_module``), where some tests use no
# ``settings`` at all: tests/conftest.py deselects the module's PostgreSQL runs.
sqlite_module = pytest.mark.sqlite_only


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
    except psycopg.errors.DuplicateDatabase:
        pass  # another test worker created it between the check and the CREATE
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
