"""The supervisor of `serve --workers N`: restarts a dead child after a growing pause,
leaves the living alone, stops every child (SIGKILL for one that ignores SIGTERM)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from interfaces.supervisor import FIRST_DELAY, Supervisor
from tests.support.backends import sqlite_module

pytestmark = sqlite_module

SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]
FAILING = [sys.executable, "-c", "import sys; sys.exit(3)"]
STUBBORN = (
    "import pathlib, signal, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
    "pathlib.Path(sys.argv[1]).write_text('ready'); time.sleep(120)"
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_dead_child_is_restarted_after_a_doubling_pause(tmp_path: Path) -> None:
    clock = Clock()
    pids = tmp_path / "serve.pids"
    sup = Supervisor([("web", SLEEPER), ("projector", FAILING)], {}, clock=clock, pid_file=pids)
    sup.start()
    try:
        web, projector = sup.children
        assert web.process is not None and projector.process is not None
        first_pid = projector.process.pid
        projector.process.wait(timeout=60)
        sup.check()  # seen dead: a pause first, not a restart at once
        assert projector.process is None and projector.restarts == 0
        clock.now += FIRST_DELAY
        sup.check()
        assert projector.process is not None and projector.restarts == 1
        assert projector.process.pid != first_pid
        assert pids.read_text().split() == [
            "web",
            str(web.process.pid),
            "projector",
            str(projector.process.pid),
        ]
        projector.process.wait(timeout=60)
        sup.check()
        clock.now += FIRST_DELAY  # dying quickly again doubles the pause
        sup.check()
        assert projector.process is None
        clock.now += FIRST_DELAY
        sup.check()
        assert projector.restarts == 2
        assert web.restarts == 0 and web.process.poll() is None
    finally:
        sup.stop_children()
    assert web.process.poll() is not None


def test_stopping_kills_a_child_that_ignores_sigterm(tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    argv = [sys.executable, "-c", STUBBORN, str(ready)]
    sup = Supervisor([("stubborn", argv)], {}, grace_seconds=0.5)
    sup.start()
    [child] = sup.children
    assert child.process is not None
    for _ in range(600):  # until it ignores SIGTERM (a deadline, not a timing claim)
        if ready.exists():
            break
        time.sleep(0.1)
    sup.stop_children()
    assert child.process.returncode == -9
