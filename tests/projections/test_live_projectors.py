"""Views shared by more than one projector or reader at a time.

Each event must still be applied exactly once when two projectors meet (a worker and a
server, or a worker and ``projections rebuild``), and reading a view must not wait for
whoever is writing it. These once exposed four bugs (an empty view's position row was
not lockable, a reset under a live runner lost events, SQLite reads took the write
lock, a stopped projector could not start again); they now guard against their return.
"""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
from eventsourcing.persistence import Tracking

from domain.values import Actor, Role
from infrastructure.settings import Settings
from interfaces.bootstrap import Container, build_container
from projections.dashboards import Period
from projections.ledger import fold_all, write
from projections.queries import Scope
from projections.view import tracking_table
from tests.projections.checks import all_mismatches, report, snapshot
from tests.projections.generator import HistoryGenerator
from tests.projections.recount import Recount, read_log
from tests.support.clock import FakeClock


def test_projectors_racing_on_a_started_view_apply_each_event_once(
    container: Container, clock: FakeClock
) -> None:
    HistoryGenerator(container.service, clock, n_cases=100).run()
    container.projector.catch_up()  # the tracking row exists, as after any first run
    HistoryGenerator(container.service, clock, n_cases=100, seed=3).run()
    errors: list[BaseException] = []
    others = [build_container(container.settings, clock=clock) for _ in range(3)]
    barrier = threading.Barrier(len(others))

    def work(c: Container) -> None:
        barrier.wait()
        try:
            c.projector.catch_up()
        except BaseException as e:  # noqa: BLE001 - reported by the test
            errors.append(e)

    threads = [threading.Thread(target=work, args=(c,)) for c in others]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    for c in others:
        c.close()
    assert not errors, errors
    problems = all_mismatches(container, Recount.of(container.service))
    assert not problems, report(problems)


def test_two_projectors_meeting_on_an_empty_view(
    container: Container, clock: FakeClock, request: pytest.FixtureRequest
) -> None:
    """Projector A holds the first page's transaction open; B arrives with the same page."""
    HistoryGenerator(container.service, clock, n_cases=20).run()
    items = [(e, Tracking(container.service.name, i)) for i, e in read_log(container.service)]
    errors: list[BaseException] = []
    with build_container(container.settings, clock=clock) as other:
        b = other.projector.projections[0]

        def projector_b() -> None:
            try:
                b.process_batch(items)
            except BaseException as e:  # noqa: BLE001 - reported by the test
                errors.append(e)

        thread = threading.Thread(target=projector_b)
        with container.projector.views[0].batch(items[-1][1]) as (conn, position):
            assert position == 0
            write(conn, fold_all(conn, [e for e, _ in items]))
            thread.start()
            thread.join(timeout=1.0)  # B is now waiting on A (SQLite lock / PG key)
        thread.join(timeout=60)
    assert not errors, errors
    problems = all_mismatches(container, Recount.of(container.service))
    assert not problems, report(problems)


def test_rebuild_while_the_live_projector_runs(
    settings: Settings, clock: FakeClock, request: pytest.FixtureRequest
) -> None:
    """`chuishao projections rebuild` while `chuishao project` (or the server) follows the log."""
    with build_container(settings, clock=clock) as live:
        HistoryGenerator(live.service, clock, n_cases=60).run()
        live.projector.start(poll_interval=0.01)
        live.projector.wait(live.projector.head(), timeout=30)
        with build_container(settings, clock=clock) as admin:
            for view in admin.projector.views:  # what `projections rebuild` does first
                view.reset()
            clock.advance(minutes=5)
            new = live.service.report_case(
                actor=Actor("gl-jintai", Role.GRID_LEAD),
                grid_id="jintai",
                category_id="heating",
                title="重建期间上报的案件",
            )
            live.projector.wait(new.position, timeout=30)  # the live projector applies it
            admin.projector.catch_up()  # …and the rebuild carries on
        live.projector.stop()
        problems = all_mismatches(live, Recount.of(live.service))
    assert not problems, report(problems)


def test_reading_a_view_does_not_wait_for_a_writer(
    container: Container, clock: FakeClock, request: pytest.FixtureRequest
) -> None:
    HistoryGenerator(container.service, clock, n_cases=20).run()
    container.projector.catch_up()
    held, release = threading.Event(), threading.Event()

    def writer() -> None:  # e.g. a projector in the middle of a page
        with container.engine.begin() as conn:
            conn.execute(
                tracking_table.update().values(notification_id=tracking_table.c.notification_id)
            )
            held.set()
            release.wait(30)

    finished_while_locked: list[bool] = []

    def reader() -> None:
        container.projector.positions()
        container.dashboards.total(Period(), Scope(everything=True), container.service.clock())
        finished_while_locked.append(not release.is_set())

    w = threading.Thread(target=writer)
    w.start()
    assert held.wait(10)
    r = threading.Thread(target=reader)
    r.start()
    r.join(timeout=10)  # a blocked reader would still be waiting for the writer here
    release.set()
    w.join(timeout=30)
    r.join(timeout=60)
    assert finished_while_locked == [True], "a read waited for the writer's lock"


class ThreadClocks:
    """One service, several writer threads, each on its own fake clock."""

    def __init__(self) -> None:
        self._local = threading.local()

    def bind(self, clock: FakeClock) -> None:
        self._local.clock = clock

    def __call__(self) -> datetime:
        return self._local.clock()


def test_live_projector_follows_concurrent_writers(settings: Settings) -> None:
    """Writer threads share one service (so group commit batches their commands) while the
    live projector follows; the view equals the recount and a rebuild of it."""
    clocks = ThreadClocks()
    with build_container(settings, clock=clocks) as c:
        c.projector.start(poll_interval=0.005)
        errors: list[BaseException] = []

        def writer(seed: int) -> None:
            clock = FakeClock()
            clocks.bind(clock)
            try:
                HistoryGenerator(c.service, clock, n_cases=60, seed=seed).run()
            except BaseException as e:  # noqa: BLE001 - reported by the test
                errors.append(e)

        threads = [threading.Thread(target=writer, args=(seed,)) for seed in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        assert not errors, errors
        writes = c.service.events.recorder
        if hasattr(writes, "batches"):  # group commit on: the threads really overlapped
            assert writes.batches < writes.requests, (writes.batches, writes.requests)
        c.projector.wait(c.projector.head(), timeout=60)
        c.projector.stop()
        assert not c.projector.failing
        recount = Recount.of(c.service)
        assert len(recount.cases) == 240
        problems = all_mismatches(c, recount)
        assert not problems, report(problems)
        live = snapshot(c.engine)
        for view in c.projector.views:
            view.reset()
        c.projector.catch_up()
        assert snapshot(c.engine) == live


def test_a_stopped_projector_follows_again_when_restarted(
    container: Container, clock: FakeClock, request: pytest.FixtureRequest
) -> None:
    """The HTTP app starts the projector on startup and stops it on shutdown; a second
    startup of the same container must follow the log again."""
    gen = HistoryGenerator(container.service, clock, n_cases=40)
    gen.run(limit=100)
    projector = container.projector
    projector.start(poll_interval=0.01)
    projector.wait(projector.head(), timeout=30)
    projector.stop()
    gen.run()
    projector.start(poll_interval=0.01)
    try:
        projector.wait(projector.head(), timeout=5)
    finally:
        projector.stop()
    problems = all_mismatches(container, Recount.of(container.service))
    assert not problems, report(problems)
