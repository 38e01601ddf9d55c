"""The projector keeps the ledger's case rows from one catch-up to the next (the live path
then reads nothing back from the view), and forgets them as soon as another projector
moved the position in between: its rows in memory may then be stale."""

from __future__ import annotations

from typing import Any

import pytest
from eventsourcing.persistence import Tracking
from sqlalchemy import event

from interfaces.bootstrap import Container, build_container
from projections.together import apply_pages
from projections.view import SqlView
from tests.projections.checks import all_mismatches, report
from tests.projections.generator import HistoryGenerator
from tests.projections.recount import Recount, read_log
from tests.support.clock import FakeClock


def _case_reads(container: Container) -> list[str]:
    reads: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "ledger_cases" in statement:
            reads.append(statement)

    event.listen(container.engine, "before_cursor_execute", seen)
    return reads


def test_the_next_catch_up_finds_the_cases_in_memory(
    container: Container, clock: FakeClock
) -> None:
    gen = HistoryGenerator(container.service, clock, n_cases=30, seed=4)
    total = gen.remaining
    gen.run(limit=total // 2)
    container.projector.catch_up()
    reads = _case_reads(container)
    assert container.projector.catch_up() == 0
    assert gen.run() > 0
    assert container.projector.catch_up() > 0
    assert reads == []
    problems = all_mismatches(container, Recount.of(container.service))
    assert not problems, report(problems)


def test_rows_kept_are_forgotten_when_another_projector_moved_the_view(
    container: Container, clock: FakeClock
) -> None:
    HistoryGenerator(container.service, clock, n_cases=40, seed=8).run()
    name = container.service.name
    log = [(e, Tracking(name, i)) for i, e in read_log(container.service)]
    ids = [str(e.originator_id) for e, _ in log]
    victim = next(c for c in ids if ids.count(c) >= 3)  # changed in each of three parts
    first, second = [i for i, c in enumerate(ids) if c == victim][:2]
    a, b = first + 1, second + 1
    projector = container.projector
    projection = projector.projections[0]
    kept = projector._applier(projection)  # what the projector's catch-ups use
    apply_pages([(projection.view, kept)], [log[:a]], len(log))
    assert victim in kept.batch.rows
    with build_container(container.settings, clock=clock) as other:  # moves the view on
        other.projector.projections[0].process_batch(log[a:b])
    assert projector.catch_up() == len(log) - b
    problems = all_mismatches(container, Recount.of(container.service))
    assert not problems, report(problems)


def _matches(container: Container) -> None:
    problems = all_mismatches(container, Recount.of(container.service))
    assert not problems, report(problems)


def test_a_busy_projector_reads_on_from_where_it_left_the_views(
    container: Container, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    gen = HistoryGenerator(container.service, clock, n_cases=20, seed=6)
    gen.run(limit=50)
    container.projector.catch_up()
    asked: list[str] = []
    original = SqlView.max_tracking_id

    def max_tracking_id(self: SqlView, application_name: str) -> int | None:
        asked.append(self.projection_name)
        return original(self, application_name)

    monkeypatch.setattr(SqlView, "max_tracking_id", max_tracking_id)
    gen.run(limit=30)
    assert container.projector.catch_up() == 30
    assert asked == []
    _matches(container)


@pytest.mark.parametrize("then_written", [0, 40])
def test_a_view_reset_under_the_projector_is_caught_up_again(
    container: Container, clock: FakeClock, then_written: int
) -> None:
    """Reset behind the projector's back (another process): the next catch-up finds the
    view behind where it left it and reads the log again from there."""
    gen = HistoryGenerator(container.service, clock, n_cases=20, seed=12)
    gen.run(limit=80)
    container.projector.catch_up()
    container.projector.views[0].reset()
    gen.run(limit=then_written)
    assert container.projector.catch_up() == 80 + then_written
    assert container.projector.positions() == {"ledger": container.projector.head()}
    _matches(container)
