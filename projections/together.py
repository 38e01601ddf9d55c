"""Pages of the log applied to several views in one transaction, positions with the rows.

The live projector reads the log once per catch-up and hands each page to every view
that shares the database, in one transaction that also moves each view's position:
one commit per catch-up however many views there are, and a crash loses the whole
transaction or none of it (an event is never applied twice). A view that is ahead
(another projector moved it) skips the events it already holds.

A view takes part through a ``PageApplier``: ``begin`` when the transaction holds its
position, ``add`` for events after it (in log order; several pages may go into one
transaction), ``finish`` to write what was added before the commit. What ``finish`` reads comes before
what it writes (``projections/pipeline.py``: the writes are queued until the commit).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Protocol

from eventsourcing.persistence import Tracking

from projections.pipeline import queue_next, writes_follow
from projections.view import Locked, SqlView

Items = Sequence[tuple[Any, Tracking]]


class PageApplier(Protocol):
    """One view's side of a catch-up (it may keep state from one transaction to the next)."""

    def begin(self, tx: Locked) -> None: ...

    def add(self, tx: Locked, items: Items) -> None:
        """Fold ``items`` (all after ``tx.done``, in log order) and ``tx.advance`` past them."""

    def finish(self, tx: Locked) -> None:
        """Write what this transaction's ``add`` calls folded (before ``settle``)."""

    def idle(self) -> None:
        """The catch-up is over (the applier is kept for the next one)."""


class Together(Protocol):
    """A projection that can share a transaction with others."""

    @property
    def view(self) -> SqlView: ...

    def applier(self) -> PageApplier: ...


class ViewBehind(Exception):
    """A view's position is before where the pages start (it was moved back since the
    caller looked): nothing was applied; read the positions again."""


def apply_pages(
    members: Sequence[tuple[SqlView, PageApplier]],
    pages: Iterable[Items],
    per_transaction: int,
    *,
    reading_from: int | None = None,
) -> list[int]:
    """Apply the pages to every view, about ``per_transaction`` events per transaction
    (at least one page). The views must share one engine. Returns how many events each
    view applied (those it already held are skipped). ``reading_from``: the first id the
    pages were read from; a view whose position is before it raises ``ViewBehind``."""
    if not members:
        return []
    engine = members[0][0].engine
    assert all(view.engine is engine for view, _ in members), "one database per transaction"
    # The position rows are locked in one order, so two projectors never deadlock.
    order = sorted(range(len(members)), key=lambda i: members[i][0].projection_name)
    applied = [0] * len(members)
    queue: Iterator[Items] = iter(pages)
    page = next(queue, None)
    while page:
        name = page[0][1].application_name
        for view, _ in members:  # a row to lock, made before the transaction
            view.ensure_tracking_row(name)
        # The first view's ``locked`` opens the transaction; the others join it.
        with queue_next(), members[order[0]][0].locked(name) as first:
            held = {order[0]: first}
            for i in order[1:]:
                held[i] = members[i][0].hold(first.conn, name)
            if reading_from is not None and min(t.position for t in held.values()) + 1 < (
                reading_from
            ):
                raise ViewBehind(f"a view is before {reading_from}, where the log was read from")
            reading_from = None  # checked once: later transactions start where this ends
            for i in order:
                members[i][1].begin(held[i])
            in_tx, added = 0, dict.fromkeys(order, 0)
            while page and (in_tx == 0 or in_tx + len(page) <= per_transaction):
                for i in order:
                    tx = held[i]
                    todo = _after(page, tx.done)
                    if todo:
                        members[i][1].add(tx, todo)
                        added[i] += len(todo)
                in_tx += len(page)
                page = next(queue, None)
            for i in order:
                members[i][1].finish(held[i])
            # The rows, every position and the COMMIT in one round trip (PostgreSQL).
            writes_follow(first.conn)
            for i in order[1:]:  # the first view's moves as ``locked`` closes
                members[i][0].settle(held[i])
        for i, n in added.items():  # committed
            applied[i] += n
    return applied


def _after(page: Items, position: int) -> Items:
    """The page's events after ``position`` (a page is in log order)."""
    if page[0][1].notification_id > position:
        return page
    return [(e, t) for e, t in page if t.notification_id > position]


__all__ = ["Items", "PageApplier", "Together", "ViewBehind", "apply_pages"]
