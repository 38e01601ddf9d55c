"""合并: repeated calls about one matter — likely duplicates, the merge, who shares an outcome."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from application.access import Action
from interfaces.http.deps import CommandsDep, ContainerDep, CurrentUser, scope_of
from interfaces.http.merge_schemas import CallersPublic, LikelyDuplicatePublic
from interfaces.http.schemas import DraftCheck, MergeCreate, WriteAccepted
from interfaces.http.waiting import wait_for_position
from projections.case_duplicates import Draft

MinPosition = Annotated[
    int | None, Query(ge=0, description="wait until views include this log position")
]
router = APIRouter(tags=["merging repeated calls"])


@router.post("/cases/{case_id}/merges", status_code=201, response_model=WriteAccepted)
def merge(case_id: UUID, body: MergeCreate, cmd: CommandsDep, c: ContainerDep) -> JSONResponse:
    """合并: the listed cases end as duplicates of this one (they count nowhere; this one
    counts once) and their callers share its outcome. Coordinators (and admins) with every
    case in scope; a case outside it answers 404 as an unknown one. Cases of different
    streets are refused (409). All or nothing; ``If-Match`` and ``Idempotency-Key`` are
    this case's; the answer is this case's new version."""
    return cmd.on_case(
        case_id,
        Action.MERGE,
        lambda v, ctx: c.service.merge_cases(
            case_id,
            body.case_ids,
            actor=cmd.actor,
            reason=body.reason,
            expected_version=v,
            context=ctx,
        ),
    )


@router.get("/cases/{case_id}/likely-duplicates", response_model=list[LikelyDuplicatePublic])
def likely_duplicates(
    case_id: UUID, c: ContainerDep, user: CurrentUser, min_position: MinPosition = None
) -> list[LikelyDuplicatePublic]:
    """可能重复的案件: open cases of the same category, nearby, reported within the
    window around this one, with similar text; only those the caller may see."""
    case = c.service.get_case(case_id)
    c.policy.require(user, Action.READ, case)
    duplicates = wait_for_position(c, min_position).side.duplicates
    draft = Draft(
        case.grid_id,
        case.category_id,
        case.title,
        case.description,
        case.reported_at,
        exclude_case_id=str(case.case_id),
    )
    return [LikelyDuplicatePublic(**asdict(d)) for d in duplicates.likely(draft, scope_of(user, c))]


@router.post("/cases/duplicates-check", response_model=list[LikelyDuplicatePublic])
def duplicates_check(
    body: DraftCheck, c: ContainerDep, user: CurrentUser, min_position: MinPosition = None
) -> list[LikelyDuplicatePublic]:
    """查重 before reporting: the likely duplicates of a draft, as of now. Writes nothing."""
    c.policy.require(user, Action.READ)
    c.service.jurisdiction.placement(body.grid_id)  # unknown → 422
    c.service.jurisdiction.category(body.category_id)
    duplicates = wait_for_position(c, min_position).side.duplicates
    draft = Draft(body.grid_id, body.category_id, body.title, body.description, c.service.clock())
    return [LikelyDuplicatePublic(**asdict(d)) for d in duplicates.likely(draft, scope_of(user, c))]


@router.get("/cases/{case_id}/callers", response_model=CallersPublic)
def callers(case_id: UUID, c: ContainerDep, user: CurrentUser) -> CallersPublic:
    """Who shares this case's outcome (for the 反馈): the case and every report merged
    into it, each with its channel. Contacts stay behind ``/cases/{id}/resident``."""
    c.policy.require(user, Action.READ, c.service.get_case(case_id))
    found = c.service.callers_of(case_id)
    return CallersPublic.model_validate(asdict(found))
