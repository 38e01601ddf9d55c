"""What the domain's unit tests check after a command: the one event it recorded, or that a
refused command changed nothing."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import pytest

from domain.case import Case
from domain.errors import DomainError


def last_event(case: Case) -> Any:
    return case.pending_events[-1]


def event_names(case: Case) -> list[str]:
    return [type(e).__name__ for e in case.pending_events]


def state_of(case: Case) -> dict[str, Any]:
    """A deep copy of everything the events built (the pending list is checked apart)."""
    return copy.deepcopy({k: v for k, v in vars(case).items() if k != "_pending_events"})


@contextmanager
def refused(case: Case, error: type[DomainError]) -> Iterator[pytest.ExceptionInfo[Any]]:
    """The command inside raises exactly ``error`` and records nothing."""
    version, pending, state = case.version, len(case.pending_events), state_of(case)
    with pytest.raises(DomainError) as info:
        yield info
    assert type(info.value) is error, f"expected {error.__name__}, got {info.value!r}"
    assert info.value.zh and info.value.en
    assert case.version == version
    assert len(case.pending_events) == pending
    assert state_of(case) == state


def assert_recorded(
    case: Case, event_class: type[Any], actor: Any, at: datetime, **fields: Any
) -> Any:
    """The command recorded exactly one event of this class, by this actor, at this time."""
    event = last_event(case)
    assert type(event) is event_class
    assert event.originator_id == case.id
    assert event.originator_version == case.version == len(case.pending_events)
    assert event.actor_id == actor.user_id
    assert event.actor_role == actor.role.value
    assert event.timestamp == at
    assert case.modified_on == at
    for name, value in fields.items():
        assert getattr(event, name) == value, name
    return event
