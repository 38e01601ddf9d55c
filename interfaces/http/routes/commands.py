"""Writes on a case: each answers 201 with the case id and its new version."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from application.access import Action, check_pledge_party, check_reporting_unit
from domain.errors import InvalidValue
from interfaces.http.deps import CommandsDep, ContainerDep
from interfaces.http.schemas import (
    CloseCreate,
    DuplicateCreate,
    EscalationCreate,
    EvaluationCreate,
    NoteCreate,
    PledgeCreate,
    ReopenCreate,
    ReportInCreate,
    ResolutionCreate,
    UnitEvaluationCreate,
    WhistleCreate,
    WithdrawalCreate,
    WriteAccepted,
)

router = APIRouter(tags=["case commands"])
WRITE: dict[str, Any] = {"status_code": 201, "response_model": WriteAccepted}


@router.post("/cases/{case_id}/notes", **WRITE)
def add_note(case_id: UUID, body: NoteCreate, cmd: CommandsDep, c: ContainerDep) -> JSONResponse:
    """Record progress: a home visit, a joint meeting (联席会议), on-site office (现场办公)."""
    return cmd.on_case(
        case_id,
        Action.NOTE,
        lambda v, ctx: c.service.add_note(
            case_id,
            actor=cmd.actor,
            text=body.text,
            kind=body.kind,
            expected_version=v,
            context=ctx,
        ),
    )


@router.post("/cases/{case_id}/escalations", **WRITE)
def escalate(
    case_id: UUID, body: EscalationCreate, cmd: CommandsDep, c: ContainerDep
) -> JSONResponse:
    """Escalate the case: grid → community → street → district."""
    return cmd.on_case(
        case_id,
        Action.ESCALATE,
        lambda v, ctx: c.service.escalate(
            case_id,
            actor=cmd.actor,
            to_level=body.to_level,
            reason=body.reason,
            expected_version=v,
            context=ctx,
        ),
    )


@router.post("/cases/{case_id}/whistles", **WRITE)
def blow_whistle(
    case_id: UUID, body: WhistleCreate, cmd: CommandsDep, c: ContainerDep
) -> JSONResponse:
    """吹哨: summon units to report in by a deadline. The answer carries the whistle id.
    Every unit must serve the case's place (403 otherwise)."""
    return cmd.on_case(
        case_id,
        Action.WHISTLE,
        lambda v, ctx: c.service.blow_whistle(
            case_id,
            actor=cmd.actor,
            unit_ids=body.unit_ids,
            report_in_deadline=body.report_in_deadline,
            reason=body.reason,
            expected_version=v,
            context=ctx,
        ),
        units=list(body.unit_ids),
    )


@router.post("/cases/{case_id}/whistles/{whistle_id}/report-ins", **WRITE)
def report_in(
    case_id: UUID, whistle_id: str, body: ReportInCreate, cmd: CommandsDep, c: ContainerDep
) -> JSONResponse:
    """报到: a liaison reports in for their unit; the answer says whether it was late."""
    unit_id = body.unit_id or cmd.user.unit_id
    if unit_id is None:
        raise InvalidValue("请指明报到单位 unit_id", "unit_id is required")
    check_reporting_unit(cmd.user, unit_id)
    return cmd.on_case(
        case_id,
        Action.REPORT_IN,
        lambda v, ctx: c.service.report_in(
            case_id,
            actor=cmd.actor,
            whistle_id=whistle_id,
            unit_id=unit_id,
            note=body.note,
            expected_version=v,
            context=ctx,
        ),
    )


@router.post("/cases/{case_id}/pledges", **WRITE)
def pledge(case_id: UUID, body: PledgeCreate, cmd: CommandsDep, c: ContainerDep) -> JSONResponse:
    """Pledge funding in whole fen; a liaison pledges for their own unit, on any case in
    the unit's service area. A pledge in a unit's name needs the case in its area."""
    unit_id = body.unit_id or cmd.user.unit_id
    check_pledge_party(cmd.user, unit_id)
    return cmd.on_case(
        case_id,
        Action.PLEDGE,
        lambda v, ctx: c.service.pledge(
            case_id,
            actor=cmd.actor,
            party_kind=body.party_kind,
            party_name=body.party_name,
            amount_fen=body.amount_fen,
            unit_id=unit_id,
            purpose=body.purpose,
            currency=body.currency,
            expected_version=v,
            context=ctx,
        ),
        units=[unit_id] if unit_id else [],
    )


@router.post("/cases/{case_id}/resolution", **WRITE)
def resolve(
    case_id: UUID, body: ResolutionCreate, cmd: CommandsDep, c: ContainerDep
) -> JSONResponse:
    """Resolve the case at its current level (once per round)."""
    return cmd.on_case(
        case_id,
        Action.RESOLVE,
        lambda v, ctx: c.service.resolve(
            case_id, actor=cmd.actor, summary=body.summary, expected_version=v, context=ctx
        ),
    )


@router.post("/cases/{case_id}/evaluations", **WRITE)
def evaluate(
    case_id: UUID, body: EvaluationCreate, cmd: CommandsDep, c: ContainerDep
) -> JSONResponse:
    """回访: record whether the resident says it is solved and whether they are satisfied."""
    return cmd.on_case(
        case_id,
        Action.EVALUATE,
        lambda v, ctx: c.service.evaluate_case(
            case_id,
            actor=cmd.actor,
            solved=body.solved,
            satisfaction=body.satisfaction,
            comment=body.comment,
            expected_version=v,
            context=ctx,
        ),
    )


@router.post("/cases/{case_id}/unit-evaluations", **WRITE)
def evaluate_unit(
    case_id: UUID, body: UnitEvaluationCreate, cmd: CommandsDep, c: ContainerDep
) -> JSONResponse:
    """一哨一考核: score a summoned unit for one whistle (0–100)."""
    return cmd.on_case(
        case_id,
        Action.EVALUATE_UNIT,
        lambda v, ctx: c.service.evaluate_unit(
            case_id,
            actor=cmd.actor,
            whistle_id=body.whistle_id,
            unit_id=body.unit_id,
            score=body.score,
            comment=body.comment,
            expected_version=v,
            context=ctx,
        ),
        units=[body.unit_id],
    )


@router.post("/cases/{case_id}/reopen", **WRITE)
def reopen(case_id: UUID, body: ReopenCreate, cmd: CommandsDep, c: ContainerDep) -> JSONResponse:
    """Reopen after an unsatisfied callback: a new round of handling."""
    return cmd.on_case(
        case_id,
        Action.REOPEN,
        lambda v, ctx: c.service.reopen(
            case_id, actor=cmd.actor, reason=body.reason, expected_version=v, context=ctx
        ),
    )


@router.post("/cases/{case_id}/close", **WRITE)
def close(case_id: UUID, body: CloseCreate, cmd: CommandsDep, c: ContainerDep) -> JSONResponse:
    """办结: close a resolved case."""
    return cmd.on_case(
        case_id,
        Action.CLOSE,
        lambda v, ctx: c.service.close_case(
            case_id, actor=cmd.actor, remark=body.remark, expected_version=v, context=ctx
        ),
    )


@router.post("/cases/{case_id}/withdrawal", **WRITE)
def withdraw(
    case_id: UUID, body: WithdrawalCreate, cmd: CommandsDep, c: ContainerDep
) -> JSONResponse:
    """Withdraw a case that has not been resolved."""
    return cmd.on_case(
        case_id,
        Action.WITHDRAW,
        lambda v, ctx: c.service.withdraw(
            case_id, actor=cmd.actor, reason=body.reason, expected_version=v, context=ctx
        ),
    )


@router.post("/cases/{case_id}/duplicate-of", **WRITE)
def mark_duplicate(
    case_id: UUID, body: DuplicateCreate, cmd: CommandsDep, c: ContainerDep
) -> JSONResponse:
    """Mark the case a duplicate of an earlier one."""
    # Linking to a case the user may not see would reveal whether it exists.
    c.policy.require(cmd.user, Action.READ, c.service.get_case(body.original_case_id))
    return cmd.on_case(
        case_id,
        Action.MARK_DUPLICATE,
        lambda v, ctx: c.service.mark_duplicate(
            case_id,
            actor=cmd.actor,
            original_case_id=body.original_case_id,
            reason=body.reason,
            expected_version=v,
            context=ctx,
        ),
    )
