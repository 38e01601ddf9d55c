"""Notifications at work: the deadline timer, the outbox projection and the sender.

One round: the timer records the deadline notices now due (events on their cases); the
outbox projection turns new events into deliveries (projections/outbox.py); the sender
POSTs what is due and marks each sent, or failed for a retry with backoff, or dead. `serve`
runs rounds in a background thread; `chuishao notify run-once` runs one.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from application.notifications import Backoff, Endpoint, NotifyConfig
from application.service import CaseService
from domain.errors import ChuishaoError
from infrastructure.webhooks import Outgoing, WebhookSender
from projections.deadline_scan import DeadlineIndex
from projections.outbox import OutboxRow, OutboxStore
from projections.runner import Projector

log = logging.getLogger("chuishao.notify")


@dataclass
class Round:
    """What one round did."""

    notices: int = 0  # deadline notices recorded
    projected: int = 0  # events the outbox projection read
    sent: int = 0
    failed: int = 0  # failed attempts that will be retried
    dead: int = 0  # dead-lettered in this round


class DeadlineTimer:
    """Finds deadlines crossing (from the ledger) and records each notice once."""

    def __init__(self, service: CaseService, index: DeadlineIndex, near: timedelta) -> None:
        self.service = service
        self.index = index
        self.near = near

    def run_once(self) -> int:
        recorded = 0
        for case_id in self.index.candidates(self.service.clock(), self.near):
            try:
                result = self.service.record_due_notices(UUID(case_id), near=self.near)
            except ChuishaoError as e:  # one bad case must not stop the others
                log.warning("deadline notices of %s: %s", case_id, e.en)
                continue
            recorded += len(result.recorded)
            self.index.remember(case_id, result.known)
        return recorded


class Notifier:
    def __init__(
        self,
        *,
        service: CaseService,
        projector: Projector,
        store: OutboxStore,
        sender: WebhookSender,
        config: NotifyConfig,
        timer: DeadlineTimer,
        backoff: Backoff,
        lease: timedelta,
        clock: Callable[[], datetime],
        jitter: Callable[[], float] = random.random,
        poll_seconds: float = 2.0,
        scan_seconds: float = 30.0,
        switched_off: Sequence[Endpoint] = (),
    ) -> None:
        self.service = service
        self.projector = projector
        self.store = store
        self.sender = sender
        self.config = config
        self.timer = timer
        self.backoff = backoff
        self.lease = lease
        self.clock = clock
        self.jitter = jitter
        self.poll_seconds = poll_seconds
        self.scan_seconds = scan_seconds
        self.switched_off = list(switched_off)  # endpoints named but not configured here
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def run_once(self, *, scan: bool = True) -> Round:
        done = Round()
        if scan:
            done.notices = self.timer.run_once()
        done.projected = self.projector.catch_up()
        self.deliver(done)
        return done

    def deliver(self, done: Round | None = None) -> Round:
        """Send every delivery due now, once each (a batch at a time)."""
        done = done or Round()
        while True:
            batch = self.store.claim_due(self.clock(), self.lease)
            for row in batch:
                self._send(row, done)
            if not batch or self._stop.is_set():
                return done

    def _send(self, row: OutboxRow, done: Round) -> None:
        endpoint = self.config.endpoints.get(row.endpoint_id)
        if endpoint is None:
            result_ok, status, error = False, None, f"接收地址 {row.endpoint_id} 已不在配置中"
        else:
            outgoing = Outgoing(row.delivery_id, row.kind, row.body, str(row.payload["text"]))
            result = self.sender.send(endpoint, outgoing)
            result_ok, status, error = result.ok, result.status, result.error
        now = self.clock()
        if result_ok:
            self.store.mark_sent(row.delivery_id, now, status or 200)
            done.sent += 1
            return
        attempts = row.attempts + 1
        if attempts >= self.backoff.max_attempts:
            self.store.mark_failed(row.delivery_id, now, error=error, status=status, retry_at=None)
            done.dead += 1
            log.warning("delivery %s dead after %d attempts: %s", row.delivery_id, attempts, error)
            return
        retry_at = now + self.backoff.delay(attempts, self.jitter())
        self.store.mark_failed(row.delivery_id, now, error=error, status=status, retry_at=retry_at)
        done.failed += 1

    # ----- in the server ---------------------------------------------------------------

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True, name="chuishao-notify")
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def _run(self) -> None:
        scanned_at: datetime | None = None
        while not self._stop.is_set():
            try:
                now = self.clock()
                scan = scanned_at is None or now - scanned_at >= timedelta(
                    seconds=self.scan_seconds
                )
                self.run_once(scan=scan)
                if scan:
                    scanned_at = now
                self.error = None
            except Exception as e:  # database down: keep trying
                self.error = e
                log.warning("notifications: %s", e)
            self._stop.wait(self.poll_seconds)

    def close(self) -> None:
        self.stop()
        self.sender.close()
