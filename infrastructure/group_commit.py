"""Group commit: concurrent commands share one insert transaction.

The library's PostgreSQL recorder takes ``LOCK TABLE … IN EXCLUSIVE MODE`` for each
insert, which is what keeps notification ids gap-free and in commit order; it also
means one commit per command at best. Here a caller that finds the writer busy
queues its events; whoever holds the writer lock next inserts everything queued in
one ``insert_events`` call — one lock, one commit, ids still in commit order.

A (case, version) collision inside a batch fails only the later command; if the
database refuses a batch for a conflict with an earlier commit, the batch is
retried one command at a time so only the real loser gets the conflict.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.persistence import ApplicationRecorder, IntegrityError, StoredEvent

from infrastructure.metrics import observe_batch

MAX_BATCH_EVENTS = 1000
# Rows the recorders write in the event transaction (infrastructure/recorders.py).
CARRIED = ("idempotency", "contacts", "erase_contacts")


@dataclass(eq=False)
class _Request:
    events: Sequence[StoredEvent]
    kwargs: dict[str, Any]
    ids: Sequence[int] | None = None
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)


class GroupCommitRecorder:
    """Wraps an application recorder's ``insert_events``; everything else passes through."""

    def __init__(
        self, recorder: ApplicationRecorder, max_batch_events: int = MAX_BATCH_EVENTS
    ) -> None:
        self.inner = recorder
        self.max_batch_events = max_batch_events
        self._queue: list[_Request] = []
        self._queue_lock = threading.Lock()
        self._writer = threading.Lock()
        self.batches = 0  # for benchmarks: commands per batch = requests / batches
        self.requests = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        if kwargs.get("tracking") is not None:  # tracking rows are not ours to batch
            return self.inner.insert_events(stored_events, **kwargs)
        request = _Request(stored_events, kwargs)
        with self._queue_lock:
            self._queue.append(request)
        while not request.done.is_set():
            with self._writer:
                if not request.done.is_set():
                    self._flush()
        if request.error is not None:
            raise request.error
        return request.ids

    def _take_batch(self) -> list[_Request]:
        with self._queue_lock:
            batch: list[_Request] = []
            size = 0
            while self._queue and (
                not batch or size + len(self._queue[0].events) <= self.max_batch_events
            ):
                request = self._queue.pop(0)
                batch.append(request)
                size += len(request.events)
            return batch

    def _flush(self) -> None:
        batch = self._take_batch()
        if not batch:
            return
        self.batches += 1
        self.requests += len(batch)
        observe_batch(len(batch), sum(len(r.events) for r in batch))
        batch = self._refuse_collisions(batch)
        carried = {k: [x for r in batch for x in r.kwargs.get(k) or ()] for k in CARRIED}
        try:
            ids = self.inner.insert_events([e for r in batch for e in r.events], **carried)
        except IntegrityError:
            for request in batch:  # find the real loser(s): one command per transaction
                self._insert_one(request)
            return
        except BaseException as e:
            for request in batch:
                self._finish(request, error=e)
            return
        start = 0
        for request in batch:
            n = len(request.events)
            self._finish(request, ids=list(ids[start : start + n]) if ids else None)
            start += n

    def _refuse_collisions(self, batch: list[_Request]) -> list[_Request]:
        """Two commands that read the same case version: the first one queued wins."""
        seen: set[tuple[Any, int]] = set()
        kept = []
        for request in batch:
            keys = {(e.originator_id, e.originator_version) for e in request.events}
            if keys & seen:
                self._finish(request, error=IntegrityError("version already taken in this batch"))
            else:
                seen |= keys
                kept.append(request)
        return kept

    def _insert_one(self, request: _Request) -> None:
        try:
            self._finish(request, ids=self.inner.insert_events(request.events, **request.kwargs))
        except BaseException as e:
            self._finish(request, error=e)

    @staticmethod
    def _finish(
        request: _Request, *, ids: Sequence[int] | None = None, error: BaseException | None = None
    ) -> None:
        request.ids, request.error = ids, error
        request.done.set()
