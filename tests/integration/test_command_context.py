"""The write context passed explicitly: a guard on the loaded case, a request key run once.

The same path HTTP, the console and the CLI take, driven here without HTTP on both backends.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from application.access import Forbidden
from application.idempotency import KeyReused, run_once
from application.requests import CommandContext, RequestKey
from application.service import CaseService
from application.views import WriteResult
from domain.case import Case
from domain.values import Level
from infrastructure.idempotency_sql import SqlIdempotencyStore
from infrastructure.settings import Settings
from infrastructure.sql import make_engine
from tests.support.actors import COORDINATOR, GRID_LEAD
from tests.support.clock import FakeClock


@pytest.fixture
def store(settings: Settings, service: CaseService, clock: FakeClock) -> Iterator[Any]:
    engine = make_engine(settings)
    yield SqlIdempotencyStore(engine, ttl=timedelta(hours=24), clock=clock)
    engine.dispose()


def street_case(service: CaseService) -> UUID:
    case_id = service.report_case(
        actor=GRID_LEAD, grid_id="chengshi-huating", category_id="fire-lane", title="消防通道"
    ).case_id
    service.escalate(case_id, actor=GRID_LEAD, to_level=Level.STREET, reason="网格内无法协调")
    return case_id


def whistle(service: CaseService, case_id: UUID, clock: FakeClock) -> Any:
    def write(context: CommandContext) -> WriteResult:
        return service.blow_whistle(
            case_id,
            actor=COORDINATOR,
            unit_ids=["jianshe-police"],
            report_in_deadline=clock.now + timedelta(days=1),
            reason="占道",
            context=context,
        )

    return write


def test_guard_sees_the_loaded_case_and_a_refusal_writes_nothing(
    service: CaseService, clock: FakeClock
) -> None:
    case_id = street_case(service)
    seen: list[int] = []

    def refuse(case: Case) -> None:
        seen.append(case.version)
        raise Forbidden("不可", "no")

    with pytest.raises(Forbidden):
        whistle(service, case_id, clock)(CommandContext(guard=refuse))
    assert seen == [2]
    assert service.get_case(case_id).version == 2


def test_a_keyed_retry_replays_the_first_answer_and_writes_nothing(
    service: CaseService, store: SqlIdempotencyStore, clock: FakeClock
) -> None:
    case_id = street_case(service)
    context = CommandContext(request_key=RequestKey("co-1", "k-1", "hash-a"))
    write = whistle(service, case_id, clock)
    first = run_once(store, context, write=write, answer=service.recorded_answer)
    again = run_once(store, context, write=write, answer=service.recorded_answer)
    assert again == first
    assert first.whistle_id == "W1"
    assert service.get_case(case_id).version == first.version == 3


def test_a_key_reused_for_another_request_is_refused_and_writes_nothing(
    service: CaseService, store: SqlIdempotencyStore, clock: FakeClock
) -> None:
    case_id = street_case(service)
    write = whistle(service, case_id, clock)
    first = CommandContext(request_key=RequestKey("co-1", "k", "a"))
    run_once(store, first, write=write, answer=service.recorded_answer)
    with pytest.raises(KeyReused):
        run_once(
            store,
            CommandContext(request_key=RequestKey("co-1", "k", "b")),
            write=write,
            answer=service.recorded_answer,
        )
    assert service.get_case(case_id).version == 3


def test_without_a_key_every_call_writes(
    service: CaseService, store: SqlIdempotencyStore, clock: FakeClock
) -> None:
    case_id = street_case(service)
    write = whistle(service, case_id, clock)
    run_once(store, CommandContext(), write=write, answer=service.recorded_answer)
    second = run_once(store, CommandContext(), write=write, answer=service.recorded_answer)
    assert (second.version, second.whistle_id) == (4, "W2")
