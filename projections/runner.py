"""Keeps the views up to date from the event log.

One path on both backends: a thread pulls the notification log from each view's
position and applies pages of events, the rows and the position in one transaction.
The thread sleeps until a commit wakes it: the recorder's ``commits`` signal, told after
each commit batch in this process and, on PostgreSQL, of other processes' commits by
LISTEN/NOTIFY (infrastructure/commit_listener.py). ``poll_interval`` is only the
fallback (a wake-up lost to a dropped connection; on SQLite, writers in other
processes). The library's projection runner was not used: it applies one event per
transaction and needs a second service per view built from ``env`` alone.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from typing import Any, Protocol

from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from application.service import CaseService
from projections.advances import Advances
from projections.fast_decode import event_decoder
from projections.together import PageApplier, Together, ViewBehind, apply_pages
from projections.view import SqlView

PULL_BATCH = 5000
TRANSACTION_EVENTS = 50_000  # a rebuild commits its rows and position every so many events
ANALYZE_AFTER = 50_000  # events applied in one catch-up (a rebuild): refresh statistics


class CommitSource(Protocol):
    """Tells listeners of each commit (infrastructure/commit_signal.py)."""

    def listen(self, callback: Callable[[], None]) -> Callable[[], None]: ...


class Projector:
    """A set of projections kept up to date from one case service's event log."""

    def __init__(self, service: CaseService, projections: Sequence[Projection[Any]]) -> None:
        self.service = service
        self.projections = list(projections)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.error: BaseException | None = None
        self.advances = Advances()  # told after each catch-up that applied events
        self._wake = threading.Event()  # set by a commit: the loop reads the log again
        commits = getattr(service.recorder, "commits", None)  # absent on other recorders
        self._commits: CommitSource | None = commits
        self._decode = event_decoder(service.mapper)  # what the mapper gives, faster
        self._kept: dict[int, PageApplier] = {}  # each projection's, between catch-ups
        self._kept_lock = threading.Lock()
        self._left: dict[tuple[int, ...], int] = {}  # every view of a group is at least here

    @property
    def views(self) -> list[SqlView]:
        return [p.view for p in self.projections]

    @property
    def following(self) -> bool:
        """True while this process follows the log (``start``): then ``advances`` tells
        of every new position; otherwise another process moves the views."""
        return any(t.is_alive() for t in self._threads) and not self._stop.is_set()

    @property
    def failing(self) -> bool:
        """True if the last catch-up failed (the position then stops moving)."""
        return self.error is not None

    def positions(self) -> dict[str, int]:
        return {p.name: p.view.max_tracking_id(self.service.name) or 0 for p in self.projections}

    def marks(self) -> dict[str, tuple[int, int]]:
        """Each view's (build, position): its rows change only when this changes."""
        return {p.name: p.view.mark(self.service.name) for p in self.projections}

    def head(self) -> int:
        return self.service.recorder.max_notification_id() or 0

    def catch_up(self, progress: Callable[[int], None] | None = None) -> int:
        """Pull and apply everything not yet applied; returns how many events were applied
        (summed over the views).

        The log is read once, from the position of the view furthest behind, and each
        page goes to every view sharing the database in one transaction with their
        positions (projections/together.py); about ``TRANSACTION_EVENTS`` events per
        transaction, so a rebuild commits as it goes. The next page is read and decoded
        in a second thread while this one folds and writes, so database waits overlap
        with decoding.
        """
        done = 0
        for group in self._together():
            done += self._catch_up_together(group, progress)
        for projection in self.projections:
            if getattr(projection, "applier", None) is None:
                done += self._catch_up_one(projection, progress)
        if done:
            self.advances.notify()
        return done

    def _together(self) -> list[list[Any]]:
        """The projections that share a transaction: those with an ``applier``, by engine."""
        groups: dict[int, list[Any]] = {}
        for projection in self.projections:
            if getattr(projection, "applier", None) is not None:
                groups.setdefault(id(projection.view.engine), []).append(projection)
        return list(groups.values())

    def _catch_up_together(
        self, group: list[Together], progress: Callable[[int], None] | None
    ) -> int:
        # The appliers (and the rows they keep) carry over to the next catch-up, and so
        # does where the views were left: the next read starts there without asking the
        # database, and the transaction checks that no view is behind it. A catch-up
        # running beside this one (another thread) starts afresh instead.
        kept = self._kept_lock.acquire(blocking=False)
        try:
            key = tuple(id(p) for p in group)
            left = self._left.pop(key, None) if kept else None
            appliers = [self._applier(p) if kept else p.applier() for p in group]
            try:
                applied, last = self._apply(group, appliers, left, progress)
                if left is not None and last == left:  # nothing new: was a view moved back?
                    applied, last = self._apply(group, appliers, None, progress)
            except ViewBehind:  # moved back under us (a reset, a rebuild's swap)
                applied, last = self._apply(group, appliers, None, progress)
            if kept:
                self._left[key] = last
            for applier in appliers:
                applier.idle()
        finally:
            if kept:
                self._kept_lock.release()
        for projection, n in zip(group, applied, strict=True):
            if n >= ANALYZE_AFTER:
                projection.view.analyze()
        return sum(applied)

    def _apply(
        self,
        group: list[Together],
        appliers: list[PageApplier],
        left: int | None,
        progress: Callable[[int], None] | None,
    ) -> tuple[list[int], int]:
        """Apply the log from ``left`` (None: the slowest view's position, asked), to every
        view of the group; returns the events each applied and where all views now are."""
        if left is None:
            left = min(p.view.max_tracking_id(self.service.name) or 0 for p in group)
        read = [left]
        with closing(self._pages(left + 1, progress)) as pages:  # its reader thread ends
            applied = apply_pages(
                list(zip([p.view for p in group], appliers, strict=True)),
                _last_id(pages, read),
                TRANSACTION_EVENTS,
                reading_from=left + 1,
            )
        return applied, read[-1]

    def _applier(self, projection: Together) -> PageApplier:
        applier = self._kept.get(id(projection))
        if applier is None:
            applier = self._kept[id(projection)] = projection.applier()
        return applier

    def _catch_up_one(self, projection: Any, progress: Callable[[int], None] | None) -> int:
        """Any other projection: its own read of the log, its own transactions."""
        start = (projection.view.max_tracking_id(self.service.name) or 0) + 1
        process_pages = getattr(projection, "process_pages", None)
        with closing(self._pages(start, progress)) as pages:
            if process_pages is not None:
                applied = int(process_pages(pages, per_transaction=TRANSACTION_EVENTS))
            else:  # one event at a time
                applied = 0
                for items in pages:
                    for event, tracking in items:
                        projection.process_event(event, tracking)
                    applied += len(items)
        if applied >= ANALYZE_AFTER:
            projection.view.analyze()
        return applied

    def _pages(
        self, start: int, progress: Callable[[int], None] | None
    ) -> Generator[list[tuple[Any, Tracking]], None, None]:
        """Pages of the log from ``start``. The first is read in this thread (a live
        catch-up is one short page); after a full page the next is read in a second
        thread while this one is applied."""
        reader: ThreadPoolExecutor | None = None
        try:
            items = self._read(start)
            while True:
                page: Future[list[tuple[Any, Tracking]]] | None = None
                if len(items) == PULL_BATCH:
                    if reader is None:
                        reader = ThreadPoolExecutor(1, thread_name_prefix="chuishao-read")
                    page = reader.submit(self._read, items[-1][1].notification_id + 1)
                if items:
                    yield items
                    if progress:
                        progress(len(items))
                if page is None:
                    return
                items = page.result()
        finally:
            if reader is not None:
                reader.shutdown(wait=True, cancel_futures=True)

    def start(self, *, poll_interval: float = 0.1) -> None:
        """Follow the log in the background until ``stop``: woken by each commit, and
        every ``poll_interval`` seconds without one."""
        self._stop.clear()
        thread = threading.Thread(
            target=self._poll, args=(poll_interval,), daemon=True, name="chuishao-projector"
        )
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout=30)
        self._threads = [t for t in self._threads if t.is_alive()]

    def wait(self, position: int, timeout: float) -> None:
        """Block until every view has applied ``position`` (read-your-writes)."""
        for view in self.views:
            view.wait(self.service.name, position, timeout=timeout)

    def _poll(self, interval: float) -> None:
        unlisten = self._commits.listen(self._wake.set) if self._commits is not None else None
        everywhere = bool(getattr(self._commits, "across_processes", False))
        try:
            while not self._stop.is_set():
                # Cleared before reading: a commit landing during the catch-up sets it
                # again, so the next wait returns at once and that commit is read.
                self._wake.clear()
                try:
                    applied = self.catch_up()
                    self.error = None
                except Exception as e:  # database down: keep trying; shows in /healthz
                    self.error = e
                    applied = 0
                # Everything committed before the read was applied, and every later
                # commit sets the event; only unsignalled writers (SQLite, other
                # processes) need reading again at once after a catch-up that found some.
                if not applied or everywhere:
                    self._wake.wait(interval)
        finally:
            if unlisten is not None:
                unlisten()

    def _read(self, start: int) -> list[tuple[Any, Tracking]]:
        notifications = self.service.recorder.select_notifications(start, PULL_BATCH)
        decode, name = self._decode, self.service.name
        return [(decode(n), Tracking(name, n.id)) for n in notifications]


def _last_id(
    pages: Iterable[list[tuple[Any, Tracking]]], read: list[int]
) -> Iterator[list[tuple[Any, Tracking]]]:
    """The pages, noting the last notification id handed on in ``read``."""
    for page in pages:
        read.append(page[-1][1].notification_id)
        yield page
