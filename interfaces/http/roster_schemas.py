"""Bodies and answers of the 双报到 routes (roster, needs, records, measures)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from application.residents import NAME_MAX
from domain.needs import MAX_PEOPLE
from domain.roster import EMPLOYER_MAX, SKILL_LEN, SKILL_MAX, TIMES_MAX
from domain.rules import NOTE_MAX, TEXT_MAX, TITLE_MAX
from domain.values import Assessment, ClaimantKind, Level, NeedKind, NeedState
from interfaces.http.schemas import Id, Reason, Request

Phone = Annotated[str, Field(min_length=1, max_length=24)]


class RosterWriteAccepted(BaseModel):
    id: UUID
    version: int
    position: int = Field(description="Position in the roster's own log")


def _examples(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(extra="forbid", json_schema_extra={"examples": [*examples]})


class CouncilUnitCreate(Request):
    """A unit takes a seat on a community's or street's 共驻共建 council."""

    model_config = _examples(
        {
            "unit_id": "yili-group",
            "level": "community",
            "place_id": "yili-jinwei",
            "liaison": "党群工作部",
            "offers": ["地库车位租赁费减半", "志愿者20人"],
        }
    )
    unit_id: Id = Field(description="单位编号（辖区参考数据中的单位）")
    level: Level = Field(
        Level.COMMUNITY, description="理事会层级：社区（community）或街道（street）"
    )
    place_id: Id = Field(description="社区编号（社区理事会）或街道编号（街道理事会）")
    liaison: Annotated[str, Field(max_length=100)] = Field(
        "", description="联络人（部门或职务，不填个人电话）"
    )
    offers: Annotated[
        list[Annotated[str, Field(max_length=SKILL_LEN)]], Field(max_length=SKILL_MAX)
    ] = Field([], description="可提供资源（资源清单），如场地、车位、志愿者")


class LeaveCreate(Request):
    model_config = _examples({"reason": "企业迁出本社区"})
    reason: Reason = Field(description="理由（1–1000 字）")


class MoveCreate(Request):
    model_config = _examples({"community_id": "yuehe"})
    community_id: Id = Field(description="新的居住社区编号")


class MemberCreate(Request):
    """An 在职党员 registers with the community where they live."""

    model_config = _examples(
        {
            "community_id": "yili-jinwei",
            "name": "张建国",
            "phone": "13900001111",
            "unit_id": "yili-group",
            "skills": ["入户走访", "法律咨询"],
            "available": "周末上午",
            "user_id": None,
        }
    )
    community_id: Id = Field(description="居住社区编号（党员向其报到的社区）")
    name: Annotated[str, Field(min_length=1, max_length=NAME_MAX)] = Field(
        description="姓名（存入可删除的个人信息库，不进入事件日志）"
    )
    phone: Phone | None = Field(None, description="电话（同上，可删除）")
    unit_id: Id | None = Field(None, description="工作单位编号（辖区内单位时填写）")
    employer: Annotated[str, Field(max_length=EMPLOYER_MAX)] = Field(
        "", description="工作单位名称（不在辖区单位表中时填写）"
    )
    skills: Annotated[
        list[Annotated[str, Field(max_length=SKILL_LEN)]], Field(max_length=SKILL_MAX)
    ] = Field([], description="特长，如入户走访、法律咨询、为老服务")
    available: Annotated[str, Field(max_length=TIMES_MAX)] = Field(
        "", description="可服务时间，如周末上午"
    )
    user_id: Id | None = Field(None, description="党员的登录账号（角色为在职党员，同一社区）")


class NeedCreate(Request):
    """A community's need; with ``case_id``, a need of that case."""

    model_config = _examples(
        {
            "community_id": "yili-jinwei",
            "kind": "home_visit",
            "title": "城市华庭消防通道入户走访",
            "description": "动员车主挪车，讲解消防通道规定",
            "people": 10,
            "case_id": None,
        }
    )
    community_id: Id | None = Field(None, description="社区编号（为案件发布时默认取案件所在社区）")
    kind: NeedKind = Field(
        description="需求类型：入户走访、平安巡逻、为老服务、环境整治、案件协助、其他"
    )
    title: Annotated[str, Field(min_length=1, max_length=TITLE_MAX)] = Field(description="需求名称")
    description: Annotated[str, Field(max_length=TEXT_MAX)] = Field("", description="需求说明")
    people: Annotated[StrictInt, Field(ge=1, le=MAX_PEOPLE)] = Field(1, description="所需人数")
    case_id: UUID | None = Field(None, description="关联案件编号：完成确认后记入案件办理过程")


class ClaimCreate(Request):
    """认领: a member or a liaison claims for themself (no body needed); a coordinator
    names who claimed by telephone."""

    model_config = _examples(
        {}, {"claimant_kind": "member", "claimant_id": "0f3d3a1e-6b7c-4f8e-a2d4-1c9e5b7a3f60"}
    )
    claimant_kind: ClaimantKind | None = Field(
        None, description="认领方类型（协调员代为认领时填写）：在职党员或驻区单位"
    )
    claimant_id: UUID | None = Field(None, description="认领方编号：党员编号或理事会成员单位编号")
    note: Annotated[str, Field(max_length=NOTE_MAX)] = Field("", description="认领说明")


class CompletionCreate(Request):
    model_config = _examples({"hours": 3, "result": "走访12户，劝离占道车辆3辆"})
    hours: Annotated[float, Field(gt=0, le=2000)] = Field(
        description="服务时长（小时；党员每项不超过72小时，单位不超过2000小时）"
    )
    result: Annotated[str, Field(min_length=1, max_length=NOTE_MAX)] = Field(
        description="服务成效（简要）"
    )


class ConfirmationCreate(Request):
    model_config = _examples({"assessment": "good", "comment": "认真负责，居民认可"})
    assessment: Assessment = Field(description="社区评价：优秀、良好、一般、较差")
    comment: Annotated[str, Field(max_length=NOTE_MAX)] = Field("", description="评价意见")


class SeatPublic(BaseModel):
    id: UUID
    unit_id: str
    unit_name: str
    level: Level
    place_id: str
    street_id: str
    liaison: str
    offers: list[str]
    active: bool
    joined_at: datetime
    left_at: datetime | None


class MemberPublic(BaseModel):
    id: UUID
    name: str | None = Field(description="None once erased")
    phone: str | None = Field(None, description="only on GET /members/{id} (a logged read)")
    community_id: str
    street_id: str
    unit_id: str | None
    employer: str
    skills: list[str]
    available: str
    user_id: str | None
    active: bool
    registered_at: datetime
    left_at: datetime | None
    contact_erased: bool
    version: int


class NeedPublic(BaseModel):
    id: UUID
    community_id: str
    street_id: str
    kind: NeedKind
    kind_label: str
    title: str
    description: str
    people: int
    case_id: str | None
    state: NeedState
    state_label: str
    posted_at: datetime
    claimant_kind: ClaimantKind | None
    claimant_id: str | None
    claimant_unit_id: str | None
    claimed_at: datetime | None
    hours: float
    result: str
    done_at: datetime | None
    assessment: Assessment | None
    comment: str
    confirmed_at: datetime | None
    version: int


class ServiceItemPublic(BaseModel):
    need_id: UUID
    community_id: str
    kind: NeedKind
    title: str
    state: NeedState
    claimed_at: datetime | None
    done_at: datetime | None
    hours: float
    result: str
    assessment: Assessment | None
    comment: str
    case_id: str | None


class ServiceRecordPublic(BaseModel):
    member: MemberPublic
    items: list[ServiceItemPublic]
    confirmed_hours: float
    confirmed: int


class FeedbackSheetPublic(BaseModel):
    """反馈卡: what the member did for the community in the period, for the employer."""

    member: MemberPublic
    start: datetime
    end: datetime
    items: list[ServiceItemPublic]
    hours: float
    assessments: dict[str, int]
    overall: Assessment | None


class UnitContributionPublic(BaseModel):
    unit_id: str
    unit_name: str
    seats: list[SeatPublic]
    items: list[ServiceItemPublic]
    unit_hours: float
    members: int
    member_hours: float
    by_community: dict[str, float]


class PlaceMeasuresPublic(BaseModel):
    place_id: str
    name: str
    members: int
    served: int
    report_rate: float | None = Field(description="报到率: served / members")
    member_hours: float
    hours_per_member: float | None
    units: int
    unit_hours: float
    hours_per_unit: float | None
    needs_posted: int
    needs_met: int
    met_rate: float | None
    median_hours_to_claim: float | None
    median_hours_to_confirm: float | None


class RosterMeasuresPublic(BaseModel):
    start: datetime
    end: datetime
    as_of: datetime
    communities: list[PlaceMeasuresPublic]
    streets: list[PlaceMeasuresPublic]
    total: PlaceMeasuresPublic
    unit_hours: dict[str, float]
