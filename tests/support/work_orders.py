"""12345 work orders in the domain's unit tests: the platform, an order in each state."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

from domain.case import Case
from domain.jurisdiction import Placement
from domain.values import Actor, Level, ReturnReason, Role
from domain.working_days import TimeLimit
from tests.support.cases import CATEGORY, COORDINATOR, PLACEMENT, T0, later

PLATFORM = Actor("u-platform", Role.PLATFORM)
STREET_COORDINATOR = Actor("u-street", Role.COORDINATOR)
DISPATCHED = T0 - timedelta(minutes=5)
LIMIT = TimeLimit(hours=72)
UNPLACED = Placement(PLACEMENT.district_id, PLACEMENT.street_id, "", "")


def received_order(**overrides: Any) -> Case:
    kwargs: dict[str, Any] = {
        "case_id": uuid4(),
        "actor": PLATFORM,
        "at": T0,
        "order_id": "BJ12345-2016-0001",
        "dispatched_at": DISPATCHED,
        "content": "城市华庭小区消防通道常年停车\n消防车无法通行",
        "place_text": "东胜区建设街道城市华庭小区3号楼北侧",
        "category": CATEGORY,
        "placement": PLACEMENT,
        "time_limit": LIMIT,
    }
    kwargs.update(overrides)
    return Case.receive(**kwargs)


def accepted_order(**overrides: Any) -> Case:
    case = received_order(**overrides)
    case.accept_order(actor=COORDINATOR, at=later(case, minutes=10))
    return case


def returned_order(*, accepted: bool) -> Case:
    case = received_order()
    case.return_order(actor=COORDINATOR, at=later(case), reason=ReturnReason.WRONG_PLACE)
    case.decide_return(actor=PLATFORM, at=later(case, hours=2), accepted=accepted)
    return case


def extension_requested(**overrides: Any) -> Case:
    case = accepted_order(**overrides)
    case.request_extension(
        actor=COORDINATOR,
        at=later(case),
        reason="需协调供热公司更换管道",
        new_due=case.resolution_due + timedelta(days=5),
        level=Level.COMMUNITY,
    )
    return case
