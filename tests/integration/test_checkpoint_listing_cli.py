"""`chuishao checkpoint list` shows both logs' checkpoints, each row marked with its log,
and an anchor given to the other log's check is refused by name."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from infrastructure.settings import Settings
from interfaces.bootstrap import build_container
from interfaces.cli import app
from tests.integration.test_roster_signatures import confirmed_need

runner = CliRunner()


@pytest.fixture
def signed(cli_env: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A roster need confirmed and a checkpoint of each log."""
    monkeypatch.setenv("CHUISHAO_CONFIG_DIR", str(tmp_path / "operator-config"))
    with build_container(Settings()) as c:
        confirmed_need(c.roster)
        c.service.checkpoint()
        assert c.roster.signed_log is not None
        c.roster.signed_log.checkpoint()
    return cli_env


def rows_of(output: str, label: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(f"│ {label} ")]


def test_checkpoint_list_shows_each_logs_rows_under_its_chinese_name(signed: Settings) -> None:
    result = runner.invoke(app, ["checkpoint", "list"])
    assert result.exit_code == 0, result.output
    cases, roster = rows_of(result.output, "案件日志"), rows_of(result.output, "双报到名册日志")
    assert len(cases) == 1 and len(roster) == 1
    assert "检查点" in roster[0]
    assert result.output.index(cases[0]) < result.output.index(roster[0])


def test_a_roster_anchor_given_as_the_case_logs_is_refused_by_name(
    signed: Settings, tmp_path: Path
) -> None:
    anchor = tmp_path / "roster.json"
    exported = runner.invoke(app, ["checkpoint", "export", "--roster", "--out", str(anchor)])
    assert exported.exit_code == 0, exported.output
    result = runner.invoke(app, ["verify", "--anchor", str(anchor)])
    assert result.exit_code == 2 and "双报到名册日志" in result.output
    assert "--roster-anchor" in result.output
    assert runner.invoke(app, ["verify", "--roster-anchor", str(anchor)]).exit_code == 0


def test_a_case_anchor_given_as_the_roster_logs_is_refused_by_name(
    signed: Settings, tmp_path: Path
) -> None:
    anchor = tmp_path / "cases.json"
    assert runner.invoke(app, ["checkpoint", "export", "--out", str(anchor)]).exit_code == 0
    result = runner.invoke(app, ["verify", "--roster-anchor", str(anchor)])
    assert result.exit_code == 2 and "案件日志" in result.output and "--anchor" in result.output
