"""The projector reads the log once per catch-up and applies each page to every view of
the database in one transaction with their positions (projections/together.py).

A second copy of the ledger (a rebuild's fresh tables, with a position of its own) is the
second view: it must end up row for row like the live one, whatever either held before.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from eventsourcing.persistence import Tracking
from sqlalchemy import event, select

import projections.ledger
from interfaces.bootstrap import Container
from projections.ledger import CaseLedger
from projections.rebuild import _drop, fresh_view
from projections.runner import Projector
from projections.view import SqlView
from tests.projections.generator import HistoryGenerator
from tests.projections.recount import read_log
from tests.support.clock import FakeClock


@pytest.fixture
def two(container: Container) -> Iterator[tuple[Projector, SqlView]]:
    """A projector of the live ledger and a second copy of it, in one database."""
    live = container.projector.projections[0]
    fresh = fresh_view(live.view)
    _drop(fresh)
    fresh.tables.metadata.create_all(container.engine)
    projector = Projector(container.service, [live, live.for_view(fresh)])
    try:
        yield projector, fresh
    finally:
        _drop(fresh)


def _rows(view: SqlView) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the view's tables under their live names, sorted."""
    with view.engine.connect() as conn:
        return {
            name: sorted((tuple(r) for r in conn.execute(select(table))), key=repr)
            for name, table in zip(
                view.tables.live_names, view.tables.metadata.sorted_tables, strict=True
            )
        }


def _positions(projector: Projector) -> list[int | None]:
    """Each view's position (the two copies share the projection's name)."""
    return [view.max_tracking_id(projector.service.name) for view in projector.views]


def _commits(container: Container) -> list[int]:
    counted: list[int] = []
    event.listen(container.engine, "commit", lambda conn: counted.append(1))
    return counted


def _reads(container: Container, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    recorder = container.service.recorder
    original = recorder.select_notifications
    starts: list[int] = []

    def select_notifications(start: int, limit: int, *args: Any, **kwargs: Any) -> Any:
        starts.append(start)
        return original(start, limit, *args, **kwargs)

    monkeypatch.setattr(recorder, "select_notifications", select_notifications)
    return starts


def test_one_read_and_one_commit_per_catch_up_for_both_views(
    container: Container,
    clock: FakeClock,
    two: tuple[Projector, SqlView],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    projector, fresh = two
    gen = HistoryGenerator(container.service, clock, n_cases=40, seed=3)
    gen.run(limit=120)
    projector.catch_up()  # first use: the position rows are made
    gen.run(limit=60)
    commits, reads = _commits(container), _reads(container, monkeypatch)
    assert projector.catch_up() == 2 * 60
    assert len(commits) == 1
    assert len(reads) == 1
    assert _positions(projector) == [projector.head()] * 2
    assert _rows(fresh) == _rows(container.projector.views[0])


def test_views_at_different_positions_each_get_only_what_they_lack(
    container: Container, clock: FakeClock, two: tuple[Projector, SqlView]
) -> None:
    projector, fresh = two
    HistoryGenerator(container.service, clock, n_cases=50, seed=5).run()
    log = [(e, Tracking(container.service.name, i)) for i, e in read_log(container.service)]
    live, copy = projector.projections
    live.process_batch(log[: len(log) // 3])  # the live view ahead, the copy far behind
    copy.process_batch(log[:7])
    assert projector.catch_up() == (len(log) - len(log) // 3) + (len(log) - 7)
    assert projector.catch_up() == 0
    assert _positions(projector) == [len(log)] * 2
    assert _rows(fresh) == _rows(live.view)


def test_a_failure_in_one_view_moves_neither(
    container: Container,
    clock: FakeClock,
    two: tuple[Projector, SqlView],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The second view's write fails after the first's rows were written: the rows and
    positions of both are rolled back, and the next catch-up applies everything once."""
    projector, fresh = two
    gen = HistoryGenerator(container.service, clock, n_cases=40, seed=9)
    gen.run(limit=100)
    projector.catch_up()
    before = _positions(projector), _rows(container.projector.views[0]), _rows(fresh)
    gen.run(limit=50)
    original, calls = projections.ledger.write, [0]

    def write(*args: Any) -> None:
        original(*args)
        calls[0] += 1
        if calls[0] == 2:
            raise RuntimeError("injected failure in the second view")

    monkeypatch.setattr(projections.ledger, "write", write)
    with pytest.raises(RuntimeError, match="injected"):
        projector.catch_up()
    after = _positions(projector), _rows(container.projector.views[0]), _rows(fresh)
    assert after == before
    monkeypatch.undo()
    assert projector.catch_up() == 2 * 50
    assert _rows(fresh) == _rows(container.projector.views[0])
    assert _positions(projector) == [projector.head()] * 2


def test_a_projection_without_an_applier_still_follows(
    container: Container, clock: FakeClock
) -> None:
    """Any other projection keeps its own read and transactions beside the shared ones."""
    live = container.projector.projections[0]

    class EventAtATime:  # only what the library's projections have
        name = "one-by-one"

        def __init__(self, inner: CaseLedger) -> None:
            self.inner, self.view = inner, inner.view

        def process_event(self, domain_event: Any, tracking: Tracking) -> None:
            self.inner.process_batch([(domain_event, tracking)])

    fresh = fresh_view(live.view)
    _drop(fresh)
    fresh.tables.metadata.create_all(container.engine)
    try:
        projector = Projector(container.service, [live, EventAtATime(live.for_view(fresh))])
        HistoryGenerator(container.service, clock, n_cases=20, seed=2).run(limit=60)
        assert projector.catch_up() == 2 * 60
        assert _positions(projector) == [projector.head()] * 2
        assert _rows(fresh) == _rows(live.view)
    finally:
        _drop(fresh)
