"""A rebuild from the event log gives exactly the tables incremental processing built."""

from __future__ import annotations

import random

from typer.testing import CliRunner

from infrastructure.settings import Settings
from interfaces.bootstrap import Container, build_container
from interfaces.cli import app
from tests.conftest import FakeClock
from tests.projections.checks import all_mismatches, report, snapshot
from tests.projections.generator import HistoryGenerator
from tests.projections.recount import Recount, read_log

runner = CliRunner()


def _incremental_history(container: Container, clock: FakeClock, n_cases: int) -> None:
    """Catch up after every few commands, so cases are folded across many transactions."""
    gen = HistoryGenerator(container.service, clock, n_cases=n_cases, seed=11)
    sizes = random.Random(5)
    while not gen.done:
        gen.run(limit=sizes.choice((1, 2, 3, 7, 20, 60)))
        container.projector.catch_up()


def test_reset_and_catch_up_reproduces_the_incremental_tables(
    container: Container, clock: FakeClock
) -> None:
    _incremental_history(container, clock, n_cases=250)
    incremental = snapshot(container.engine)
    head = container.projector.head()
    assert container.projector.positions() == {"ledger": head}
    assert all(incremental.values()), "every ledger table has rows"

    for view in container.projector.views:
        view.reset()
    assert container.projector.positions() == {"ledger": 0}
    assert not any(snapshot(container.engine).values())

    assert container.projector.catch_up() == len(read_log(container.service)) == head
    rebuilt = snapshot(container.engine)
    for table, rows in incremental.items():
        assert rebuilt[table] == rows, f"{table} differs after the rebuild"
    assert container.projector.positions() == {"ledger": head}
    problems = all_mismatches(container, Recount.of(container.service))
    assert not problems, report(problems)


def test_cli_rebuild_prints_progress_and_ends_at_the_head(
    cli_env: Settings, clock: FakeClock
) -> None:
    with build_container(cli_env, clock=clock) as c:
        _incremental_history(c, clock, n_cases=120)
        before = snapshot(c.engine)
        head = c.projector.head()
        assert len(read_log(c.service)) == head  # no gaps in the log: every id is an event

    result = runner.invoke(app, ["projections", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "重建统计视图" in result.output  # the progress bar's label
    assert f"{head}/{head}" in result.output  # …and it completed
    assert f"已重建：{head} 条事件" in result.output
    assert f"'ledger': {head}" in result.output

    with build_container(cli_env, clock=clock) as c:
        assert c.projector.positions() == {"ledger": head}
        assert snapshot(c.engine) == before
        problems = all_mismatches(c, Recount.of(c.service))
        assert not problems, report(problems)

    status = runner.invoke(app, ["projections", "status"])
    assert status.exit_code == 0, status.output
    assert "ledger" in status.output and str(head) in status.output
