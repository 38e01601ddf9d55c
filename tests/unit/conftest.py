"""Small helpers for the domain's unit tests: a clock, actors, reference data, case walkers."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.case import Case
from domain.errors import DomainError
from domain.jurisdiction import Category, Placement
from domain.values import Actor, Channel, Level, PartyKind, Role, Satisfaction, Solved
from domain.working_days import TimeLimit

BEIJING = timezone(timedelta(hours=8), "CST")
T0 = datetime(2016, 4, 12, 9, 0, tzinfo=BEIJING)

GRID_LEAD = Actor("u-grid-lead", Role.GRID_LEAD)
COORDINATOR = Actor("u-coordinator", Role.COORDINATOR)
LIAISON = Actor("u-liaison", Role.LIAISON)
AUDITOR = Actor("u-auditor", Role.AUDITOR)
ADMIN = Actor("u-admin", Role.ADMIN)

CATEGORY = Category(
    id="fire_lane",
    name="消防通道占用",
    response=TimeLimit(hours=2),
    resolution=TimeLimit(hours=7 * 24),
)
PLACEMENT = Placement(
    district_id="dongsheng", street_id="jianshe", community_id="yljw", grid_id="yljw-g1"
)
POLICE = "jianshe-police"
PROPERTY = "yljw-property"
ENTERPRISE = "yili-enterprise"
OTHER_CASE_ID = UUID("00000000-0000-4000-8000-000000000001")


def later(case: Case, **delta: float) -> datetime:
    """A time after the case's last event (one minute by default)."""
    return case.modified_on + timedelta(**(delta or {"minutes": 1}))


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


# ----- walking a case through its life -------------------------------------------------


def reported_case(*, at: datetime = T0, case_id: UUID | None = None, **overrides: Any) -> Case:
    kwargs: dict[str, Any] = {
        "case_id": case_id or uuid4(),
        "actor": GRID_LEAD,
        "at": at,
        "title": "消防通道被私家车长期占用",
        "description": "城市华庭小区消防通道常年停车，消防车无法通行",
        "category": CATEGORY,
        "placement": PLACEMENT,
        "channel": Channel.PATROL,
    }
    kwargs.update(overrides)
    return Case.report(**kwargs)


def escalated_case(level: Level = Level.STREET) -> Case:
    case = reported_case()
    case.escalate(actor=GRID_LEAD, at=later(case), to_level=level, reason="网格内无法协调")
    return case


def whistled_case(
    units: tuple[str, ...] = (POLICE, PROPERTY), *, level: Level = Level.STREET
) -> tuple[Case, str]:
    case = escalated_case(level)
    whistle_id = case.blow_whistle(
        actor=COORDINATOR,
        at=later(case),
        unit_ids=list(units),
        report_in_deadline=later(case, minutes=31),
        reason="需派出所和物业联合处置",
    )
    return case, whistle_id


def resolve(case: Case) -> Case:
    case.resolve(actor=COORDINATOR, at=later(case), summary="车辆已清理，通道畅通")
    return case


def resolved_case() -> Case:
    return resolve(reported_case())


def evaluate(case: Case, satisfaction: Satisfaction = Satisfaction.SATISFIED) -> Case:
    solved = Solved.UNSOLVED if satisfaction is Satisfaction.UNSATISFIED else Solved.SOLVED
    case.evaluate(actor=GRID_LEAD, at=later(case), solved=solved, satisfaction=satisfaction)
    return case


def evaluated_case(satisfaction: Satisfaction = Satisfaction.SATISFIED) -> Case:
    return evaluate(resolved_case(), satisfaction)


def closed_case() -> Case:
    case, _ = whistled_case()
    resolve(case)
    case.close(actor=COORDINATOR, at=later(case))
    return case


def withdrawn_case() -> Case:
    case, _ = whistled_case()
    case.withdraw(actor=GRID_LEAD, at=later(case), reason="居民撤回诉求")
    return case


def duplicate_case() -> Case:
    case, _ = whistled_case()
    case.mark_duplicate(actor=GRID_LEAD, at=later(case), original_case_id=OTHER_CASE_ID)
    return case


# ----- every instance command, with arguments that some case state accepts -------------

COMMANDS: dict[str, Callable[[Case, datetime], object]] = {
    "note": lambda c, at: c.note(actor=GRID_LEAD, at=at, text="入户走访"),
    "escalate": lambda c, at: c.escalate(
        actor=GRID_LEAD, at=at, to_level=Level.DISTRICT, reason="需区级协调"
    ),
    "blow_whistle": lambda c, at: c.blow_whistle(
        actor=COORDINATOR,
        at=at,
        unit_ids=[POLICE],
        report_in_deadline=at + timedelta(minutes=30),
        reason="联合执法",
    ),
    "report_in": lambda c, at: c.report_in(actor=LIAISON, at=at, whistle_id="W1", unit_id=POLICE),
    "pledge": lambda c, at: c.pledge(
        actor=COORDINATOR,
        at=at,
        party_kind=PartyKind.ENTERPRISE,
        party_name="亿利集团",
        amount_fen=360_000,
    ),
    "resolve": lambda c, at: c.resolve(actor=COORDINATOR, at=at, summary="已解决"),
    "evaluate": lambda c, at: c.evaluate(
        actor=GRID_LEAD, at=at, solved=Solved.SOLVED, satisfaction=Satisfaction.SATISFIED
    ),
    "evaluate_unit": lambda c, at: c.evaluate_unit(
        actor=COORDINATOR, at=at, whistle_id="W1", unit_id=POLICE, score=90
    ),
    "reopen": lambda c, at: c.reopen(actor=COORDINATOR, at=at, reason="居民不满意"),
    "close": lambda c, at: c.close(actor=COORDINATOR, at=at),
    "withdraw": lambda c, at: c.withdraw(actor=GRID_LEAD, at=at, reason="撤回"),
    "mark_duplicate": lambda c, at: c.mark_duplicate(
        actor=GRID_LEAD, at=at, original_case_id=OTHER_CASE_ID
    ),
}
