"""Value types of the case domain, each with the Chinese label officials read."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Labelled(StrEnum):
    """A string enum whose members carry a Chinese label (set in ``_LABELS``)."""

    @property
    def label(self) -> str:
        return _LABELS.get(self.value, self.value)


class Role(Labelled):
    GRID_LEAD = "grid_lead"
    COORDINATOR = "coordinator"
    LIAISON = "liaison"
    AUDITOR = "auditor"
    ADMIN = "admin"
    PORTAL = "portal"  # a residents' app reporting through Open311 (its api_key)
    PLATFORM = "platform"  # the 12345 接诉即办 platform's integration account
    MEMBER = "member"  # an 在职党员 on a community's 双报到 roster: sees and claims its needs


class Level(Labelled):
    """Where a case is handled; the order is the escalation ladder."""

    GRID = "grid"
    COMMUNITY = "community"
    STREET = "street"
    DISTRICT = "district"

    @property
    def rank(self) -> int:
        return list(Level).index(self)


class Status(Labelled):
    REPORTED = "reported"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    EVALUATED = "evaluated"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
    DUPLICATE = "duplicate"
    RETURNED = "returned"  # a 12345 order whose 退单 the platform accepted: not ours

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATUSES


FINAL_STATUSES = frozenset({Status.CLOSED, Status.WITHDRAWN, Status.DUPLICATE, Status.RETURNED})


class Channel(Labelled):
    PATROL = "patrol"
    VISIT = "visit"
    HOTLINE = "hotline_12345"
    APP = "app"


class ReturnReason(Labelled):
    """Why a street returns (退单) a 12345 work order."""

    WRONG_PLACE = "wrong_place"
    WRONG_FUNCTION = "wrong_function"
    UNCLEAR_OWNERSHIP = "unclear_ownership"


class Urgency(Labelled):
    NORMAL = "normal"
    URGENT = "urgent"
    EMERGENCY = "emergency"


class NoteKind(Labelled):
    PROGRESS = "progress"
    HOME_VISIT = "home_visit"
    JOINT_MEETING = "joint_meeting"
    ONSITE_OFFICE = "onsite_office"


class Solved(Labelled):
    SOLVED = "solved"
    PARTLY = "partly_solved"
    UNSOLVED = "unsolved"


class Satisfaction(Labelled):
    SATISFIED = "satisfied"
    BASICALLY = "basically_satisfied"
    UNSATISFIED = "unsatisfied"


class PartyKind(Labelled):
    """Who pays: the funding measures group pledges by these kinds."""

    GOVERNMENT = "government"
    PROPERTY_COMPANY = "property_company"
    OWNERS_FUND = "owners_fund"
    ENTERPRISE = "enterprise"
    OTHER = "other"


class UnitKind(Labelled):
    DEPARTMENT = "department"
    POLICE = "police"
    PROPERTY_COMPANY = "property_company"
    OWNERS_COMMITTEE = "owners_committee"
    RESIDENTS_COMMITTEE = "residents_committee"
    ENTERPRISE = "enterprise"
    UTILITY = "utility"
    OTHER = "other"


class NeedKind(Labelled):
    """What a community asks its council units and reporting members for (需求清单)."""

    HOME_VISIT = "home_visit"
    SAFETY_PATROL = "safety_patrol"  # 月河大妈 patrol with the community police
    ELDER_CARE = "elder_care"
    ENVIRONMENT = "environment"
    CASE_SUPPORT = "case_support"
    OTHER = "other"


class NeedState(Labelled):
    POSTED = "posted"
    CLAIMED = "claimed"
    DONE = "done"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


class ClaimantKind(Labelled):
    MEMBER = "member"
    UNIT = "unit"


class Assessment(Labelled):
    """The community's assessment of work done (反馈卡)."""

    EXCELLENT = "excellent"
    GOOD = "good"
    FAIR = "fair"
    POOR = "poor"


_LABELS: dict[str, str] = {
    "grid_lead": "网格长",
    "coordinator": "街道/社区协调员",
    "liaison": "部门联络员",
    "auditor": "审计员",
    "admin": "管理员",
    "portal": "居民端",
    "platform": "12345平台",
    "grid": "网格",
    "community": "社区",
    "street": "街道",
    "district": "区",
    "reported": "已受理",
    "in_progress": "办理中",
    "resolved": "已解决待回访",
    "evaluated": "已回访",
    "closed": "已办结",
    "withdrawn": "已撤销",
    "duplicate": "重复件",
    "returned": "已退单",
    "wrong_place": "属地不符",
    "wrong_function": "职能不符",
    "unclear_ownership": "权属不清",
    "patrol": "网格巡查",
    "visit": "居民来访",
    "hotline_12345": "12345热线",
    "app": "移动端上报",
    "normal": "一般",
    "urgent": "紧急",
    "emergency": "突发",
    "progress": "办理进展",
    "home_visit": "入户走访",
    "joint_meeting": "联席会议",
    "onsite_office": "现场办公",
    "solved": "解决",
    "partly_solved": "部分解决",
    "unsolved": "未解决",
    "satisfied": "满意",
    "basically_satisfied": "基本满意",
    "unsatisfied": "不满意",
    "government": "政府",
    "property_company": "物业公司",
    "owners_fund": "业主基金",
    "enterprise": "企业",
    "other": "其他",
    "department": "职能部门",
    "police": "派出所",
    "owners_committee": "业委会",
    "residents_committee": "居委会",
    "utility": "公用事业单位",
    "member": "在职党员",
    "safety_patrol": "平安巡逻",
    "elder_care": "为老服务",
    "environment": "环境整治",
    "case_support": "案件协助",
    "posted": "待认领",
    "claimed": "已认领",
    "done": "已完成待确认",
    "confirmed": "已确认",
    "cancelled": "已取消",
    "unit": "驻区单位",
    "excellent": "优秀",
    "good": "良好",
    "fair": "一般",
    "poor": "较差",
}


@dataclass(frozen=True)
class Actor:
    """Who did something: every event records it."""

    user_id: str
    role: Role


def fen_to_yuan(fen: int) -> Decimal:
    """Integer fen as an exact amount of yuan (for a spreadsheet's number cell)."""
    return Decimal(fen) / 100


def fen_to_yuan_text(fen: int) -> str:
    """Render integer fen as yuan for people (¥1,234.50): the one money format of the
    console, the CLI and the exports (spreadsheets show their numbers the same way)."""
    yuan, cents = divmod(fen, 100)
    return f"¥{yuan:,}.{cents:02d}"
