"""The server's signed checkpoints: one at start, then every N events or S seconds.

Every commit is already signed; checkpoints are the timestamped heads worth keeping
outside the system, and what `verify` measures the age of. The timer counts from the
newest checkpoint written, so a restart writes one at once rather than waiting.
The other signed logs (the 双报到 roster's) get one at the same moments, when they grew.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Sequence

from application.service import CaseService
from application.signed_log import SignedLog
from domain.errors import ChuishaoError

POLL_SECONDS = 5.0


class Checkpointer:
    def __init__(
        self,
        service: CaseService,
        *,
        every_seconds: int,
        every_events: int,
        others: Sequence[SignedLog] = (),
    ) -> None:
        self.service = service
        self.others = list(others)
        self._other_positions = [-1] * len(self.others)
        self.every_seconds = every_seconds
        self.every_events = every_events
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._position = -1
        self._at = 0.0

    def start(self) -> None:
        self.tick(force=True)
        if self.every_seconds > 0 or self.every_events > 0:
            self._thread = threading.Thread(target=self._run, daemon=True, name="checkpoints")
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        poll = min(POLL_SECONDS, self.every_seconds) if self.every_seconds > 0 else POLL_SECONDS
        while not self._stop.wait(poll):
            self.tick()

    def tick(self, *, force: bool = False) -> bool:
        """Write a checkpoint if one is due; returns whether one was written."""
        with contextlib.suppress(ChuishaoError):  # database down: try again next time
            head = self.service.log_position()
            new = head - self._position
            due = force or (
                new > 0
                and (
                    (self.every_events > 0 and new >= self.every_events)
                    or (
                        self.every_seconds > 0 and time.monotonic() - self._at >= self.every_seconds
                    )
                )
            )
            if due:
                row = self.service.checkpoint()
                self._position, self._at = row.position, time.monotonic()
                self._checkpoint_others(force=force)
                return True
        return False

    def _checkpoint_others(self, *, force: bool) -> None:
        for i, other in enumerate(self.others):
            with contextlib.suppress(ChuishaoError):
                if force or other.log_position() > self._other_positions[i]:
                    self._other_positions[i] = other.checkpoint().position
