"""Idempotency keys recorded in the same transaction as the events they produced.

A retried request is recognised by (user, key): if its events were committed the
key was committed with them, so the retry replays the answer; if they were not,
neither was the key, so the retry runs again. No crash can leave one without the
other. The key travels down to the store in a context variable set by the caller.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


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
