"""The command line reads its settings once per run, and a bad one stops it at once,
named, before anything is opened or written."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from infrastructure.settings import Settings
from interfaces.cli import app
from tests.support.processes import CLI

runner = CliRunner()
SECRET = "s3cret-pw"


@pytest.fixture
def bad_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CHUISHAO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CHUISHAO_DATABASE_URL", f"postgresql://app:{SECRET}@db.example")
    return tmp_path / "data"


@pytest.mark.parametrize(
    "command", [["serve"], ["demo"], ["verify"], ["users", "list"], ["projections", "status"]]
)
def test_a_bad_database_url_stops_any_command_naming_the_variable(
    bad_url: Path, command: list[str]
) -> None:
    result = runner.invoke(app, command)
    assert result.exit_code == 2
    assert "配置有误" in result.output
    assert "CHUISHAO_DATABASE_URL" in result.output and "no database name" in result.output
    assert SECRET not in result.output
    assert not bad_url.exists()  # nothing opened, nothing written


def test_the_installed_command_says_so_too(bad_url: Path) -> None:
    run = subprocess.run([*CLI, "serve"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert "CHUISHAO_DATABASE_URL" in run.stderr and "Traceback" not in run.stderr
    assert SECRET not in run.stdout + run.stderr


def test_a_bad_owner_url_on_the_command_line_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHUISHAO_DATA_DIR", str(tmp_path))
    result = runner.invoke(
        app,
        ["db", "setup", "--app-role", "app", "--owner-url", f"mysql://o:{SECRET}@h/db"],
    )
    assert result.exit_code == 2
    assert "scheme" in result.output and SECRET not in result.output


def test_settings_are_read_once_per_run(cli_env: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[Settings] = []
    read = Settings.__init__

    def counted(self: Settings, **values: Any) -> None:
        read(self, **values)
        reads.append(self)

    monkeypatch.setattr(Settings, "__init__", counted)
    result = runner.invoke(app, ["verify", "--views"])  # the log, then the views
    assert result.exit_code == 0, result.output
    assert len(reads) == 1
