"""The fast rebuild (folded from the stored JSON, bulk-written, optionally by several
processes) gives exactly the rows of the object path, and a failure leaves the old view."""

from __future__ import annotations

import os
from typing import Any, cast
from uuid import uuid4

import pytest
from eventsourcing.persistence import StoredEvent
from sqlalchemy import inspect
from typer.testing import CliRunner

import projections.fast_decode
import projections.rebuild_bulk
import projections.rebuild_partitions
from application.integrity import GENESIS, seal
from infrastructure.settings import Settings
from interfaces.bootstrap import Container, build_container
from interfaces.cli import app
from interfaces.demo import ScriptedClock, play
from projections.fast_decode import _inner
from projections.ledger import LedgerView
from projections.rebuild import SUFFIX, rebuild
from projections.rebuild_fold import StateFold
from projections.rebuild_partitions import RebuildFailed, rebuild_views
from tests.projections.checks import snapshot
from tests.projections.generator import HistoryGenerator
from tests.projections.test_fast_decode import _store_version_1_case
from tests.support.clock import FakeClock

runner = CliRunner()


def _history(c: Container, clock: FakeClock) -> None:
    """The demo's seed cases, a generated history and a case stored by version 1."""
    start = clock.now
    play(c.service, cast(ScriptedClock, clock))  # sets the service's clock, step by step
    clock.now = start
    HistoryGenerator(c.service, clock, n_cases=70, seed=17).run()
    _store_version_1_case(c, clock)


def _small_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages, transactions and memory far smaller than the history: rows are flushed,
    forgotten, read back and updated many times over."""
    monkeypatch.setattr(projections.rebuild_bulk, "PAGE", 37)
    monkeypatch.setattr(projections.rebuild_bulk, "PER_TRANSACTION", 80)
    monkeypatch.setattr(projections.rebuild_bulk, "MAX_ROWS", 9)


def _column(objects: dict[str, list[Any]], table: str, column: str) -> list[Any]:
    """One column of a snapshot's rows of ``table``."""
    i = LedgerView.metadata.tables[table].columns.keys().index(column)
    return [r[i] for r in objects[table]]


def _no_fresh_tables(c: Container) -> bool:
    return not any(SUFFIX in name for name in inspect(c.engine).get_table_names())


@pytest.mark.parametrize("small", [False, True], ids=["whole", "small-steps"])
def test_the_stored_fold_gives_the_object_paths_rows(
    container: Container, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, small: bool
) -> None:
    _history(container, clock)
    head = container.projector.head()
    assert rebuild(container.projector) == head  # the object path
    objects = snapshot(container.engine)
    # every table of the view, the rollups of schema 9 among them, has rows to compare
    assert set(objects) == {t.name for t in LedgerView.metadata.sorted_tables}
    assert all(objects.values()), [name for name, rows in objects.items() if not rows]
    assert any(v is not None for v in _column(objects, "ledger_summons", "delay_us"))
    if small:
        _small_steps(monkeypatch)
    for workers in (1, 3):  # SQLite: the slices one after another
        assert rebuild_views(container.projector, workers=workers) == head
        assert snapshot(container.engine) == objects, f"{workers} workers"
        assert container.projector.positions() == {"ledger": head}
    assert _no_fresh_tables(container)


def test_events_appended_during_the_rebuild_are_applied_before_the_swap(
    container: Container, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    gen = HistoryGenerator(container.service, clock, n_cases=40, seed=5)
    gen.run(limit=120)
    first_head = container.projector.head()
    real = projections.rebuild_partitions.fold_slice

    def write_meanwhile(*args: Any, **kwargs: Any) -> Any:
        gen.run()  # after the head was read, before its slice is folded
        return real(*args, **kwargs)

    monkeypatch.setattr(projections.rebuild_partitions, "fold_slice", write_meanwhile)
    applied = rebuild_views(container.projector)
    head = container.projector.head()
    assert head > first_head
    assert applied == head
    assert container.projector.positions() == {"ledger": head}
    fast = snapshot(container.engine)
    rebuild(container.projector)
    assert snapshot(container.engine) == fast


@pytest.mark.parametrize("workers", [1, 2])
def test_a_failed_worker_leaves_the_old_view_serving(
    container: Container, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    HistoryGenerator(container.service, clock, n_cases=30, seed=8).run()
    container.projector.catch_up()
    before, marks = snapshot(container.engine), container.projector.marks()
    _small_steps(monkeypatch)  # some slices commit rows before one fails
    folds = 0
    real = StateFold.fold

    def dies_midway(self: StateFold, *args: Any) -> None:
        nonlocal folds
        folds += 1
        if folds > 60:
            raise RuntimeError("the worker died")
        real(self, *args)

    monkeypatch.setattr(StateFold, "fold", dies_midway)
    with pytest.raises((RuntimeError, RebuildFailed), match="the worker died"):
        rebuild_views(container.projector, workers=workers)
    assert snapshot(container.engine) == before
    assert container.projector.marks() == marks
    assert _no_fresh_tables(container)
    monkeypatch.setattr(StateFold, "fold", real)
    assert rebuild_views(container.projector, workers=workers) == container.projector.head()
    assert snapshot(container.engine) == before


def test_workers_must_be_at_least_one(container: Container) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        rebuild_views(container.projector, workers=0)


def test_a_sound_envelope_is_opened_without_the_full_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The inner bytes of a sealed event are sliced at their fixed offset (the full
    ``open_envelope`` only for what does not look like an envelope)."""
    stored = StoredEvent(uuid4(), 1, "t", b'{"a":1}')
    sealed, _ = seal(stored, GENESIS)

    def not_called(state: bytes) -> Any:
        raise AssertionError("the slow path")

    monkeypatch.setattr(projections.fast_decode, "open_envelope", not_called)
    assert _inner(sealed.state) == b'{"a":1}'
    with pytest.raises(AssertionError, match="slow path"):
        _inner(b'{"chain":"forged","event":{"a":1}}')


def test_the_cli_rebuilds_with_workers_and_refuses_fewer_than_one(
    cli_env: Settings, clock: FakeClock
) -> None:
    with build_container(cli_env, clock=clock) as c:
        HistoryGenerator(c.service, clock, n_cases=30, seed=2).run()
        c.projector.catch_up()
        before, head = snapshot(c.engine), c.projector.head()

    for bad in ("0", "-3", "many"):
        refused = runner.invoke(app, ["projections", "rebuild", "--workers", bad])
        assert refused.exit_code == 2, refused.output  # a usage error, nothing rebuilt
    result = runner.invoke(app, ["projections", "rebuild", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert f"已重建：{head} 条事件" in result.output

    with build_container(cli_env, clock=clock) as c:
        assert snapshot(c.engine) == before
        assert c.projector.marks() == {"ledger": (1, head)}  # one swap: the refusals did none


def test_a_killed_worker_fails_the_rebuild_and_leaves_the_old_view(
    container: Container, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL (workers are processes there): a worker that exits without a word."""
    if container.engine.dialect.name != "postgresql":
        pytest.skip("SQLite folds the slices in this process")
    HistoryGenerator(container.service, clock, n_cases=20, seed=4).run()
    container.projector.catch_up()
    before, marks = snapshot(container.engine), container.projector.marks()
    _small_steps(monkeypatch)
    folds = 0

    def killed(self: StateFold, *args: Any) -> None:
        nonlocal folds
        folds += 1
        if folds > 40:
            os._exit(9)  # as a SIGKILL would: no result, no clean-up

    monkeypatch.setattr(StateFold, "fold", killed)
    with pytest.raises(RebuildFailed, match="died"):
        rebuild_views(container.projector, workers=2)
    assert snapshot(container.engine) == before
    assert container.projector.marks() == marks
    assert _no_fresh_tables(container)
