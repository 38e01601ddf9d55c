"""The chuishao command line: demo plays the seed cases; history and verify read them."""

from __future__ import annotations

from typer.testing import CliRunner

from domain.values import Status
from infrastructure.settings import Settings
from interfaces.bootstrap import build_case_service
from interfaces.cli import app
from interfaces.demo import scenarios
from tests.support.raw_db import RawDb

runner = CliRunner()


def test_demo_plays_the_seed_cases_and_a_12345_order_through_the_service(cli_env: Settings) -> None:
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    for scenario in scenarios():
        assert scenario.title in result.output
    assert "哈希链完整" in result.output
    with build_case_service(cli_env) as service:
        cases = [service.get_case(s.case_id) for s in scenarios()]
    assert all(c.status is Status.CLOSED for c in cases)
    heating = cases[2]
    assert heating.pledged_fen == 1_500_000_00
    assert {u for w in heating.whistles for u in w.report_ins} == set(heating.whistles[0].unit_ids)


def test_demo_twice_adds_nothing(cli_env: Settings, raw: RawDb) -> None:
    runner.invoke(app, ["demo", "--no-histories"])
    count = raw.count()
    second = runner.invoke(app, ["demo", "--no-histories"])
    assert second.exit_code == 0
    assert "已存在" in second.output
    assert raw.count() == count


def test_history_prints_a_readable_timeline(cli_env: Settings) -> None:
    runner.invoke(app, ["demo", "--no-histories"])
    fire_lane = scenarios()[0].case_id
    result = runner.invoke(app, ["history", str(fire_lane)])
    assert result.exit_code == 0
    for text in ("上报受理", "吹哨", "部门报到", "建设派出所", "回访评价", "办结归档"):
        assert text in result.output


def test_history_of_unknown_or_malformed_id_fails_clearly(cli_env: Settings) -> None:
    unknown = runner.invoke(app, ["history", "00000000-0000-0000-0000-000000000000"])
    assert unknown.exit_code == 1 and "案件不存在" in unknown.output
    malformed = runner.invoke(app, ["history", "not-a-uuid"])
    assert malformed.exit_code == 2 and "格式不正确" in malformed.output


def test_verify_passes_then_names_a_tampered_event(cli_env: Settings, raw: RawDb) -> None:
    runner.invoke(app, ["demo", "--no-histories"])
    assert runner.invoke(app, ["verify"]).exit_code == 0
    water = scenarios()[1].case_id
    raw.drop_guards()
    key = water if raw.is_postgres else water.hex
    raw.execute(
        "UPDATE {events} SET state = %s WHERE originator_id = %s AND originator_version = 3",
        (_forge_amount(raw, key), key),
    )
    result = runner.invoke(app, ["verify"])
    assert result.exit_code == 1
    assert str(water) in result.output and "第 3 条事件" in result.output


def _forge_amount(raw: RawDb, key: object) -> bytes:
    state = bytes(
        raw.execute(
            "SELECT state FROM {events} WHERE originator_id = %s AND originator_version = 3", (key,)
        )[0][0]
    )
    forged = state.replace(b"60000000", b"90000000")
    assert forged != state
    return forged
