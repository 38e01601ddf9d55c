"""A rebuild fills fresh tables and swaps them in at once: readers never see an empty or
half-built view, a failed rebuild leaves the old one live, nothing temporary is left."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from eventsourcing.persistence import Tracking
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import OperationalError

import projections.rebuild
import projections.runner
from interfaces.bootstrap import Container
from projections.audit import audit_views
from projections.dashboards import Period
from projections.queries import CaseFilter, Scope
from projections.rebuild import SUFFIX, fresh_view, rebuild, swap
from projections.view import builds_table, tracking_table
from tests.projections.checks import snapshot
from tests.projections.generator import HistoryGenerator
from tests.projections.recount import read_log
from tests.support.clock import FakeClock

EVERYTHING = Scope(everything=True)


def _history(c: Container, clock: FakeClock, n_cases: int = 60) -> None:
    HistoryGenerator(c.service, clock, n_cases=n_cases, seed=9).run()
    c.projector.catch_up()


def _totals(c: Container) -> tuple[int, int]:
    """What readers see: the case list's total and the dashboard's reported count."""
    _, listed = c.ledger.list_cases(CaseFilter(), EVERYTHING, limit=1, offset=0)
    return listed, c.dashboards.total(Period(), EVERYTHING, c.service.clock()).reported


def _falsify(c: Container) -> None:
    """Make the live views differ from what the log gives (so old and new are told apart)."""
    with c.engine.begin() as conn:
        victim = conn.execute(text("SELECT case_id FROM ledger_cases LIMIT 1")).scalar_one()
        conn.execute(text("DELETE FROM ledger_cases WHERE case_id = :k"), {"k": victim})
        for grain in ("street", "street_category", "grid", "grid_category"):
            conn.execute(text(f"UPDATE ledger_counts_{grain} SET reported = reported + 7"))


def _schema_objects(c: Container) -> set[str]:
    """Every table, index (with its definition) and constraint in the database (or the
    test's schema)."""
    with c.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            rows = conn.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                    "UNION SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                    "UNION SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE connamespace = current_schema()::regnamespace"
                )
            )
        else:
            rows = conn.execute(
                text(
                    "SELECT name || ' ' || coalesce(CASE type WHEN 'index' THEN sql END, '') "
                    "FROM sqlite_master"
                )
            )
        return set(rows.scalars())


def test_readers_see_the_old_view_until_the_swap_then_the_rebuilt_one(
    container: Container, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    _history(container, clock)
    truth = _totals(container)
    before = snapshot(container.engine)
    _falsify(container)
    old = _totals(container)
    assert old != truth and 0 not in old
    # small pages and transactions: the fresh tables hold committed partial rows while
    # readers look
    monkeypatch.setattr(projections.runner, "PULL_BATCH", 40)
    monkeypatch.setattr(projections.runner, "TRANSACTION_EVENTS", 40)
    seen: list[tuple[int, int]] = []

    def read_while_rebuilding(_: int) -> None:
        seen.append(_totals(container))

    head = container.projector.head()
    assert rebuild(container.projector, read_while_rebuilding) == head
    assert len(seen) == -(-head // 40) > 3
    assert set(seen) == {old}, "a reader saw the view being rebuilt"
    assert _totals(container) == truth
    assert snapshot(container.engine) == before
    assert container.projector.positions() == {"ledger": head}
    assert audit_views(container.projector).intact


def test_a_rebuild_leaves_no_temporary_tables_and_the_live_names(
    container: Container, clock: FakeClock
) -> None:
    _history(container, clock, n_cases=20)
    names = _schema_objects(container)
    assert container.projector.marks() == {"ledger": (0, container.projector.head())}
    for build in (1, 2):  # the second swap must not collide with names the first left
        rebuild(container.projector)
        assert _schema_objects(container) == names
        assert not any(SUFFIX in name for name in _schema_objects(container))
        assert container.projector.marks() == {"ledger": (build, container.projector.head())}
    with container.engine.connect() as conn:
        positions = conn.execute(select(tracking_table.c.projection)).scalars().all()
    # The rebuild's own position went with its tables; the outbox (never rebuilt) keeps its.
    assert sorted(positions) == ["ledger", "outbox"]


@pytest.mark.parametrize("where", ["catching up", "swapping"])
def test_a_failed_rebuild_leaves_the_old_view_live(
    container: Container, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    _history(container, clock, n_cases=30)
    _falsify(container)  # the old view is recognisable
    before, names = snapshot(container.engine), _schema_objects(container)

    def fail(*_: Any) -> None:
        raise RuntimeError("the rebuild died")

    if where == "swapping":  # after the old tables were dropped and the fresh renamed
        monkeypatch.setattr(projections.rebuild, "_set_position", fail)
    with pytest.raises(RuntimeError, match="the rebuild died"):
        rebuild(container.projector, fail if where == "catching up" else None)

    assert snapshot(container.engine) == before
    assert _schema_objects(container) == names
    assert container.projector.marks() == {"ledger": (0, container.projector.head())}
    with container.engine.connect() as conn:
        assert conn.execute(select(builds_table)).all() == []


def test_the_live_projector_goes_on_from_the_swapped_tables(
    container: Container, clock: FakeClock
) -> None:
    gen = HistoryGenerator(container.service, clock, n_cases=50, seed=3)
    gen.run(limit=150)
    container.projector.catch_up()
    _falsify(container)
    rebuild(container.projector)
    gen.run()  # the rest of the history, followed as a server would
    container.projector.catch_up()
    report = audit_views(container.projector)
    assert report.intact, report.differences[:5]
    assert report.position == container.projector.head()


def test_a_rebuild_left_behind_by_a_killed_process_is_cleared(
    container: Container, clock: FakeClock
) -> None:
    _history(container, clock, n_cases=10)
    names = _schema_objects(container)
    live = container.projector.views[0]
    fresh = live.tables.fresh(SUFFIX, indexes=container.engine.dialect.name == "postgresql")
    fresh.metadata.create_all(container.engine)  # as a killed rebuild leaves them
    assert inspect(container.engine).has_table(f"ledger_cases{SUFFIX}")
    rebuild(container.projector)
    assert _schema_objects(container) == names


def test_a_reader_in_a_long_transaction_is_never_cut_off(
    container: Container, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL: the swap waits only a moment for a reader holding the old tables,
    then gives way (the rebuild fails, the old view stays) instead of deadlocking it.
    SQLite: the reader keeps reading its snapshot of the old tables across the swap."""
    _history(container, clock, n_cases=10)
    truth = _totals(container)
    _falsify(container)
    postgres = container.engine.dialect.name == "postgresql"
    monkeypatch.setattr(projections.rebuild, "SWAP_NOWAIT_SECONDS", 0.2)
    monkeypatch.setattr(projections.rebuild, "SWAP_LOCK_TIMEOUT_MS", 50)
    monkeypatch.setattr(projections.rebuild, "SWAP_ATTEMPTS", 2)
    count = text("SELECT count(*) FROM ledger_cases")
    with container.reader.connect() as conn, conn.begin():
        first = conn.execute(count).scalar_one()
        if postgres:
            with pytest.raises(OperationalError):
                rebuild(container.projector)
            assert not any(SUFFIX in name for name in _schema_objects(container))
        else:
            rebuild(container.projector)
        assert conn.execute(count).scalar_one() == first  # still the old view
    if postgres:
        assert _totals(container) != truth  # the old view is still live
        rebuild(container.projector)  # with the reader gone, the swap goes through
    assert _totals(container) == truth


def test_a_projector_forgets_its_rows_when_a_swap_lands_at_its_position(
    container: Container, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A projector keeps rows in memory between its transactions while the position is
    the one it left. A rebuild may swap in tables at exactly that position: the rows it
    read from the old tables must not be written over the new ones."""
    HistoryGenerator(container.service, clock, n_cases=60, seed=11).run()
    app_name = container.service.name
    log = [(e, Tracking(app_name, i)) for i, e in read_log(container.service)]
    ids = [str(e.originator_id) for e, _ in log]
    # a case with events before a, in a..b-1 and from b on
    victim = next(c for c in ids if ids.count(c) >= 3)
    first, second = [i for i, c in enumerate(ids) if c == victim][:2]
    a, b = first + 1, second + 1
    projection = container.projector.projections[0]
    projection.process_batch(log[:a])
    with container.engine.begin() as conn:  # the old view lies about the victim
        conn.execute(
            text("UPDATE ledger_cases SET title = 'forged' WHERE case_id = :k"), {"k": victim}
        )
    live = projection.view
    original = type(live).locked
    calls: list[str] = []

    @contextmanager
    def locked(self: Any, application_name: str) -> Iterator[Any]:
        if self is live:
            calls.append(application_name)
            if len(calls) == 2:  # between our two transactions: a rebuild up to b
                fresh = fresh_view(live)
                fresh.tables.metadata.create_all(container.engine)
                projection.for_view(fresh).process_batch(log[:b])
                swap(live, fresh, application_name)
        with original(self, application_name) as tx:
            yield tx

    monkeypatch.setattr(type(live), "locked", locked)
    applied = projection.process_pages([log[a:b], log[b:]], per_transaction=b - a)
    assert len(calls) == 2 and applied == len(log) - a
    assert container.projector.marks() == {"ledger": (1, len(log))}
    report = audit_views(container.projector)
    assert report.intact, report.differences
