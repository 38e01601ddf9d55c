"""Bodies of the 12345 work-order routes (pydantic v2): what the platform pushes, what the
street and the platform record, and the order's state as the platform reads it."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    model_validator,
)

from application.residents import NAME_MAX
from domain.rules import NOTE_MAX, REASON_MAX, TEXT_MAX
from domain.values import ReturnReason, Satisfaction, Solved, Status, Urgency
from domain.work_orders import ORDER_ID
from domain.working_days import MAX_WORKING_DAYS
from interfaces.http.schemas import Id, Instant, Request

OrderId = Annotated[str, Field(min_length=1, max_length=64, pattern=f"^{ORDER_ID.pattern}$")]


class TimeLimitIn(Request):
    """办理时限: hours or working days, one of them."""

    hours: Annotated[float, Field(gt=0, le=24 * 366)] | None = None
    working_days: Annotated[StrictInt, Field(gt=0, le=MAX_WORKING_DAYS)] | None = None

    @model_validator(mode="after")
    def one_unit(self) -> TimeLimitIn:
        if (self.hours is None) == (self.working_days is None):
            raise ValueError("give exactly one of hours or working_days")
        return self


class WorkOrderCreate(Request):
    """派单: one 12345 work order as the platform dispatched it to a street."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "order_id": "BJ12345-20240301-000123",
                    "dispatched_at": "2024-03-01T17:00:00+08:00",
                    "category_id": "heating",
                    "street_id": "jianshe",
                    "grid_id": "binhewan",
                    "place_text": "滨河湾小区5号楼2单元",
                    "content": "家中暖气不热，室温不足16度，已持续三天。",
                    "time_limit": {"hours": 24},
                    "resident_name": "王女士",
                    "resident_phone": "13800000000",
                }
            ]
        },
    )
    order_id: OrderId = Field(description="平台工单编号（唯一；重复推送同一内容返回原案件）")
    dispatched_at: AwareDatetime = Field(description="派单时间，须注明时区")
    category_id: Id = Field(description="问题类别（见 /reference/categories）")
    street_id: Id = Field(description="承办街道（乡镇）")
    grid_id: Id | None = Field(
        default=None, description="网格（已知时）；未知时由街道协调员签收时定位"
    )
    place_text: Annotated[str, Field(min_length=1, max_length=200)] = Field(
        description="诉求地点（文字）"
    )
    content: Annotated[str, Field(min_length=1, max_length=TEXT_MAX)] = Field(
        description="诉求内容"
    )
    urgency: Urgency = Field(default=Urgency.NORMAL, description="紧急程度")
    time_limit: TimeLimitIn | None = Field(
        default=None, description="办理时限；缺省为问题类别的办结时限"
    )
    resident_name: Annotated[str, Field(max_length=NAME_MAX)] | None = Field(
        default=None, description="来电人姓名（存于可删除的居民信息库，不入事件）"
    )
    resident_phone: Annotated[str, Field(max_length=32)] | None = Field(
        default=None, description="来电人电话（同上）"
    )


class WorkOrderReceipt(BaseModel):
    case_id: UUID
    order_id: str
    version: int
    position: int = Field(description="Event log position (0 for a repeat: nothing written)")
    created: bool = Field(description="false: a repeat of an order already received")


class AcceptanceCreate(Request):
    """签收; an order that came without a grid is placed in one of its street's grids."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"grid_id": "binhewan"}]}
    )
    grid_id: Id | None = Field(
        default=None, description="网格编号：工单未定位网格时必填，须在派至的街道内"
    )


class ReturnCreate(Request):
    """退单, with the reason the platform's 审定 judges."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"reason": "wrong_place", "note": "该地址属西关街道辖区。"}]
        },
    )
    reason: ReturnReason = Field(description="退单理由：属地不符、职能不符、权属不清")
    note: Annotated[str, Field(max_length=NOTE_MAX)] = Field(default="", description="退单说明")


class ReturnDecisionCreate(Request):
    """审定 by the platform: accepted (the order leaves) or overruled (it comes back)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"accepted": False, "comment": "经核实属本街道辖区，请签收办理。"}]
        },
    )
    accepted: StrictBool = Field(description="审定结果：true 同意退单，false 不予退单")
    comment: Annotated[str, Field(max_length=REASON_MAX)] = Field(
        default="", description="审定意见"
    )


class ExtensionCreate(Request):
    """延期: a reason and the new resolution deadline asked for."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "reason": "楼内供暖立管需更换，供热公司备料需三天。",
                    "new_due": "2024-03-05T18:00:00+08:00",
                }
            ]
        },
    )
    reason: Annotated[str, Field(min_length=1, max_length=REASON_MAX)] = Field(
        description="延期理由（1–1000 字）"
    )
    new_due: AwareDatetime = Field(description="申请延至的办结时限，须注明时区")


class ExtensionDecisionCreate(Request):
    """The level above approves or refuses the pending 延期."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"approved": True, "comment": "同意延期。"}]},
    )
    approved: StrictBool = Field(description="审批结果：true 同意延期，false 不同意")
    comment: Annotated[str, Field(max_length=REASON_MAX)] = Field(
        default="", description="审批意见"
    )


class SupervisionCreate(Request):
    """督办 by the platform."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"note": "工单即将超期，请尽快办理并反馈。"}]},
    )
    note: Annotated[str, Field(min_length=1, max_length=NOTE_MAX)] = Field(
        description="督办意见（1–2000 字）"
    )


class FeedbackCreate(Request):
    """反馈 of the round's resolution to the platform (default: the resolution summary)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"text": "已更换供暖立管，室温恢复到20度以上。"}]},
    )
    text: Annotated[str, Field(max_length=TEXT_MAX)] = Field(
        default="", description="反馈内容；缺省为本轮的解决情况说明"
    )


class OrderCallbackCreate(Request):
    """The platform's 回访 of the resident."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"solved": "solved", "satisfaction": "satisfied", "comment": "居民表示暖气已热。"}
            ]
        },
    )
    solved: Solved = Field(description="回访：是否解决（解决、部分解决、未解决）")
    satisfaction: Satisfaction = Field(description="回访：是否满意（满意、基本满意、不满意）")
    comment: Annotated[str, Field(max_length=NOTE_MAX)] = Field(default="", description="回访意见")


class ExtensionPublic(BaseModel):
    reason: str
    requested_due: Instant
    requested_at: Instant
    approved: bool | None


class WorkOrderPublic(BaseModel):
    """Where an order stands, for the platform."""

    order_id: str
    case_id: UUID
    version: int
    status: Status
    status_label: str
    dispatched_at: Instant
    accepted_at: Instant | None
    pending_return: ReturnReason | None
    response_due: Instant
    resolution_due: Instant
    original_resolution_due: Instant | None
    extensions: list[ExtensionPublic]
    supervisions: int
    resolution: str | None
    feedback_rounds: list[int]
