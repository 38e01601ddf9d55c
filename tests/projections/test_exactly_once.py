"""Each event is applied to the views exactly once: across stops, re-deliveries, crashes and
failures inside a transaction. The oracle is always the independent recount."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from eventsourcing.persistence import Tracking

import projections.ledger
import projections.runner
from infrastructure.event_store import SQLITE_FILE
from infrastructure.settings import Settings
from interfaces.bootstrap import Container, build_container
from projections.view import SqlView, tracking_table
from tests.projections.checks import all_mismatches, report, snapshot
from tests.projections.generator import HistoryGenerator
from tests.projections.recount import Recount, read_log
from tests.support.clock import FakeClock

REPO = Path(__file__).resolve().parents[2]


def _assert_matches(container: Container, upto: int | None = None) -> None:
    problems = all_mismatches(container, Recount.of(container.service, upto))
    assert not problems, report(problems)


def _ids(container: Container) -> list[int]:
    return [i for i, _ in read_log(container.service)]


# ----- (a) stop mid-stream and resume -------------------------------------------------


def test_resume_after_processing_part_of_the_log(settings: Settings, clock: FakeClock) -> None:
    with build_container(settings, clock=clock) as first:
        HistoryGenerator(first.service, clock, n_cases=150).run()
        ids = _ids(first)
        k = len(ids) // 3
        projection = first.projector.projections[0]
        for n in first.service.recorder.select_notifications(1, k):
            event = first.service.mapper.to_domain_event(n)
            projection.process_event(event, Tracking(first.service.name, n.id))
        assert first.projector.positions() == {"ledger": ids[k - 1]}
        _assert_matches(first, upto=ids[k - 1])
    # A new process (new container, same database) carries on from the tracked position.
    with build_container(settings, clock=clock) as second:
        assert second.projector.positions() == {"ledger": ids[k - 1]}
        assert second.projector.catch_up() == len(ids) - k
        assert second.projector.positions() == {"ledger": second.projector.head()}
        _assert_matches(second)


def test_catch_up_then_the_log_grows(settings: Settings, clock: FakeClock) -> None:
    with build_container(settings, clock=clock) as first:
        gen = HistoryGenerator(first.service, clock, n_cases=150)
        issued = gen.run(limit=400)
        assert first.projector.catch_up() == issued
        _assert_matches(first)
        gen.run(limit=300)
        assert first.projector.catch_up() == 300
        _assert_matches(first)
        rest = gen.run()
    with build_container(settings, clock=clock) as second:
        assert second.projector.catch_up() == rest
        assert second.projector.catch_up() == 0
        _assert_matches(second)


def test_background_projector_stopped_mid_stream_then_resumed(
    settings: Settings, clock: FakeClock
) -> None:
    """The live runner (one thread polling the log, on either backend)."""
    with build_container(settings, clock=clock) as first:
        gen = HistoryGenerator(first.service, clock, n_cases=150)
        gen.run(limit=200)
        first.projector.start(poll_interval=0.01)
        for _ in range(10):
            gen.run(limit=40)
        deadline = time.monotonic() + 30
        while first.projector.positions()["ledger"] < 300 and time.monotonic() < deadline:
            time.sleep(0.02)
        gen.run(limit=50)
        first.projector.stop()  # stops wherever it is, possibly behind the head
        assert first.projector.error is None
        stopped_at = first.projector.positions()["ledger"]
        assert stopped_at >= 300
        _assert_matches(first, upto=stopped_at)
        gen.run()
    with build_container(settings, clock=clock) as second:
        second.projector.catch_up()
        _assert_matches(second)


# ----- (b) re-delivery changes nothing --------------------------------------------------


def test_redelivering_processed_events_changes_nothing(
    container: Container, clock: FakeClock
) -> None:
    HistoryGenerator(container.service, clock, n_cases=120).run()
    container.projector.catch_up()
    before = snapshot(container.engine)
    head = container.projector.head()
    notifications = container.service.recorder.select_notifications(1, 100_000)
    # Same projector, and a fresh one as another process would have, each deliver again.
    with build_container(container.settings, clock=clock) as other:
        for projector in (container.projector, other.projector):
            projection = projector.projections[0]
            for n in notifications:
                event = container.service.mapper.to_domain_event(n)
                projection.process_event(event, Tracking(container.service.name, n.id))
            for n in reversed(notifications[:50]):  # and out of order
                event = container.service.mapper.to_domain_event(n)
                projection.process_event(event, Tracking(container.service.name, n.id))
            projection.view.insert_tracking(Tracking(container.service.name, 3))
    assert container.projector.positions() == {"ledger": head}
    assert snapshot(container.engine) == before
    _assert_matches(container)


# ----- (c) crash without a clean shutdown ---------------------------------------------------

WORKER = "from interfaces.cli import main; main()"
# The same worker, but every batch lingers 0.4 s after writing its rows and before commit,
# and says so in a marker file: a SIGKILL then lands inside an open transaction.
SLOW_WORKER = """
import os, pathlib, time
import projections.ledger as ledger
original = ledger.write
def write(conn, batch, *tables):
    original(conn, batch, *tables)
    pathlib.Path(os.environ["MARK"]).touch()
    time.sleep(0.4)
ledger.write = write
from interfaces.cli import main
main()
"""


def _spawn_worker(
    settings: Settings, log: Path, code: str = WORKER, mark: Path | None = None
) -> subprocess.Popen[bytes]:
    # The session's own config directory stays: it holds the key that signed the log.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("CHUISHAO_") or k == "CHUISHAO_CONFIG_DIR"
    }
    env["CHUISHAO_DATA_DIR"] = str(settings.data_dir)
    if settings.database_url:
        env["CHUISHAO_DATABASE_URL"] = settings.database_url.get_secret_value()
        env["CHUISHAO_DATABASE_SCHEMA"] = settings.database_schema
    if mark is not None:
        env["MARK"] = str(mark)
    return subprocess.Popen(
        [sys.executable, "-c", code, "project"],
        cwd=REPO,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def _kill(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)


def _position(settings: Settings) -> int:
    """The tracked position, read without taking any lock (the worker must not starve us)."""
    query = (
        f"SELECT notification_id FROM {tracking_table.name} "
        "WHERE projection = 'ledger' AND application_name = 'chuishao'"
    )
    if settings.database_url:
        options = f"-c search_path={settings.database_schema}"
        with psycopg.connect(settings.database_url.get_secret_value(), options=options) as conn:
            row = conn.execute(query).fetchone()
    else:
        path = settings.data_dir / SQLITE_FILE
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:
            row = conn.execute(query).fetchone()
        finally:
            conn.close()
    return int(row[0]) if row else 0


def _until(condition: Any, timeout: float, what: str, log: Path, step: Any = None) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}:\n{log.read_text()}"
        if step is not None:
            step()
        time.sleep(0.01)


def test_worker_killed_mid_stream_resumes_without_double_counting(
    container: Container, clock: FakeClock, tmp_path: Path
) -> None:
    settings = container.settings
    gen = HistoryGenerator(container.service, clock, n_cases=300)
    log = tmp_path / "worker.log"
    write_some = lambda: gen.run(limit=5)  # noqa: E731 - the test keeps writing cases

    gen.run(limit=600)
    worker = _spawn_worker(settings, log)
    try:
        # 1. Killed while following a log that keeps growing.
        _until(lambda: _position(settings) > 0, 60, "the worker to start", log, write_some)
        _until(
            lambda: _position(settings) < container.projector.head(), 30, "a lag", log, write_some
        )
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        killed_at = _position(settings)
        assert 0 < killed_at
        _assert_matches(container, upto=killed_at)  # what was committed is whole

        # 2. Killed inside an open transaction: its rows are written but not committed.
        gen.run(limit=200)  # the log grows while no worker runs
        mark = tmp_path / "in-transaction"
        worker = _spawn_worker(settings, log, SLOW_WORKER, mark)
        _until(mark.exists, 60, "a batch to be written", log)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        assert _position(settings) == killed_at, "an uncommitted batch moved the position"
        _assert_matches(container, upto=killed_at)

        # 3. Restarted while the writing goes on; it must reach the head and match.
        worker = _spawn_worker(settings, log)
        while not gen.done:
            gen.run(limit=25)
            time.sleep(0.002)
        head = container.projector.head()
        _until(lambda: _position(settings) >= head, 90, f"position {head}", log)
        assert worker.poll() is None, log.read_text()
    finally:
        _kill(worker)
    assert container.projector.positions() == {"ledger": container.projector.head()}
    _assert_matches(container)


# ----- (d) a failure inside the transaction --------------------------------------------------


def _fail_on_call(monkeypatch: pytest.MonkeyPatch, target: Any, name: str, nth: int) -> None:
    """Make ``target.name`` do its work and then raise, on its nth call."""
    original = getattr(target, name)
    calls = [0]

    def failing(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        calls[0] += 1
        if calls[0] == nth:
            raise RuntimeError(f"injected failure on call {nth}")
        return result

    monkeypatch.setattr(target, name, failing)


@pytest.mark.parametrize("page", [1, 64])
@pytest.mark.parametrize("where", ["ledger.write", "tracking.advance"])
def test_failure_inside_a_transaction_rolls_back_that_transaction_only(
    container: Container,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    where: str,
    page: int,
) -> None:
    """With one event per transaction, failing on event N leaves the position at N-1; with
    pages, at the end of the last whole page. Either way the view matches that prefix."""
    HistoryGenerator(container.service, clock, n_cases=80).run()
    ids = _ids(container)
    monkeypatch.setattr(projections.runner, "PULL_BATCH", page)
    monkeypatch.setattr(projections.runner, "TRANSACTION_EVENTS", page)
    nth = 250 // page + 1  # the failing transaction holds event 250 (1-based) or starts there
    if where == "ledger.write":  # the view rows were written, then the failure
        _fail_on_call(monkeypatch, projections.ledger, "write", nth)
    else:  # rows and the new position were written, the failure comes before commit
        _fail_on_call(monkeypatch, SqlView, "_advance", nth)
    with pytest.raises(RuntimeError, match="injected failure"):
        container.projector.catch_up()
    applied = (nth - 1) * page
    assert container.projector.positions() == {"ledger": ids[applied - 1]}
    _assert_matches(container, upto=ids[applied - 1])

    monkeypatch.undo()
    assert container.projector.catch_up() == len(ids) - applied
    assert container.projector.positions() == {"ledger": ids[-1]}
    _assert_matches(container)
