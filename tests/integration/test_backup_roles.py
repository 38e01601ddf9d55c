"""Backup and restore with the PostgreSQL roles separated (`chuishao db setup`): dumped and
restored as the owner, the restored log is still the owner's and append-only for the
service's role, and the service's role still writes, projects and verifies."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from infrastructure.append_only import EVENTS_TABLE
from interfaces.bootstrap import build_container
from interfaces.cli import app
from tests.support.actors import GRID_LEAD
from tests.support.backends import PG_URL
from tests.support.db_roles import TwoRoles, setup_ok, two_roles_fixture  # noqa: F401

runner = CliRunner()
pytestmark = pytest.mark.postgres


def _report(two_roles: TwoRoles, title: str) -> None:
    with build_container(two_roles.settings) as container:
        container.service.report_case(
            actor=GRID_LEAD, grid_id="binhewan", category_id="water-supply", title=title
        )
        container.projector.catch_up()


def test_a_restore_keeps_the_roles_apart(two_roles: TwoRoles, tmp_path: Path) -> None:
    setup_ok()
    _report(two_roles, "水管冻住")
    backup = runner.invoke(app, ["backup", "--to", str(tmp_path / "b")])
    assert backup.exit_code == 0, backup.output

    restored = runner.invoke(app, ["restore", "--from", str(tmp_path / "b"), "--force"])

    assert restored.exit_code == 0, restored.output
    _report(two_roles, "恢复后再报一件")  # the service's role writes and projects again
    assert runner.invoke(app, ["verify", "--views"]).exit_code == 0
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        owners = dict(
            conn.execute(
                "SELECT tablename, tableowner FROM pg_tables WHERE schemaname = %s",
                (two_roles.schema,),
            ).fetchall()
        )
    assert owners[EVENTS_TABLE] == "postgres"
    assert owners["ledger_cases"] == two_roles.role
    with psycopg.connect(two_roles.app_url, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(f'DELETE FROM "{two_roles.schema}".{EVENTS_TABLE}')
