"""Cases this process just wrote, kept for the next command on them.

A command on a case reads its events and replays them (decode + fold, most of a load's
CPU beside the round trip). After a successful save the service holds the case as it now
stands in the log; keeping it lets the next command read only the events after its
version (normally none: the same round trip, nothing to decode or replay).

A kept case is handed out **once**: ``take`` removes it, so the command works on it
alone and no copy is needed (the library's cache deep-copies a shared aggregate, which
costs about what the replay does). It goes back only after the command's save
succeeded; a command that fails for any reason (a refusal, a conflict, a database error)
drops it and the next command loads the case afresh. A write by another process is seen
by the read after the kept version, exactly as a full load would see it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, Protocol, TypeVar
from uuid import UUID


class _Versioned(Protocol):
    @property
    def id(self) -> UUID: ...


T = TypeVar("T", bound=_Versioned)

DEFAULT_SIZE = 1000  # cases; each is a few KB


class KeptCases(Generic[T]):
    """A small LRU of cases, each taken out by the one command that uses it."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self._cases: OrderedDict[UUID, T] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, case_id: UUID) -> T | None:
        with self._lock:
            return self._cases.pop(case_id, None)

    def keep(self, case: T) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._cases[case.id] = case
            self._cases.move_to_end(case.id)
            while len(self._cases) > self.size:
                self._cases.popitem(last=False)

    def __len__(self) -> int:
        return len(self._cases)
