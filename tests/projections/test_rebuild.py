"""A rebuild from the event log gives exactly the tables incremental processing built."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from eventsourcing.persistence import Tracking
from typer.testing import CliRunner

import projections.ledger
import projections.runner
from infrastructure.settings import Settings
from interfaces.bootstrap import Container, build_container
from interfaces.cli import app
from tests.projections.checks import all_mismatches, report, snapshot
from tests.projections.generator import HistoryGenerator
from tests.projections.recount import Recount, read_log
from tests.support.clock import FakeClock

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


@pytest.mark.parametrize(
    ("page", "per_transaction", "max_rows"),
    [(7, 7, 100_000), (50, 200, 100_000), (64, 256, 25), (5000, 50_000, 3)],
)
def test_rows_kept_in_memory_across_transactions_give_the_same_tables(
    container: Container,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    page: int,
    per_transaction: int,
    max_rows: int,
) -> None:
    """Bulk catch-up: pages, transactions and the in-memory row limit in any combination
    (rows forgotten and read back) store exactly what one event at a time stores."""
    _incremental_history(container, clock, n_cases=150)
    incremental = snapshot(container.engine)
    for view in container.projector.views:
        view.reset()
    monkeypatch.setattr(projections.runner, "PULL_BATCH", page)
    monkeypatch.setattr(projections.runner, "TRANSACTION_EVENTS", per_transaction)
    monkeypatch.setattr(projections.ledger, "MAX_ROWS", max_rows)
    monkeypatch.setattr(projections.ledger.Batch, "max_rows", max_rows)

    assert container.projector.catch_up() == container.projector.head()
    assert snapshot(container.engine) == incremental


def test_rows_in_memory_are_dropped_when_another_projector_wrote_in_between(
    container: Container, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between two of our transactions another projector applies part of the log: our
    next transaction sees the position moved, forgets its rows (stale now: the other
    changed some of them) and goes on after what the other applied."""
    _incremental_history(container, clock, n_cases=80)
    incremental = snapshot(container.engine)
    head = container.projector.head()
    for view in container.projector.views:
        view.reset()
    monkeypatch.setattr(projections.runner, "PULL_BATCH", 100)
    monkeypatch.setattr(projections.runner, "TRANSACTION_EVENTS", 100)
    view = container.projector.views[0]
    log = [(e, Tracking(container.service.name, i)) for i, e in read_log(container.service)]
    # the other applies events 100..k-1, where a case we fold first goes on after k
    cases = [str(e.originator_id) for e, _ in log]
    k = next(k for k in range(101, head) if set(cases[:100]) & set(cases[100:k]) & set(cases[k:]))
    calls = []
    original = type(view).locked

    with build_container(container.settings, clock=clock) as other:

        @contextmanager
        def locked(self: Any, application_name: str) -> Iterator[Any]:
            calls.append(application_name)
            if len(calls) == 2:  # after our first transaction committed
                other.projector.projections[0].process_batch(log[100:k])
            with original(self, application_name) as tx:
                yield tx

        monkeypatch.setattr(type(view), "locked", locked)
        assert container.projector.catch_up() == head - (k - 100)  # the other's are skipped
    assert container.projector.positions() == {"ledger": head}
    assert snapshot(container.engine) == incremental
