"""LISTEN for commits of events on PostgreSQL, from any process.

The recorder's insert sends one ``NOTIFY`` per commit batch inside the insert's own
transaction, so PostgreSQL delivers it only once the events are committed (and never
for a rolled-back batch). A thread here holds a connection of its own (not one of the
pool's: it would be held for ever) and calls back on each notification.

A connection that is lost (server restart, ``pg_terminate_backend``, a network cut
that keepalives detect) is opened again after a pause; once listening again the
callback is called once, because commits made while nobody listened sent their
notifications to no one. Callers read the log from their own position, so that one
call is all it takes for nothing to be missed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg.sql import SQL, Identifier

APPLICATION_NAME = "chuishao-commit-listener"  # how the listener shows in pg_stat_activity
RETRY_SECONDS = 1.0
CHECK_SECONDS = 1.0  # how often the thread looks whether it was asked to stop


class CommitListener:
    """One thread LISTENing on ``channel``; ``on_commit`` is called for each NOTIFY."""

    def __init__(
        self,
        connect: Callable[[], psycopg.Connection[Any]],
        channel: str,
        on_commit: Callable[[], None],
        *,
        retry_seconds: float = RETRY_SECONDS,
    ) -> None:
        self._connect = connect
        self._channel = channel
        self._on_commit = on_commit
        self._retry = retry_seconds
        self._stop = threading.Event()
        self._sessions = 0  # connections that reached LISTEN (for tests: a reconnect)
        self._changed = threading.Condition()
        self.error: BaseException | None = None  # the last connection failure
        self.backend_pid: int | None = None  # the listening session's server process
        self._thread = threading.Thread(target=self._run, daemon=True, name=APPLICATION_NAME)

    def start(self) -> Callable[[], None]:
        self._thread.start()
        return self.stop

    def stop(self) -> None:
        """Not joined (closing would wait up to ``CHECK_SECONDS``): the thread calls
        back no more and closes its connection within that time."""
        self._stop.set()

    @property
    def sessions(self) -> int:
        return self._sessions

    def wait_for_session(self, count: int, timeout: float) -> bool:
        """Block until ``count`` connections have reached LISTEN; False on timeout."""
        with self._changed:
            return self._changed.wait_for(lambda: self._sessions >= count, timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with self._connect() as conn:
                    conn.execute(SQL("LISTEN {0}").format(Identifier(self._channel)))
                    with self._changed:
                        self.backend_pid = conn.info.backend_pid
                        self._sessions += 1
                        self._changed.notify_all()
                    self.error = None
                    self._on_commit()  # whatever was committed while nobody listened
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=CHECK_SECONDS):
                            if not self._stop.is_set():
                                self._on_commit()
            except Exception as e:  # lost or refused: try again after a pause
                self.error = e
                self._stop.wait(self._retry)


def postgres_connect(datastore: Any) -> Callable[[], psycopg.Connection[Any]]:
    """Opens a connection like the datastore's pool does (same server, user, password
    function), in autocommit, with keepalives so a silent network cut is noticed."""
    pool = datastore.pool
    kwargs = {k: v for k, v in pool.kwargs.items() if k != "row_factory"}
    password_func = getattr(pool, "get_password_func", None)

    def connect() -> psycopg.Connection[Any]:
        params = dict(kwargs)
        if password_func is not None:
            params["password"] = password_func()
        return psycopg.connect(
            **params,
            autocommit=True,
            connect_timeout=10,
            application_name=APPLICATION_NAME,
            keepalives=1,
            keepalives_idle=30,
            keepalives_interval=10,
            keepalives_count=3,
        )

    return connect
