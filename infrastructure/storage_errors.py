"""Drivers' errors translated where they arise: a database that cannot be reached (or is
too busy to answer) is the project's ``StorageUnavailable`` above infrastructure and
projections, never a psycopg, SQLAlchemy or eventsourcing error.

Two seams cover every store: the SQLAlchemy engines (users, console sessions,
idempotency keys, contacts' read log, the views) through ``translate_engine_errors``,
and the event recorders (infrastructure/recorders.py) through ``storage_errors``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import eventsourcing.persistence
import psycopg
import sqlalchemy.exc
from sqlalchemy import Engine, event
from sqlalchemy.engine import ExceptionContext

from application.errors import StorageUnavailable

# Connection refused, lost or closed, or the database too busy: nothing was written.
DRIVER_DOWN: tuple[type[Exception], ...] = (
    eventsourcing.persistence.OperationalError,
    eventsourcing.persistence.InterfaceError,
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
)


@contextmanager
def storage_errors() -> Iterator[None]:
    """Raise ``StorageUnavailable`` (the driver's error as its cause) for a database down."""
    try:
        yield
    except DRIVER_DOWN as e:
        raise StorageUnavailable(type(e).__name__) from e


class ConnectionLost(StorageUnavailable):
    """A pooled connection found dead (the server restarted or dropped it), as opposed
    to a server that cannot be reached at all: SQLAlchemy has invalidated the pool's
    older connections by the time this is raised, so a retry connects afresh."""


def lost_connection(e: StorageUnavailable) -> bool:
    return isinstance(e, ConnectionLost)


def translate_engine_errors(engine: Engine) -> Engine:
    """Make every statement and connection attempt of ``engine`` raise
    ``StorageUnavailable`` for a database down; other errors (integrity) pass unchanged."""
    event.listen(engine, "handle_error", _translate)
    return engine


def _translate(context: ExceptionContext) -> None:
    error = context.sqlalchemy_exception
    # A pre-ping (none is configured now) handles a dead connection itself; a lock
    # timeout is asked for by the code that set it, which gives way and retries.
    lock_timeout = isinstance(context.original_exception, psycopg.errors.LockNotAvailable)
    if context.is_pre_ping or lock_timeout:
        return
    if isinstance(error, DRIVER_DOWN):
        # SQLAlchemy still invalidates a dead connection before raising this instead.
        # (It re-chains what a handler raises to the driver's error: the kind of failure
        # is told by the class, not by the cause.)
        lost = context.is_disconnect and context.connection is not None
        raise (ConnectionLost if lost else StorageUnavailable)(type(error).__name__) from error
