"""What a caller adds to one command, passed explicitly: a check on the case, a request key.

Idempotency keys are recorded in the same transaction as the events they produced.
A retried request is recognised by (user, key): if its events were committed the
key was committed with them, so the retry replays the answer; if they were not,
neither was the key, so the retry runs again. No crash can leave one without the
other (application/idempotency.py runs a keyed command once).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from domain.case import Case


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


@dataclass(frozen=True)
class CommandContext:
    """``guard`` runs on the case the command loads, before the command: access control on
    the very state being changed, without loading the case a second time. ``request_key``
    is saved with the command's events (an Idempotency-Key)."""

    guard: Callable[[Case], None] | None = None
    request_key: RequestKey | None = None


NO_CONTEXT = CommandContext()
