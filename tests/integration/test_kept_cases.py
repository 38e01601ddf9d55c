"""Cases kept after a write (``application/kept_cases.py``): the next command on a kept
case acts on exactly what a replay of its events gives, sees other services' writes, and
a command that fails keeps nothing of what it did."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from application.errors import ConcurrencyConflict
from application.service import CaseService, fold
from domain.errors import DomainError
from domain.values import Actor, Level, PartyKind, Role, Satisfaction, Solved
from infrastructure.settings import Settings
from interfaces.bootstrap import build_case_service
from tests.support.actors import COORDINATOR, GRID_LEAD, POLICE_LIAISON, PROPERTY_LIAISON
from tests.support.clock import FakeClock
from tests.support.raw_db import RawDb

CALLBACK = Actor("co-hotline", Role.COORDINATOR)


def state(x: Any) -> Any:
    """A value's whole state, types included (a tuple is not a list here)."""
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [state(v) for v in x])
    if isinstance(x, dict):
        return (type(x).__name__, {k: state(v) for k, v in x.items()})
    if isinstance(x, (set, frozenset)):
        return (type(x).__name__, sorted(repr(v) for v in x))
    if hasattr(x, "__dict__") and not isinstance(x, type):
        return (type(x).__name__, {k: state(v) for k, v in vars(x).items()})
    return (type(x).__name__, x)


def replayed(service: CaseService, case_id: UUID) -> Any:
    return service.repository.get(case_id, projector_func=fold)


def kept_equals_replay(service: CaseService, case_id: UUID) -> None:
    kept = service.kept.take(case_id)
    assert kept is not None
    assert state(kept) == state(replayed(service, case_id))
    service.kept.keep(kept)


def test_a_kept_case_is_what_a_replay_gives_after_every_command(
    service: CaseService, clock: FakeClock
) -> None:
    case_id = service.report_case(
        actor=GRID_LEAD, grid_id="chengshi-huating", category_id="fire-lane", title="占用"
    ).case_id
    steps: list[Callable[[], object]] = [
        lambda: service.add_note(case_id, actor=GRID_LEAD, text="入户走访"),
        lambda: service.escalate(
            case_id, actor=GRID_LEAD, to_level=Level.COMMUNITY, reason="网格内无法协调"
        ),
        lambda: service.escalate(
            case_id, actor=COORDINATOR, to_level=Level.STREET, reason="钉子户"
        ),
        lambda: service.blow_whistle(
            case_id,
            actor=COORDINATOR,
            unit_ids=["jianshe-police", "yljw-property"],
            report_in_deadline=clock.now + timedelta(minutes=30),
            reason="联合执法",
        ),
        lambda: service.report_in(
            case_id, actor=POLICE_LIAISON, whistle_id="W1", unit_id="jianshe-police"
        ),
        lambda: service.pledge(
            case_id,
            actor=PROPERTY_LIAISON,
            party_kind=PartyKind.PROPERTY_COMPANY,
            party_name="物业公司",
            amount_fen=20_000,
            unit_id="yljw-property",
        ),
        lambda: service.resolve(case_id, actor=COORDINATOR, summary="通道畅通"),
        lambda: service.evaluate_case(
            case_id, actor=CALLBACK, solved=Solved.SOLVED, satisfaction=Satisfaction.UNSATISFIED
        ),
        lambda: service.reopen(case_id, actor=COORDINATOR, reason="回访不满意"),
        lambda: service.resolve(case_id, actor=COORDINATOR, summary="再次处置"),
        lambda: service.evaluate_case(
            case_id, actor=CALLBACK, solved=Solved.SOLVED, satisfaction=Satisfaction.SATISFIED
        ),
        lambda: service.evaluate_unit(
            case_id, actor=COORDINATOR, whistle_id="W1", unit_id="jianshe-police", score=90
        ),
        lambda: service.close_case(case_id, actor=COORDINATOR),
    ]
    kept_equals_replay(service, case_id)
    for step in steps:
        clock.advance(minutes=10)
        step()
        kept_equals_replay(service, case_id)
    assert service.get_case(case_id).version == 1 + len(steps)
    assert service.verify().intact


class HookClock:
    """Runs a hook the next time the service reads the clock (after loading a case,
    before saving it): another writer gets in between."""

    def __init__(self) -> None:
        self.hook: Callable[[], object] | None = None

    def __call__(self) -> datetime:
        hook, self.hook = self.hook, None
        if hook is not None:
            hook()
        return datetime.now(UTC)


def test_a_kept_case_sees_what_another_service_wrote(settings: Settings) -> None:
    with build_case_service(settings) as a, build_case_service(settings) as b:
        case_id = a.report_case(
            actor=GRID_LEAD, grid_id="binhewan", category_id="ebike", title="kept"
        ).case_id
        assert a.add_note(case_id, actor=GRID_LEAD, text="by a").version == 2  # kept by a
        b.withdraw(case_id, actor=GRID_LEAD, reason="居民撤诉")
        with pytest.raises(DomainError):  # a acts on the withdrawn case, not its kept one
            a.add_note(case_id, actor=GRID_LEAD, text="too late")
        assert a.get_case(case_id).version == 3
        assert a.verify().intact


def test_a_command_that_fails_keeps_nothing_it_did(settings: Settings, raw: RawDb) -> None:
    clock = HookClock()
    with build_case_service(settings, clock=clock) as a, build_case_service(settings) as b:
        case_id = a.report_case(
            actor=GRID_LEAD, grid_id="binhewan", category_id="ebike", title="race"
        ).case_id
        clock.hook = lambda: b.add_note(case_id, actor=GRID_LEAD, text="b got in first")
        with pytest.raises(ConcurrencyConflict):
            a.add_note(case_id, actor=GRID_LEAD, text="a, on the case b changed")
        assert a.kept.take(case_id) is None  # the note a could not save is not kept
        assert raw.count() == 2
        assert a.add_note(case_id, actor=GRID_LEAD, text="a, again").version == 3
        notes = [n.text for n in a.get_case(case_id).notes]
        assert notes == ["b got in first", "a, again"]

        # a refused command drops the kept case too: the next one loads it afresh
        with pytest.raises(DomainError):
            a.escalate(case_id, actor=GRID_LEAD, to_level=Level.GRID, reason="nowhere")
        assert a.kept.take(case_id) is None
        assert a.add_note(case_id, actor=GRID_LEAD, text="after").version == 4
        assert a.verify().intact
