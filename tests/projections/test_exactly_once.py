"""Each event is applied to the views exactly once: across stops, re-deliveries, crashes and
failures inside a transaction. The oracle is always the independent recount."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import Tracking

import projections.ledger
from infrastructure.settings import Settings
from interfaces.bootstrap import Container, build_container
from projections.view import SqlView
from tests.conftest import FakeClock
from tests.projections.checks import all_mismatches, report, snapshot
from tests.projections.generator import HistoryGenerator
from tests.projections.recount import Recount, read_log

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
    """The live runner (library runner on PostgreSQL, polling thread on SQLite)."""
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


def test_redelivering_processed_events_changes_nothing(container: Container, clock: FakeClock) -> None:
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


def _spawn_worker(settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHUISHAO_")}
    env["CHUISHAO_DATA_DIR"] = str(settings.data_dir)
    if settings.database_url:
        env["CHUISHAO_DATABASE_URL"] = settings.database_url
        env["CHUISHAO_DATABASE_SCHEMA"] = settings.database_schema
    return subprocess.Popen(
        [sys.executable, "-c", "from interfaces.cli import main; main()", "project"],
        cwd=REPO,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def _position(container: Container) -> int:
    return container.projector.positions()["ledger"]


def test_worker_killed_mid_stream_resumes_without_double_counting(
    container: Container, clock: FakeClock, tmp_path: Path
) -> None:
    gen = HistoryGenerator(container.service, clock, n_cases=300)
    gen.run(limit=1200)  # a backlog, so the worker is busy when it is killed
    log = tmp_path / "worker.log"
    worker = _spawn_worker(container.settings, log)
    try:
        deadline = time.monotonic() + 60
        while _position(container) < 300:  # the test keeps writing meanwhile
            assert worker.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() < deadline, f"worker made no progress:\n{log.read_text()}"
            gen.run(limit=10)
            time.sleep(0.01)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        killed_at = _position(container)
        assert 0 < killed_at < container.projector.head(), "not killed mid-stream"
        _assert_matches(container, upto=killed_at)  # what was committed is whole

        gen.run(limit=300)  # the log grows while no worker runs
        worker = _spawn_worker(container.settings, log)
        while not gen.done:
            gen.run(limit=25)
            time.sleep(0.005)
        head = container.projector.head()
        deadline = time.monotonic() + 90
        while _position(container) < head:
            assert worker.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() < deadline, (
                f"stuck at {_position(container)} of {head}:\n{log.read_text()}"
            )
            time.sleep(0.1)
    finally:
        if worker.poll() is None:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
    assert _position(container) == container.projector.head()
    _assert_matches(container)


# ----- (d) a failure inside the transaction --------------------------------------------------


def _fail_on_call(monkeypatch: pytest.MonkeyPatch, target: Any, name: str, nth: int) -> list[int]:
    """Make ``target.name`` do its work and then raise on its nth call."""
    original = getattr(target, name)
    calls = [0]

    def failing(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        calls[0] += 1
        if calls[0] == nth:
            raise RuntimeError(f"injected failure on call {nth}")
        return result

    monkeypatch.setattr(target, name, failing)
    return calls


@pytest.mark.parametrize("where", ["ledger.apply", "tracking.advance"])
def test_failure_inside_a_transaction_rolls_back_that_event_only(
    container: Container, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    HistoryGenerator(container.service, clock, n_cases=80).run()
    ids = _ids(container)
    nth = 250
    if where == "ledger.apply":  # the view rows of event N were written, then it fails
        _fail_on_call(monkeypatch, projections.ledger, "apply", nth)
    else:  # rows and tracking were written, the failure comes before commit
        _fail_on_call(monkeypatch, SqlView, "_advance", nth)
    with pytest.raises(RuntimeError, match="injected failure"):
        container.projector.catch_up()
    assert container.projector.positions() == {"ledger": ids[nth - 2]}
    _assert_matches(container, upto=ids[nth - 2])

    monkeypatch.undo()
    assert container.projector.catch_up() == len(ids) - (nth - 1)
    assert container.projector.positions() == {"ledger": ids[-1]}
    _assert_matches(container)


# ----- concurrent projectors ------------------------------------------------------------------


def _race(settings: Settings, clock: FakeClock, n: int) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(n)

    def work() -> None:
        with build_container(settings, clock=clock) as c:
            barrier.wait()
            try:
                c.projector.catch_up()
            except BaseException as e:  # noqa: BLE001 - reported by the test
                errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return errors


def test_projectors_racing_on_a_started_view_apply_each_event_once(
    container: Container, clock: FakeClock
) -> None:
    HistoryGenerator(container.service, clock, n_cases=100).run()
    container.projector.projections[0].view.insert_tracking(
        Tracking(container.service.name, 0)
    )  # the tracking row exists, as after any first run
    errors = _race(container.settings, clock, 3)
    assert not errors, errors
    _assert_matches(container)
