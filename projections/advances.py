"""Word that the views moved on, from the projector's thread to whoever waits for it
(the live inbox streams), so they wake when there is something new instead of polling."""

from __future__ import annotations

import threading
from collections.abc import Callable


class Advances:
    """Listeners called (in the projector's thread: they must only hand the news on, not
    work) each time a catch-up applied events."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: set[Callable[[], None]] = set()

    def listen(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call ``callback`` on every advance until the returned function is called."""
        with self._lock:
            self._listeners.add(callback)

        def stop() -> None:
            with self._lock:
                self._listeners.discard(callback)

        return stop

    def notify(self) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for callback in listeners:
            try:
                callback()
            except Exception:  # a closed event loop must not stop the projector
                pass
