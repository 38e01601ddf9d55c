"""The views checked against the event log: an intruder's edit of a view row is named."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from infrastructure.settings import Settings
from interfaces.bootstrap import Container, build_container
from interfaces.cli import app
from interfaces.demo import ScriptedClock, play, scenarios
from projections.audit import ViewDifference, audit_ledger, audit_views
from projections.ledger import LedgerView
from projections.ledger_tables import cases, summons
from projections.rollups import TABLES
from tests.projections.generator import HistoryGenerator
from tests.support.clock import FakeClock

runner = CliRunner()
FIRE_LANE = str(scenarios()[0].case_id)


@pytest.fixture
def demo(settings: Settings) -> Iterator[Container]:
    clock = ScriptedClock()
    with build_container(settings, clock=clock) as c:
        play(c.service, clock)
        c.projector.catch_up()
        yield c


def tamper(c: Container, sql: str, **params: Any) -> None:
    """What someone with database access does, around the service."""
    with c.engine.begin() as conn:
        assert conn.execute(text(sql), params).rowcount >= 1


def stored(c: Container, column: str, case_id: str = FIRE_LANE) -> Any:
    with c.engine.connect() as conn:
        return conn.execute(select(cases.c[column]).where(cases.c.case_id == case_id)).scalar()


def test_the_demo_history_verifies_clean(demo: Container) -> None:
    report = audit_views(demo.projector)
    assert report.intact, report.differences
    assert report.cases == len(scenarios()) == 6  # the five seeds and a 12345 order
    assert report.position == demo.projector.head()
    assert report.rows > 5  # summons, pledges, units and rollup rows were compared too


def test_a_generated_history_verifies_clean_in_several_passes(
    container: Container, clock: FakeClock
) -> None:
    HistoryGenerator(container.service, clock, n_cases=90, seed=7).run()
    container.projector.catch_up()
    calls: list[tuple[int, int]] = []
    view = container.projector.views[0]
    assert isinstance(view, LedgerView)
    report = audit_ledger(
        container.service, view, max_cases=20, progress=lambda d, t: calls.append((d, t))
    )
    assert report.intact, report.differences[:5]
    assert report.cases == 90
    assert calls[-1][0] == calls[-1][1] == 5 * container.projector.head()  # 5 passes of 20


@pytest.mark.parametrize(
    ("column", "forged"),
    [("status", "resolved"), ("satisfaction", "unsatisfied"), ("whistles", 0), ("round", 3)],
)
def test_an_edited_ledger_column_is_named(demo: Container, column: str, forged: Any) -> None:
    truth = stored(demo, column)
    assert truth != forged
    tamper(demo, f"UPDATE ledger_cases SET {column} = :v WHERE case_id = :k", v=forged, k=FIRE_LANE)
    report = audit_views(demo.projector)
    assert not report.intact
    assert report.differences == [
        ViewDifference("ledger_cases", FIRE_LANE, column, "differs", forged, truth)
    ]


def test_an_edited_rollup_count_is_named(demo: Container) -> None:
    table = TABLES["grid"]
    with demo.engine.connect() as conn:
        row = conn.execute(select(table).where(table.c.grid_id == "chengshi-huating")).one()
    tamper(
        demo,
        "UPDATE ledger_counts_grid SET satisfied = satisfied + 1 WHERE grid_id = 'chengshi-huating'",
    )
    report = audit_views(demo.projector)
    key = "/".join((row.reported_month, row.street_id, row.community_id, row.grid_id))
    assert report.differences == [
        ViewDifference(
            "ledger_counts_grid", key, "satisfied", "differs", row.satisfied + 1, row.satisfied
        )
    ]


def test_an_edited_summons_is_named(demo: Container) -> None:
    with demo.engine.connect() as conn:
        first = conn.execute(select(summons).where(summons.c.case_id == FIRE_LANE)).first()
    assert first is not None and first.late is not None
    tamper(
        demo,
        "UPDATE ledger_summons SET late = :v WHERE case_id = :k AND whistle_id = :w AND unit_id = :u",
        v=not first.late,
        k=FIRE_LANE,
        w=first.whistle_id,
        u=first.unit_id,
    )
    report = audit_views(demo.projector)
    key = f"{FIRE_LANE}/{first.whistle_id}/{first.unit_id}"
    assert report.differences == [
        ViewDifference("ledger_summons", key, "late", "differs", not first.late, first.late)
    ]


def test_a_deleted_row_and_rows_for_a_case_that_does_not_exist_are_named(
    demo: Container,
) -> None:
    water = str(scenarios()[1].case_id)
    ghost = "00000000-0000-4000-8000-000000000000"
    tamper(demo, "DELETE FROM ledger_cases WHERE case_id = :k", k=water)
    columns = ", ".join(c.name for c in cases.columns if c.name != "case_id")
    tamper(
        demo,
        f"INSERT INTO ledger_cases (case_id, {columns}) "
        f"SELECT :ghost, {columns} FROM ledger_cases WHERE case_id = :k",
        ghost=ghost,
        k=FIRE_LANE,
    )
    report = audit_views(demo.projector)
    assert ViewDifference("ledger_cases", water, None, "missing") in report.differences
    assert ViewDifference("ledger_cases", ghost, None, "extra") in report.differences
    assert report.total == len(report.differences) == 2


def test_only_events_up_to_the_views_position_are_compared(demo: Container) -> None:
    """A view that lags the log is behind, not wrong."""
    position = demo.projector.head()
    clock = FakeClock()
    with build_container(demo.settings, clock=clock) as other:
        HistoryGenerator(other.service, clock, n_cases=5, seed=1).run()
    assert demo.projector.head() > position
    report = audit_views(demo.projector)
    assert report.intact, report.differences
    assert report.position == position and report.cases == 6


def test_the_listed_differences_are_capped_but_all_are_counted(demo: Container) -> None:
    tamper(demo, "UPDATE ledger_cases SET reopened = 9")
    view = demo.projector.views[0]
    assert isinstance(view, LedgerView)
    report = audit_ledger(demo.service, view, limit=2)
    assert report.total == 6 and len(report.differences) == 2
    assert {d.column for d in report.differences} == {"reopened"}


def test_cli_verify_views_names_the_difference_in_chinese(cli_env: Settings) -> None:
    assert runner.invoke(app, ["demo", "--no-histories"]).exit_code == 0
    clean = runner.invoke(app, ["verify", "--views"])
    assert clean.exit_code == 0, clean.output
    assert "统计视图与事件日志一致" in clean.output
    with build_container(cli_env) as c:
        forged = "unsatisfied" if stored(c, "satisfaction") != "unsatisfied" else "satisfied"
        tamper(
            c, "UPDATE ledger_cases SET satisfaction = :v WHERE case_id = :k", v=forged, k=FIRE_LANE
        )
    result = runner.invoke(app, ["verify", "--views"])
    assert result.exit_code == 1, result.output
    assert "统计视图与事件日志不一致：1 处差异" in result.output
    assert f"案件台账（ledger_cases）行 {FIRE_LANE} 列 satisfaction" in result.output
    assert "哈希链完整" in result.output  # the log itself is intact: only the view lies
    assert runner.invoke(app, ["verify"]).exit_code == 0  # without --views: not checked


def test_an_event_the_fold_cannot_apply_is_named_not_fatal(demo: Container) -> None:
    """An intruder appends a copy of a later event under a new case id (no report
    before it) and moves the view's position past it: the check names that case."""
    postgres = demo.engine.dialect.name == "postgresql"
    events = "chuishao_events" if postgres else "stored_events"
    fire_lane, ghost = scenarios()[0].case_id, uuid.uuid4()
    key = (lambda u: u) if postgres else (lambda u: u.hex)
    tamper(
        demo,
        f"INSERT INTO {events} (originator_id, originator_version, topic, state) "
        f"SELECT :ghost, 1, topic, state FROM {events} "
        "WHERE originator_id = :k AND originator_version = 2",
        ghost=key(ghost),
        k=key(fire_lane),
    )
    tamper(
        demo,
        "UPDATE chuishao_projection_tracking SET notification_id = :p",
        p=demo.projector.head(),
    )
    report = audit_views(demo.projector)
    assert [(d.view, d.key, d.problem) for d in report.differences] == [
        ("ledger_cases", str(ghost), "unfoldable")
    ]
    assert "KeyError" in report.differences[0].expected
