"""Two PostgreSQL roles for a test: a fresh service role and schema, with ``postgres`` as the
owner, and `chuishao db setup` run through the CLI (docs/reliability.md "PostgreSQL roles")."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql
from typer.testing import CliRunner

from infrastructure.append_only import APPEND_ONLY_TABLES
from infrastructure.settings import Settings
from interfaces.cli import app
from tests.support.backends import PG_URL, require_postgres

runner = CliRunner()


@dataclass
class TwoRoles:
    schema: str
    role: str
    app_url: str  # the service's role
    settings: Settings  # the service's settings

    def log_tables(self) -> list[str]:
        """The append-only tables that exist (some are added by later code)."""
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = %s AND tablename = ANY(%s)",
                (self.schema, list(APPEND_ONLY_TABLES)),
            ).fetchall()
        return sorted(r[0] for r in rows)


# Named for use: a test module imports ``two_roles_fixture`` and asks for ``two_roles``.
@pytest.fixture(name="two_roles")
def two_roles_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TwoRoles]:
    """A fresh LOGIN role for the service and a fresh schema owned by ``postgres``, which
    plays the owner role; the CLI's environment points at both."""
    require_postgres()
    suffix = secrets.token_hex(6)
    role, schema, password = f"chuishao_app_{suffix}", f"t_{suffix}", secrets.token_hex(12)
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(role), sql.Literal(password)
            )
        )
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    url = urlsplit(PG_URL)
    host = f"{url.hostname}:{url.port or 5432}"
    app_url = urlunsplit(url._replace(netloc=f"{role}:{password}@{host}"))
    monkeypatch.setenv("CHUISHAO_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CHUISHAO_DATABASE_URL", app_url)
    monkeypatch.setenv("CHUISHAO_DATABASE_SCHEMA", schema)
    monkeypatch.setenv("CHUISHAO_OWNER_DATABASE_URL", PG_URL)
    settings = Settings(database_url=app_url, database_schema=schema, data_dir=tmp_path)
    try:
        yield TwoRoles(schema, role, app_url, settings)
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def setup_ok() -> str:
    result = runner.invoke(app, ["db", "setup"])
    assert result.exit_code == 0, result.output
    return result.output
