"""Idempotency keys recorded in the same transaction as the events they produced.

A retried request is recognised by (user, key): if its events were committed the
key was committed with them, so the retry replays the answer; if they were not,
neither was the key, so the retry runs again. No crash can leave one without the
other. The key travels down to the store in a context variable set by the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RequestKey:
    user_id: str
    key: str
    request_hash: str


@dataclass(frozen=True)
class KeyedWrite:
    """A request key as stored: which case version it produced, at which log position."""

    request_hash: str
    case_id: str
    version: int
    position: int


_current: ContextVar[RequestKey | None] = ContextVar("chuishao_request_key", default=None)


@contextmanager
def keyed(key: RequestKey) -> Iterator[None]:
    token = _current.set(key)
    try:
        yield
    finally:
        _current.reset(token)


def current_key() -> RequestKey | None:
    return _current.get()


# A check the caller wants run on the case a command loads, before the command: access
# control on the very state being changed, without loading the case a second time.
_guard: ContextVar[Callable[[Any], None] | None] = ContextVar("chuishao_guard", default=None)


@contextmanager
def guarded(check: Callable[[Any], None]) -> Iterator[None]:
    token = _guard.set(check)
    try:
        yield
    finally:
        _guard.reset(token)


def current_guard() -> Callable[[Any], None] | None:
    return _guard.get()
