"""A transaction's writes and its COMMIT sent in one round trip (PostgreSQL).

The live projector applies a few events per transaction, so what a page costs is
mostly round trips: each statement waited for its answer before the next was sent,
and on a busy machine every wait is a trip through the scheduler for both processes.
The writes of a page need no answer (only whether they failed), so from
``writes_follow`` on they are queued in psycopg's pipeline mode, and the COMMIT is
queued after them: one round trip sends them all and reads every result. A failed
statement aborts the rest, the COMMIT included, and raises here; the transaction is
then rolled back as before.

Reads need their answer at once (SQLAlchemy looks at a result as soon as it is
executed), so a read after ``writes_follow`` calls ``reads_follow`` first, which sends
what was queued and waits. On SQLite, or outside ``commit_in_one_trip``, both are no-ops.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.sql.expression import ClauseElement

_KEY = "chuishao.pipeline"
# Set around the opening of a transaction that should queue (``queue_next``): the view's
# ``locked`` takes it, so callers (and tests wrapping ``locked``) keep its signature.
_WISH: ContextVar[bool] = ContextVar("chuishao_queue_next", default=False)


class _Queue:
    """The pipeline of one transaction's connection, entered when writes follow."""

    def __init__(self, driver: Any) -> None:
        self.driver = driver  # the psycopg connection
        self.entered: AbstractContextManager[Any] | None = None

    def enter(self) -> None:
        if self.entered is None:
            entered = self.driver.pipeline()
            entered.__enter__()
            self.entered = entered

    def leave(self, error: BaseException | None = None) -> None:
        """Send what is queued and wait for every result (raises the first failure)."""
        entered, self.entered = self.entered, None
        if entered is not None:
            if error is None:
                entered.__exit__(None, None, None)
            else:  # already failing: psycopg logs a second failure instead of raising it
                entered.__exit__(type(error), error, error.__traceback__)

    def commit(self) -> None:
        self.enter()
        self.driver.execute(
            "COMMIT"
        )  # queued after the writes; the caller's commit is then a no-op
        self.leave()


def _driver(conn: Connection) -> Any:
    """The psycopg connection under ``conn`` if it can pipeline, else None."""
    if conn.dialect.name != "postgresql" or conn.dialect.driver != "psycopg":
        return None
    driver = conn.connection.driver_connection
    pipeline = getattr(type(driver), "pipeline", None)
    return driver if pipeline is not None else None


@contextmanager
def commit_in_one_trip(conn: Connection, *, queue_now: bool = False) -> Iterator[None]:
    """Around a transaction on ``conn``: statements after ``writes_follow`` (or from the
    start, ``queue_now``) are queued, and on leaving the block the COMMIT is queued too
    and all are sent at once. The caller's own commit that follows finds the transaction
    committed (PostgreSQL); elsewhere it commits as before. On an exception nothing is
    committed."""
    driver = _driver(conn)
    if driver is None:
        yield
        return
    queue = conn.info[_KEY] = _Queue(driver)
    try:
        if queue_now:
            queue.enter()
        yield
        queue.commit()
    except BaseException as e:
        queue.leave(e)
        raise
    finally:
        conn.info.pop(_KEY, None)


@contextmanager
def queue_next() -> Iterator[None]:
    """The next transaction opened in this block by ``SqlView.locked`` queues from the
    start (``commit_in_one_trip(queue_now=True)``)."""
    token = _WISH.set(True)
    try:
        yield
    finally:
        _WISH.reset(token)


def take_queue_wish() -> bool:
    """Whether ``queue_next`` asked for this transaction (then later ones do not)."""
    wished = _WISH.get()
    if wished:
        _WISH.set(False)
    return wished


def writes_follow(conn: Connection) -> None:
    """Nothing reads on ``conn`` until the next ``reads_follow`` or the commit: queue."""
    queue: _Queue | None = conn.info.get(_KEY)
    if queue is not None:
        queue.enter()


def fetch_queued(conn: Connection, statement: ClauseElement, params: dict[str, Any]) -> Any:
    """Run a one-row read behind what is queued without ending the queue (a flush, not a
    sync: BEGIN and this read go out in one round trip); returns the row (a tuple, or
    None), or ``NOT_QUEUED`` where nothing is queued (read through SQLAlchemy then).
    Only for plain columns (no SQLAlchemy type conversion is applied)."""
    queue: _Queue | None = conn.info.get(_KEY)
    if queue is None or queue.entered is None:
        return NOT_QUEUED
    sql, defaults = _compiled(statement, conn.dialect)
    cursor = queue.driver.cursor()
    cursor.execute(sql, {**defaults, **params})
    return cursor.fetchone()


NOT_QUEUED = object()


@lru_cache(maxsize=64)
def _compiled(statement: ClauseElement, dialect: Any) -> tuple[str, dict[str, Any]]:
    compiled = statement.compile(dialect=dialect)
    return compiled.string, dict(compiled.params)


def reads_follow(conn: Connection) -> None:
    """A read follows on ``conn``: send what is queued and wait for it first."""
    queue: _Queue | None = conn.info.get(_KEY)
    if queue is not None:
        queue.leave()


__all__ = [
    "NOT_QUEUED",
    "commit_in_one_trip",
    "fetch_queued",
    "queue_next",
    "reads_follow",
    "take_queue_wish",
    "writes_follow",
]
