"""A liaison's inbox: open whistles summoning their unit, with deadlines."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from application.access import Forbidden
from domain.errors import InvalidValue
from domain.values import Role
from interfaces.http.deps import ContainerDep, CurrentUser
from interfaces.http.schemas import ID_PATTERN, Inbox
from interfaces.http.waiting import wait_for_position
from projections.inbox import unit_inbox

router = APIRouter(tags=["inbox"])


@router.get("/inbox", response_model=Inbox)
def inbox(
    c: ContainerDep,
    user: CurrentUser,
    unit: Annotated[
        str | None, Query(max_length=64, pattern=ID_PATTERN, description="admins: whose inbox")
    ] = None,
    min_position: Annotated[int | None, Query(ge=0)] = None,
) -> Inbox:
    """Whistles the unit has not reported in to yet, soonest deadline first; and the
    summonses recorded as 未报到 against it (its case was resolved without it)."""
    if user.role is Role.LIAISON:
        unit_id = user.unit_id
    elif user.role is Role.ADMIN:
        unit_id = unit
    else:
        raise Forbidden("只有部门联络员有报到收件箱", "only liaisons have an inbox")
    if unit_id is None:
        raise InvalidValue("请指明单位 unit", "unit is required")
    c.service.jurisdiction.unit(unit_id)
    ledger = wait_for_position(c, min_position).side.ledger
    return Inbox.model_validate(
        unit_inbox(ledger, unit_id, c.service.clock()), from_attributes=True
    )
