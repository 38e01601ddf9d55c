"""The roster log's signing in operation: checkpoints beside the case log's, and a key
rotation that hands both logs over (the service starts again with the new key)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from domain.values import Level
from infrastructure.settings import Settings
from interfaces.bootstrap import build_case_service, build_container, build_roster_service
from interfaces.checkpointer import Checkpointer
from interfaces.cli import app
from tests.integration.test_roster_signatures import COMMUNITY, COORD, confirmed_need
from tests.support.backends import sqlite_module
from tests.support.clock import FakeClock

pytestmark = sqlite_module  # the signing code is the same on both backends (tested there)


def test_the_checkpointer_signs_the_roster_log_too_when_it_grew(
    settings: Settings, clock: FakeClock
) -> None:
    with build_case_service(settings, clock=clock) as cases:
        roster = build_roster_service(settings, cases)
        try:
            log = roster.signed_log
            assert log is not None
            writer = Checkpointer(cases, every_seconds=0, every_events=1, others=[log])
            assert writer.tick(force=True)
            assert [r.kind for r in log.checkpoints()] == ["checkpoint"]
            confirmed_need(roster)
            assert writer.tick(force=True)  # as when the case log's next one is due
            [first, second] = log.checkpoints()
            assert second.position == log.log_position() > first.position
            report = log.verify().log
            assert report is not None and report.newest_checkpoint == second
        finally:
            roster.close()


def test_keys_rotate_hands_the_roster_log_over(
    cli_env: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHUISHAO_CONFIG_DIR", str(tmp_path / "operator-config"))
    runner = CliRunner()
    with build_container(Settings()) as c:
        confirmed_need(c.roster)
    assert runner.invoke(app, ["keys", "rotate"]).exit_code == 0
    with build_container(Settings()) as c:  # KeyMismatch here if the roster were left behind
        assert c.roster.signed_log is not None
        [rotation] = [r for r in c.roster.signed_log.checkpoints() if r.kind == "rotate"]
        signer = c.service.signer
        assert signer is not None
        assert rotation.endorsed_by != "" and rotation.key_id == signer.key_id
        c.roster.join_council(
            COORD, unit_id="yljw-property", level=Level.COMMUNITY, place_id=COMMUNITY
        )
    result = runner.invoke(app, ["verify"])
    assert result.exit_code == 0, result.output


def test_a_roster_anchor_exported_and_checked_by_verify(
    cli_env: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHUISHAO_CONFIG_DIR", str(tmp_path / "operator-config"))
    runner = CliRunner()
    with build_container(Settings()) as c:
        confirmed_need(c.roster)
    anchor = tmp_path / "roster-anchor.json"
    exported = runner.invoke(app, ["checkpoint", "export", "--roster", "--out", str(anchor)])
    assert exported.exit_code == 0, exported.output
    result = runner.invoke(app, ["verify", "--roster-anchor", str(anchor)])
    assert result.exit_code == 0, result.output
    roster_part = result.output.split("【双报到名册日志】")[1]
    assert "外部锚点：日志延续锚点，一致" in roster_part
