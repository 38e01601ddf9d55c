"""12345 work orders at the service level: the platform's pushes and who acts on them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from application.service import CaseService
from application.views import WriteResult
from application.work_orders import OrderIntake
from domain.values import Actor, Level, Role
from domain.working_days import TimeLimit

PLATFORM = Actor("platform-12345", Role.PLATFORM)
COMMUNITY_COORDINATOR = Actor("co-yljw", Role.COORDINATOR)
STREET_COORDINATOR = Actor("co-jianshe", Role.COORDINATOR)


def intake(order_id: str, at: datetime, **overrides: Any) -> OrderIntake:
    """A 供暖 order for 建设街道, dispatched five minutes before ``at``, 24 hours to solve."""
    fields: dict[str, Any] = {
        "order_id": order_id,
        "dispatched_at": at - timedelta(minutes=5),
        "category_id": "heating",
        "street_id": "jianshe",
        "grid_id": "binhewan",
        "place_text": "滨河湾小区5号楼",
        "content": "5号楼暖气不热，室温不足16度",
        "time_limit": TimeLimit(hours=24),
    }
    fields.update(overrides)
    return OrderIntake(**fields)


def push(service: CaseService, order_id: str, **overrides: Any) -> UUID:
    return service.receive_work_order(
        intake(order_id, service.clock(), **overrides), actor=PLATFORM
    ).result.case_id


def request_extension(service: CaseService, case_id: UUID, new_due: datetime) -> WriteResult:
    return service.request_extension(
        case_id,
        actor=COMMUNITY_COORDINATOR,
        level=lambda _: Level.COMMUNITY,
        reason="需更换入户管道，等待供热公司备料",
        new_due=new_due,
    )


def decide_extension(service: CaseService, case_id: UUID, *, approved: bool) -> WriteResult:
    return service.decide_extension(
        case_id, actor=STREET_COORDINATOR, level=lambda _: Level.STREET, approved=approved
    )


# ----- over HTTP -------------------------------------------------------------------------

ORDER_USERS: dict[str, tuple[Role, list[str]]] = {
    "platform": (Role.PLATFORM, []),
    "community_coordinator": (Role.COORDINATOR, ["community:yili-jinwei"]),
    "second_street_coordinator": (Role.COORDINATOR, ["street:jianshe"]),
}


def add_order_users(api: Any) -> None:
    """The platform and the two levels of coordinators, beside the usual users."""
    from interfaces.cli.users import add_user

    for uid, (role, scopes) in ORDER_USERS.items():
        api.tokens[uid] = add_user(api.container, uid, uid, role, scopes)


def order_body(order: str, at: datetime, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "order_id": order,
        "dispatched_at": (at - timedelta(minutes=5)).isoformat(),
        "category_id": "heating",
        "street_id": "jianshe",
        "grid_id": "binhewan",
        "place_text": "滨河湾小区5号楼",
        "content": "5号楼暖气不热，室温不足16度",
        "time_limit": {"hours": 24},
        "resident_name": "王女士",
        "resident_phone": "13800000000",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}
