"""Request and response bodies of the HTTP API (pydantic v2). Examples are the seeds' cases."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StrictInt

from application.residents import NAME_MAX
from domain.case import MERGE_MAX
from domain.rules import (
    MAX_PLEDGE_FEN,
    MAX_UNITS_PER_WHISTLE,
    NOTE_MAX,
    REASON_MAX,
    TEXT_MAX,
    TITLE_MAX,
)
from domain.times import in_utc
from domain.values import (
    Channel,
    Level,
    NoteKind,
    PartyKind,
    Satisfaction,
    Solved,
    Status,
    Urgency,
)

ID_PATTERN = r"^[A-Za-z0-9_.:-]+$"  # reference-data ids: no spaces, no control characters
Id = Annotated[str, Field(min_length=1, max_length=64, pattern=ID_PATTERN)]
# Text limits are the domain's (domain/rules.py): the schema refuses early what the case would.
Title = Annotated[str, Field(min_length=1, max_length=TITLE_MAX)]
LongText = Annotated[str, Field(max_length=TEXT_MAX)]
Text = Annotated[str, Field(max_length=NOTE_MAX)]
Reason = Annotated[str, Field(min_length=1, max_length=REASON_MAX)]


def all_in_utc(value: Any) -> Any:
    """Every instant an answer holds, in UTC (pydantic writes it with ``Z``), whatever zone
    it was given in (a deadline sent as +08:00) or stored in; nested data included, so both
    backends answer alike (domain/times.py)."""
    if isinstance(value, datetime):
        return in_utc(value)
    if isinstance(value, dict):
        return {k: all_in_utc(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [all_in_utc(v) for v in value]
    return value


Instant = Annotated[datetime, AfterValidator(in_utc)]
Data = Annotated[dict[str, Any], AfterValidator(all_in_utc)]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LocationIn(Request):
    """Where the problem is on the ground: WGS-84 degrees (GPS). Points read off a map
    published in mainland China are GCJ-02, offset by a few hundred metres: convert them
    first; the case keeps exactly what is sent."""

    lat: float = Field(ge=-90, le=90, allow_inf_nan=False, examples=[39.8190])
    long: float = Field(ge=-180, le=180, allow_inf_nan=False, examples=[109.9790])
    datum: Literal["WGS-84"] = Field("WGS-84", description="坐标系：仅 WGS-84")


class LocationPublic(BaseModel):
    lat: float
    long: float
    datum: str


class CaseCreate(Request):
    """A grid lead reports a case in one of their grids."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "grid_id": "chengshi-huating",
                    "category_id": "fire-lane",
                    "title": "城市华庭、滨河湾小区车辆长期占用消防通道",
                    "description": "车辆占用消防通道问题在城市华庭和滨河湾小区多年未能解决。",
                    "channel": "patrol",
                    "urgency": "normal",
                }
            ]
        },
    )
    grid_id: Id = Field(
        description="上报所在的网格编号（须在您的管辖范围内）", examples=["chengshi-huating"]
    )
    category_id: Id = Field(
        description="问题类别编号，决定响应和办结时限（见 /reference/categories）",
        examples=["fire-lane"],
    )
    title: Title = Field(
        description="标题，一句话说明问题（1–200 字）", examples=["车辆长期占用消防通道"]
    )
    description: LongText = Field("", description="问题描述（至多 4000 字）")
    channel: Channel = Field(
        Channel.PATROL, description="来源渠道：巡查、居民来访、12345 热线、App"
    )
    urgency: Urgency = Field(Urgency.NORMAL, description="紧急程度")
    resident_name: Annotated[str | None, Field(max_length=NAME_MAX)] = Field(
        default=None,
        description="居民姓名：存于事件日志之外，可依法删除（个人信息保护法） / "
        "kept outside the event log; erasable (PIPL)",
        examples=["王女士"],
    )
    resident_phone: Annotated[str | None, Field(max_length=20)] = Field(
        default=None,
        description="居民电话：存于事件日志之外，可依法删除 / kept outside the event log; "
        "erasable (PIPL)",
        examples=["13800000000"],
    )
    location: LocationIn | None = Field(
        default=None, description="问题所在位置（WGS-84 经纬度，可选）"
    )


class ContactPublic(BaseModel):
    case_id: UUID
    name: str | None
    phone: str | None
    erased_at: Instant | None
    erased_by: str | None


class ErasureCreate(Request):
    """Why the resident's contact is erased (no personal data: the reason is kept for ever)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "居民本人申请删除（工单回访后）"}]},
    )
    reason: Reason = Field(description="删除理由（永久保存，不得含个人信息）")


class ErasurePublic(BaseModel):
    case_id: UUID
    version: int
    position: int
    erased_at: datetime
    operator_id: str
    operator_role: str
    reason: str


class ContactReadPublic(BaseModel):
    case_id: UUID
    reader_id: str
    reader_role: str
    read_at: datetime


class NoteCreate(Request):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"text": "居委会、物业公司、业委会组织入户谈话300余次。", "kind": "home_visit"}
            ]
        },
    )
    text: Annotated[str, Field(min_length=1, max_length=NOTE_MAX)] = Field(
        description="记录内容（1–2000 字）", examples=["召开联席会议，物业与开发商当场认领责任。"]
    )
    kind: NoteKind = Field(
        NoteKind.PROGRESS, description="记录类型：进展、入户走访、联席会议、现场办公等"
    )


class EscalationCreate(Request):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"to_level": "street", "reason": "个别“钉子户”拒不配合，需街道和派出所出面。"}
            ]
        },
    )
    to_level: Level = Field(description="升级到的层级：社区、街道或区", examples=["street"])
    reason: Reason = Field(description="升级理由（1–1000 字）")


class WhistleCreate(Request):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "unit_ids": ["jianshe-police", "yljw-property"],
                    "report_in_deadline": "2016-04-12T10:00:00+08:00",
                    "reason": "钉子户占用消防通道，需联合执法协调。",
                }
            ]
        },
    )
    unit_ids: Annotated[list[Id], Field(min_length=1, max_length=MAX_UNITS_PER_WHISTLE)] = Field(
        description="被召集报到的单位编号（须服务本案所在地，见 /reference/units）",
        examples=[["jianshe-police"]],
    )
    report_in_deadline: AwareDatetime = Field(
        description="报到时限：须晚于现在，并注明时区", examples=["2016-04-12T10:00:00+08:00"]
    )
    reason: Reason = Field(description="吹哨理由（1–1000 字）")


class ReportInCreate(Request):
    """A liaison reports in for their own unit; ``unit_id`` defaults to it."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"note": "民警到场，逐户协调。"}]}
    )
    unit_id: Id | None = Field(None, description="报到单位编号；联络员可省略，默认为本单位")
    note: Text = Field("", description="报到说明（至多 2000 字）")


class PledgeCreate(Request):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "party_kind": "owners_fund",
                    "party_name": "广场家园业委会（两共基金）",
                    "amount_fen": 60000000,
                    "unit_id": "guangchang-owners",
                    "purpose": "管网改造",
                }
            ]
        },
    )
    party_kind: PartyKind = Field(
        description="出资方类型：政府、物业公司、业主基金、企业、其他", examples=["government"]
    )
    party_name: Title = Field(description="出资方名称", examples=["建设街道办事处"])
    amount_fen: Annotated[StrictInt, Field(gt=0, le=MAX_PLEDGE_FEN)] = Field(
        description="认领金额，以分为单位的正整数（60000000 即 ¥600,000.00）",
        examples=[60000000],
    )
    currency: Literal["CNY"] = Field("CNY", description="币种，只收人民币")
    unit_id: Id | None = Field(None, description="代表认领的单位编号（联络员须为本单位）")
    purpose: Annotated[str, Field(max_length=REASON_MAX)] = Field("", description="资金用途")


class ResolutionCreate(Request):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"summary": "经过各方共同努力，妥善解决了消防通道停车问题。"}]
        },
    )
    summary: Annotated[str, Field(min_length=1, max_length=TEXT_MAX)] = Field(
        description="解决情况说明（1–4000 字）"
    )


class EvaluationCreate(Request):
    """回访: the resident's answer, recorded by a coordinator."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"solved": "solved", "satisfaction": "satisfied", "comment": "消防通道已畅通。"}
            ]
        },
    )
    solved: Solved = Field(description="回访：是否解决（解决、部分解决、未解决）")
    satisfaction: Satisfaction = Field(description="回访：是否满意（满意、基本满意、不满意）")
    comment: Text = Field("", description="居民意见（至多 2000 字）")


class UnitEvaluationCreate(Request):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "whistle_id": "W1",
                    "unit_id": "jianshe-police",
                    "score": 95,
                    "comment": "按时报到。",
                }
            ]
        },
    )
    whistle_id: Annotated[str, Field(min_length=1, max_length=16)] = Field(
        description="哨令编号（吹哨时返回）", examples=["W1"]
    )
    unit_id: Id = Field(description="被考核的单位编号（须是该哨召集的单位）")
    score: Annotated[StrictInt, Field(ge=0, le=100)] = Field(
        description="一哨一考核得分（0–100 的整数）", examples=[95]
    )
    comment: Text = Field("", description="考核评语")


class ReopenCreate(Request):
    """居民不满意后重新办理。"""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "回访不满意：供暖仍不达标。"}]}
    )
    reason: Reason = Field(description="重新办理的理由（1–1000 字）")


class CloseCreate(Request):
    """办结。"""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"remark": "回访满意，予以办结。"}]}
    )
    remark: Text = Field("", description="办结备注")


class WithdrawalCreate(Request):
    """撤回（如居民撤诉、误报）。"""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "居民来电撤回诉求。"}]}
    )
    reason: Reason = Field(description="撤回理由（1–1000 字）")


class DuplicateCreate(Request):
    """标记为重复件（合并工单），并入原案件。"""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "original_case_id": "2f478007-b133-5704-b5af-0d929fbea700",
                    "reason": "同一事项重复来电。",
                }
            ]
        },
    )
    original_case_id: UUID = Field(description="原案件编号")
    reason: Annotated[str, Field(max_length=REASON_MAX)] = Field("", description="说明")


class MergeCreate(Request):
    """合并：把同一事项的重复来电并入本案件（原案件）。被并入的案件成为重复件、不计入统计，
    其来电人共享本案件的办理结果和反馈。全部成功或全部不写。"""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "case_ids": ["0b6c1c0e-8d0f-4b7c-9a55-3f1f6f1d2a10"],
                    "reason": "同一小区供暖中断，重复来电。",
                }
            ]
        },
    )
    case_ids: list[UUID] = Field(
        min_length=1, max_length=MERGE_MAX, description=f"并入本案的案件编号（1–{MERGE_MAX} 件）"
    )
    reason: Annotated[str, Field(max_length=REASON_MAX)] = Field("", description="说明")


class DraftCheck(Request):
    """上报前查重：同网格或邻近网格、同类别、时间窗口内、文字相近的在办案件。"""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"grid_id": "jintai", "category_id": "heating", "title": "锦泰小区暖气不热"}
            ]
        },
    )

    grid_id: Id = Field(description="网格编号")
    category_id: Id = Field(description="问题类别编号")
    title: Title = Field(description="标题")
    description: LongText = Field("", description="问题描述")


# ----- responses ---------------------------------------------------------------------


class WriteAccepted(BaseModel):
    case_id: UUID
    version: int
    position: int = Field(description="Event log position; pass as min_position to read your write")
    whistle_id: str | None = None
    late: bool | None = None


class ReportInPublic(BaseModel):
    unit_id: str
    at: Instant
    late: bool
    note: str
    actor_id: str


class WhistlePublic(BaseModel):
    whistle_id: str
    level: Level
    unit_ids: list[str]
    report_in_deadline: Instant
    blown_at: Instant
    reason: str
    report_ins: dict[str, ReportInPublic]
    # 未报到: unit id → note, for units still not reported in when the case was resolved
    unanswered: dict[str, str] = {}


class CasePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    case_id: UUID
    version: int
    title: str
    description: str
    category_id: str
    channel: Channel
    urgency: Urgency
    district_id: str
    street_id: str
    community_id: str
    grid_id: str
    status: Status
    status_label: str
    level: Level
    round: int
    reported_at: Instant
    reported_by: str
    modified_at: Instant
    response_due: Instant
    resolution_due: Instant
    first_response_at: Instant | None
    first_resolved_at: Instant | None
    closed_at: Instant | None
    resolution: Data | None
    notes: list[Data]
    whistles: list[WhistlePublic]
    pledges: list[Data]
    pledged_fen: int
    evaluations: list[Data]
    unit_scores: list[Data]
    duplicate_of: str | None
    final_reason: str
    location: LocationPublic | None = None
    merged_case_ids: list[str] = Field(
        default=[], description="合并: the cases whose callers share this case's outcome"
    )
    callers: int = Field(default=1, description="来电人数: this report and those merged into it")


class EventPublic(BaseModel):
    version: int
    type: str
    label: str
    at: Instant
    actor_id: str
    actor_role: str
    data: Data
    hash: str
    prev_hash: str


class LedgerRow(BaseModel):
    case_id: UUID
    version: int
    title: str
    category_id: str
    street_id: str
    community_id: str
    grid_id: str
    status: Status
    level: Level
    reported_at: Instant
    first_response_at: Instant | None
    resolved_at: Instant | None
    resolved_level: Level | None
    closed_at: Instant | None
    whistles: int
    pledged_fen: int
    satisfaction: Satisfaction | None
    duplicate_of: UUID | None = Field(default=None, description="合并到: the original case")
    callers: int = Field(default=1, description="来电人数: this report and those merged into it")


class CaseList(BaseModel):
    items: list[LedgerRow]
    total: int
    limit: int
    offset: int


class Summons(BaseModel):
    """A whistle that summoned the unit, on one case."""

    case_id: UUID
    title: str
    whistle_id: str
    level: Level
    blown_at: Instant
    deadline: Instant


class InboxItem(Summons):
    overdue: bool
    seconds_left: int


class UnansweredSummons(Summons):
    """A summons the unit never reported in to: the case was resolved without it (未报到)."""


class Inbox(BaseModel):
    unit_id: str
    items: list[InboxItem]
    # 未报到 recorded against the unit, latest first; ``unanswered_total`` counts them all.
    unanswered: list[UnansweredSummons] = []
    unanswered_total: int = 0


class ChainProblemPublic(BaseModel):
    case_id: UUID
    version: int
    event_type: str
    position: int
    problem: str


class LogProblemPublic(BaseModel):
    position: int = Field(description="log position concerned (0: none)")
    seq: int = Field(description="signed row concerned (0: none)")
    problem: str
    problem_zh: str


class CheckpointPublic(BaseModel):
    """A signed row of the log, self-contained: verifiable with its public key alone."""

    format: str
    seq: int
    kind: str = Field(description="batch | adopt | checkpoint | rotate")
    first_position: int
    position: int
    head: str
    prev: str
    signed_at: str
    key_id: str
    public_key: str
    signature: str
    endorsed_by: str
    endorsement: str


class ListedCheckpointPublic(CheckpointPublic):
    """A signed row with the log it anchors (`verify --anchor` takes the case log's,
    `--roster-anchor` the roster log's)."""

    log: str = Field(description="cases | roster: the log this row signs")
    log_label: str = Field(description="案件日志 | 双报到名册日志")


class LogVerifyResult(BaseModel):
    intact: bool
    signatures: int
    signed_position: int
    trust: str = Field(description="pinned | keyring | first-key")
    keys: list[str]
    adopted_position: int
    newest_checkpoint: CheckpointPublic | None
    checkpoint_age_seconds: float | None
    problems: list[LogProblemPublic]


class SignedLogVerifyResult(BaseModel):
    """Another signed log than the cases' (the 双报到 roster's), checked the same way."""

    name: str = Field(examples=["roster"])
    label: str = Field(examples=["双报到名册日志"])
    intact: bool
    aggregates: int = Field(description="units, members and needs in the log")
    events: int
    problems: list[ChainProblemPublic] = Field(
        description="per-aggregate chain problems (case_id: the aggregate's id)"
    )
    log: LogVerifyResult | None


class ViewDifferencePublic(BaseModel):
    view: str = Field(examples=["ledger_cases"])
    key: str = Field(description="the row's primary key, parts joined by '/'")
    column: str | None = Field(description="null: the whole row is missing or extra")
    problem: Literal["differs", "missing", "extra", "unfoldable"]
    stored: Any = None
    expected: Any = Field(None, description="the value the event log gives")


class ViewsVerifyResult(BaseModel):
    intact: bool
    position: int = Field(description="events up to this log position were compared")
    cases: int
    rows: int
    total: int = Field(description="differences found; at most the first 1000 are listed")
    differences: list[ViewDifferencePublic]


class VerifyResult(BaseModel):
    intact: bool
    cases: int
    events: int
    problems: list[ChainProblemPublic]
    log: LogVerifyResult | None = None
    roster: SignedLogVerifyResult | None = None  # the 双报到 roster's own signed log
    role_separation: bool = Field(
        False,
        description="PostgreSQL: the service's role does not own the log's tables and cannot "
        "change them (`chuishao db setup`); false on SQLite and in single-role mode",
    )
    views: ViewsVerifyResult | None = None  # with ?views=true: the views against the log


class ProjectionHealth(BaseModel):
    position: int
    lag: int


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    database: Literal["ok", "unavailable"]
    head: int
    projections: dict[str, ProjectionHealth]
