"""`chuishao serve --workers N`: the web workers, the projector and the notifier, each a
process of its own, started, restarted when they die, and stopped on SIGTERM/SIGINT.

A child that dies is started again after a pause that doubles with each quick death
(1 s … 30 s) and falls back to 1 s once it has run for a while, so a child that cannot
start (the database is down) does not spin. On SIGTERM every child gets SIGTERM, then
SIGKILL if it has not stopped within the grace period. On Linux each child also gets
SIGTERM if the supervisor itself dies (PR_SET_PDEATHSIG), so none is left orphaned.
"""

from __future__ import annotations

import ctypes
import logging
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

log = logging.getLogger("chuishao.supervisor")

# The CLI in a child: the same interpreter and packages as the supervisor.
CLI = [sys.executable, "-m", "interfaces.cli"]
FIRST_DELAY = 1.0
MAX_DELAY = 30.0
STEADY_SECONDS = 30.0  # a child that ran this long died of something new: restart at once
GRACE_SECONDS = 20.0
PR_SET_PDEATHSIG = 1


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restarts: int = 0
    delay: float = FIRST_DELAY
    due_at: float = 0.0  # when a dead child is started again
    history: list[int] = field(default_factory=list)  # pids, oldest first


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


class Supervisor:
    def __init__(
        self,
        children: Sequence[tuple[str, list[str]]],
        env: Mapping[str, str],
        *,
        poll_seconds: float = 0.5,
        grace_seconds: float = GRACE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        pid_file: Path | None = None,
    ) -> None:
        self.children = [Child(name, argv) for name, argv in children]
        self.env = dict(env)
        self.poll_seconds = poll_seconds
        self.grace_seconds = grace_seconds
        self.clock = clock
        self.pid_file = pid_file  # "name pid" per running child, rewritten at each start
        self.stopping = threading.Event()

    def run(self) -> int:
        """Until SIGTERM or SIGINT (or ``stop``); returns the exit code."""
        previous = {s: signal.signal(s, self._on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            self.start()
            while not self.stopping.wait(self.poll_seconds):
                self.check()
        finally:
            self.stop_children()
            if self.pid_file is not None:
                self.pid_file.unlink(missing_ok=True)  # no stale pids after a clean stop
            for s, handler in previous.items():
                signal.signal(s, handler)
        return 0

    def start(self) -> None:
        for child in self.children:
            self._start(child)

    def stop(self) -> None:
        self.stopping.set()

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        log.info("stopping on signal %d", signum)
        self.stopping.set()

    def check(self) -> None:
        """Start again every child that died and whose pause is over."""
        now = self.clock()
        for child in self.children:
            process = child.process
            if process is not None and process.poll() is not None:
                ran = now - child.started_at
                child.delay = FIRST_DELAY if ran >= STEADY_SECONDS else child.delay
                child.due_at = now + child.delay
                log.warning(
                    "%s (pid %d) exited with %s after %.1f s; starting it again in %.0f s",
                    child.name,
                    process.pid,
                    process.returncode,
                    ran,
                    child.delay,
                )
                child.delay = min(MAX_DELAY, child.delay * 2)
                child.process = None
            if child.process is None and now >= child.due_at and not self.stopping.is_set():
                child.restarts += 1
                self._start(child)

    def _start(self, child: Child) -> None:
        child.process = subprocess.Popen(
            child.argv,
            env=self.env,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
        child.started_at = self.clock()
        child.history.append(child.process.pid)
        log.info("%s started (pid %d)", child.name, child.process.pid)
        self._write_pids()

    def _write_pids(self) -> None:
        if self.pid_file is None:
            return
        lines = [f"{c.name} {c.process.pid}\n" for c in self.children if c.process is not None]
        temporary = self.pid_file.with_suffix(".tmp")
        temporary.write_text("".join(lines))
        temporary.replace(self.pid_file)  # readers never see half a file

    def stop_children(self) -> None:
        running = [c.process for c in self.children if c.process and c.process.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        deadline = self.clock() + self.grace_seconds
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - self.clock()))
            except subprocess.TimeoutExpired:
                log.warning(
                    "pid %d did not stop in %.0f s: killed", process.pid, self.grace_seconds
                )
                process.kill()
                process.wait()
