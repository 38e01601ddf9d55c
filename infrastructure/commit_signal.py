"""Word that events were committed, so the projector wakes on a commit instead of polling.

In this process the recorder calls ``notify`` after each committed insert (one per
group-commit batch). On PostgreSQL commits from other processes arrive by
LISTEN/NOTIFY (``commit_listener.py``): the listening thread runs only while someone
listens here. On SQLite other processes' commits are seen by the listener's own
polling (the projector's ``poll_interval``), as before.

A wake-up is only a hint: whoever is woken reads the log from its own position, so a
spurious or doubled wake-up costs one empty read and a lost one only a poll interval.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

Callback = Callable[[], None]
# Starts listening for other processes' commits, calling the callback on each; returns
# the function that stops it.
RemoteStart = Callable[[Callback], Callback]


class CommitSignal:
    """Callbacks called after each commit (they must only hand the news on, not work)."""

    def __init__(self, remote: RemoteStart | None = None) -> None:
        self._lock = threading.Lock()
        self._listeners: set[Callback] = set()
        self._remote = remote
        self._stop_remote: Callback | None = None

    @property
    def across_processes(self) -> bool:
        """True where commits by other processes wake listeners too (PostgreSQL)."""
        return self._remote is not None

    def listen(self, callback: Callback) -> Callback:
        """Call ``callback`` after every commit until the returned function is called."""
        with self._lock:
            self._listeners.add(callback)
            if self._remote is not None and self._stop_remote is None:
                self._stop_remote = self._remote(self.notify)

        def stop() -> None:
            with self._lock:
                self._listeners.discard(callback)
                stop_remote = self._stop_remote if not self._listeners else None
                if stop_remote is not None:
                    self._stop_remote = None
            if stop_remote is not None:
                stop_remote()

        return stop

    def notify(self) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for callback in listeners:
            try:
                callback()
            except Exception:  # a listener's failure must not fail the writer's commit
                pass

    def close(self) -> None:
        """Stop listening to other processes (the recorder is closing)."""
        with self._lock:
            stop_remote, self._stop_remote = self._stop_remote, None
            self._listeners.clear()
        if stop_remote is not None:
            stop_remote()
