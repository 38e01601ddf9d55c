"""The domain's unit tests' reference data, actors and case walkers: cases in each state."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID, uuid4

from domain.case import Case
from domain.jurisdiction import Category, Placement
from domain.values import Actor, Channel, Level, PartyKind, Role, Satisfaction, Solved
from domain.working_days import TimeLimit

BEIJING = timezone(timedelta(hours=8), "CST")
T0 = datetime(2016, 4, 12, 9, 0, tzinfo=BEIJING)
NAIVE = datetime(2016, 4, 12, 9, 0)

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


# ----- a whistle, a pledge, a reopened case: defaults the rule tests override -------------


def blow(case: Case, *, at: datetime | None = None, **overrides: Any) -> str:
    at = at or later(case)
    kwargs: dict[str, Any] = {
        "actor": COORDINATOR,
        "at": at,
        "unit_ids": [POLICE],
        "report_in_deadline": at + timedelta(minutes=30),
        "reason": "联合执法",
    }
    kwargs.update(overrides)
    return case.blow_whistle(**kwargs)


def pledge(case: Case, **overrides: Any) -> None:
    kwargs: dict[str, Any] = {
        "actor": COORDINATOR,
        "at": later(case),
        "party_kind": PartyKind.PROPERTY_COMPANY,
        "party_name": "物业公司",
        "amount_fen": 100,
    }
    kwargs.update(overrides)
    case.pledge(**kwargs)


def reopened_case() -> Case:
    case = evaluated_case(Satisfaction.UNSATISFIED)
    case.reopen(actor=COORDINATOR, at=later(case), reason="不满意")
    return case
