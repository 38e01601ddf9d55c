"""12345 work orders over HTTP: the platform pushes orders and its decisions (by order id);
the street 签收, 退单, asks for 延期 and 反馈 on the case; the level above decides 延期."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from application.access import Action
from application.work_orders import OrderIntake, case_id_of_order
from domain.values import ReturnReason, Role
from domain.working_days import TimeLimit
from interfaces.http.deps import CommandsDep, ContainerDep, CurrentUser
from interfaces.http.schemas import WriteAccepted
from interfaces.http.work_order_schemas import (
    AcceptanceCreate,
    ExtensionCreate,
    ExtensionDecisionCreate,
    ExtensionPublic,
    FeedbackCreate,
    OrderCallbackCreate,
    ReturnCreate,
    ReturnDecisionCreate,
    SupervisionCreate,
    WorkOrderCreate,
    WorkOrderPublic,
    WorkOrderReceipt,
)

router = APIRouter(tags=["12345 work orders"])
WRITE: dict[str, Any] = {"status_code": 201, "response_model": WriteAccepted}


@router.post(
    "/work-orders",
    status_code=201,
    response_model=WorkOrderReceipt,
    responses={200: {"model": WorkOrderReceipt, "description": "a repeat: the order's case"}},
)
def receive_work_order(body: WorkOrderCreate, c: ContainerDep, user: CurrentUser) -> JSONResponse:
    """派单 (the 12345 platform only): the order becomes a case with channel 12345. A repeat
    of an order id answers 200 with its case; with different content, 409."""
    c.policy.require(user, Action.RECEIVE_ORDER)
    limit = body.time_limit
    intake = c.service.receive_work_order(
        OrderIntake(
            order_id=body.order_id,
            dispatched_at=body.dispatched_at,
            category_id=body.category_id,
            street_id=body.street_id,
            grid_id=body.grid_id,
            place_text=body.place_text,
            content=body.content,
            urgency=body.urgency,
            time_limit=TimeLimit(limit.hours, limit.working_days) if limit else None,
            resident_name=body.resident_name,
            resident_phone=body.resident_phone,
        ),
        actor=user.actor,
    )
    r = intake.result
    answer = WorkOrderReceipt(
        case_id=r.case_id,
        order_id=body.order_id,
        version=r.version,
        position=r.position,
        created=intake.created,
    )
    return JSONResponse(
        answer.model_dump(mode="json"),
        status_code=201 if intake.created else 200,
        headers={"Location": f"/work-orders/{body.order_id}"},
    )


@router.get("/work-orders/{order_id}", response_model=WorkOrderPublic)
def read_work_order(order_id: str, c: ContainerDep, user: CurrentUser) -> WorkOrderPublic:
    """Where an order stands: for the platform, and for whoever may read its case."""
    case = c.service.order_case(order_id)
    c.policy.require(
        user, Action.RECEIVE_ORDER if user.role is Role.PLATFORM else Action.READ, case
    )
    order = case.work_order
    assert order is not None  # an order id's case is always an order
    return WorkOrderPublic(
        order_id=order.order_id,
        case_id=case.id,
        version=case.version,
        status=case.status,
        status_label=case.status.label,
        dispatched_at=order.dispatched_at,
        accepted_at=order.accepted_at,
        pending_return=ReturnReason(order.pending_return) if order.pending_return else None,
        response_due=case.response_due,
        resolution_due=case.resolution_due,
        original_resolution_due=order.original_resolution_due,
        extensions=[
            ExtensionPublic(
                reason=x.reason,
                requested_due=x.requested_due,
                requested_at=x.requested_at,
                approved=x.approved,
            )
            for x in order.extensions
        ],
        supervisions=order.supervisions,
        resolution=case.resolution.summary if case.resolution else None,
        feedback_rounds=order.feedback_rounds,
    )


# ----- the platform's decisions, addressed by its order id ------------------------------


@router.post("/work-orders/{order_id}/return-decisions", **WRITE)
def decide_return(
    order_id: str, body: ReturnDecisionCreate, cmd: CommandsDep, c: ContainerDep
) -> JSONResponse:
    """审定 of a 退单: accepted, the case leaves this jurisdiction and counts nowhere here;
    overruled, the order is back with the street, its clock running from the dispatch."""
    case_id = case_id_of_order(order_id)
    return cmd.on_case(
        case_id,
        Action.DECIDE_RETURN,
        lambda v, ctx: c.service.decide_return(
            case_id, actor=cmd.actor, accepted=body.accepted, comment=body.comment, context=ctx
        ),
    )


@router.post("/work-orders/{order_id}/supervisions", **WRITE)
def supervise(
    order_id: str, body: SupervisionCreate, cmd: CommandsDep, c: ContainerDep
) -> JSONResponse:
    """督办: the platform presses an order near or past its limit."""
    case_id = case_id_of_order(order_id)
    return cmd.on_case(
        case_id,
        Action.SUPERVISE,
        lambda v, ctx: c.service.supervise(case_id, actor=cmd.actor, note=body.note, context=ctx),
    )


@router.post("/work-orders/{order_id}/callbacks", **WRITE)
def record_callback(
    order_id: str, body: OrderCallbackCreate, cmd: CommandsDep, c: ContainerDep
) -> JSONResponse:
    """回访 by the hotline, after the street's 反馈: counts in 解决率 and 满意率."""
    case_id = case_id_of_order(order_id)
    return cmd.on_case(
        case_id,
        Action.ORDER_CALLBACK,
        lambda v, ctx: c.service.record_order_callback(
            case_id,
            actor=cmd.actor,
            solved=body.solved,
            satisfaction=body.satisfaction,
            comment=body.comment,
            context=ctx,
        ),
    )


# ----- the street's steps, on the case --------------------------------------------------


@router.post("/cases/{case_id}/order-acceptance", **WRITE)
def accept_order(
    case_id: UUID, body: AcceptanceCreate, cmd: CommandsDep, c: ContainerDep
) -> JSONResponse:
    """签收: the response; the resolution clock starts (from the dispatch after an
    overruled 退单). An order without a grid needs ``grid_id`` in its street."""
    return cmd.on_case(
        case_id,
        Action.ACCEPT_ORDER,
        lambda v, ctx: c.service.accept_order(
            case_id, actor=cmd.actor, grid_id=body.grid_id, expected_version=v, context=ctx
        ),
    )


@router.post("/cases/{case_id}/order-returns", **WRITE)
def return_order(
    case_id: UUID, body: ReturnCreate, cmd: CommandsDep, c: ContainerDep
) -> JSONResponse:
    """退单 instead of 签收: 属地不符, 职能不符 or 权属不清; the platform decides."""
    return cmd.on_case(
        case_id,
        Action.RETURN_ORDER,
        lambda v, ctx: c.service.return_order(
            case_id,
            actor=cmd.actor,
            reason=body.reason,
            note=body.note,
            expected_version=v,
            context=ctx,
        ),
    )


@router.post("/cases/{case_id}/extensions", **WRITE)
def request_extension(
    case_id: UUID, body: ExtensionCreate, cmd: CommandsDep, c: ContainerDep
) -> JSONResponse:
    """延期: asked for with a reason and a new deadline; the level above decides."""
    return cmd.on_case(
        case_id,
        Action.REQUEST_EXTENSION,
        lambda v, ctx: c.service.request_extension(
            case_id,
            actor=cmd.actor,
            level=lambda case: c.policy.level_of(cmd.user, case),
            reason=body.reason,
            new_due=body.new_due,
            expected_version=v,
            context=ctx,
        ),
    )


@router.post("/cases/{case_id}/extension-decisions", **WRITE)
def decide_extension(
    case_id: UUID, body: ExtensionDecisionCreate, cmd: CommandsDep, c: ContainerDep
) -> JSONResponse:
    """The level above the requester's (a street coordinator for a community's request; an
    admin for a street's) approves — the new deadline counts — or refuses."""
    return cmd.on_case(
        case_id,
        Action.DECIDE_EXTENSION,
        lambda v, ctx: c.service.decide_extension(
            case_id,
            actor=cmd.actor,
            level=lambda case: c.policy.level_of(cmd.user, case),
            approved=body.approved,
            comment=body.comment,
            expected_version=v,
            context=ctx,
        ),
    )


@router.post("/cases/{case_id}/feedback", **WRITE)
def send_feedback(
    case_id: UUID, body: FeedbackCreate, cmd: CommandsDep, c: ContainerDep
) -> JSONResponse:
    """反馈: after 办结, report the resolution back to the platform (once per round)."""
    return cmd.on_case(
        case_id,
        Action.SEND_FEEDBACK,
        lambda v, ctx: c.service.send_feedback(
            case_id, actor=cmd.actor, text=body.text, expected_version=v, context=ctx
        ),
    )
