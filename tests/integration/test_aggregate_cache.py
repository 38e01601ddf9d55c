"""Cases kept in memory between commands (``aggregate_cache_size``): two services on one
store never act on a stale case; a kept case that missed a write loses to the unique
(case, version) and the next command reads the write it missed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from application.errors import ConcurrencyConflict
from domain.errors import DomainError
from domain.values import Level
from infrastructure.settings import Settings
from interfaces.bootstrap import build_case_service
from tests.support.actors import GRID_LEAD
from tests.support.raw_db import RawDb


class HookClock:
    """The service reads the clock after loading a case and before saving it: a hook
    run there lets another writer in between."""

    def __init__(self) -> None:
        self.hook: Callable[[], None] | None = None

    def __call__(self) -> datetime:
        hook, self.hook = self.hook, None
        if hook is not None:
            hook()
        return datetime.now(UTC)


@pytest.fixture
def cached(settings: Settings) -> Settings:
    return settings.model_copy(update={"aggregate_cache_size": 100})


def test_a_kept_case_sees_another_services_write(cached: Settings) -> None:
    with build_case_service(cached) as a, build_case_service(cached) as b:
        case_id = a.report_case(
            actor=GRID_LEAD, grid_id="binhewan", category_id="ebike", title="kept"
        ).case_id
        assert a.get_case(case_id).version == 1  # kept by a
        b.add_note(case_id, actor=GRID_LEAD, text="written by b")
        seen = a.get_case(case_id)
        assert seen.version == 2
        assert a.add_note(case_id, actor=GRID_LEAD, text="then a").version == 3
        assert a.verify().intact


def test_a_stale_kept_case_loses_to_the_store_and_is_read_again(
    cached: Settings, raw: RawDb
) -> None:
    clock = HookClock()
    with build_case_service(cached, clock=clock) as a, build_case_service(cached) as b:
        case_id = a.report_case(
            actor=GRID_LEAD, grid_id="binhewan", category_id="ebike", title="race"
        ).case_id
        a.get_case(case_id)  # kept at version 1
        clock.hook = lambda: b.add_note(case_id, actor=GRID_LEAD, text="b got in first")
        with pytest.raises(ConcurrencyConflict):
            a.add_note(case_id, actor=GRID_LEAD, text="a, from a stale case")
        assert raw.count() == 2  # a's event was refused, b's stands
        # a's kept case is neither stale nor carrying the refused note
        assert a.get_case(case_id).version == 2
        assert a.add_note(case_id, actor=GRID_LEAD, text="a, again").version == 3
        assert b.get_case(case_id).version == 3
        assert a.verify().intact


def test_a_refused_command_leaves_the_kept_case_unchanged(cached: Settings) -> None:
    with build_case_service(cached) as a:
        case_id = a.report_case(
            actor=GRID_LEAD, grid_id="binhewan", category_id="ebike", title="refused"
        ).case_id
        a.escalate(case_id, actor=GRID_LEAD, to_level=Level.COMMUNITY, reason="up")
        before = a.get_case(case_id)
        with pytest.raises(DomainError):
            a.escalate(case_id, actor=GRID_LEAD, to_level=Level.COMMUNITY, reason="again")
        assert a.get_case(case_id) == before
        assert a.add_note(case_id, actor=GRID_LEAD, text="next").version == before.version + 1
