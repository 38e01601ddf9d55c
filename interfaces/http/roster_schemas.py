"""Bodies and answers of the 双报到 routes (roster, needs, records, measures)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, Field, StrictInt

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


class CouncilUnitCreate(Request):
    """A unit takes a seat on a community's or street's 共驻共建 council."""

    unit_id: Id
    level: Level = Level.COMMUNITY
    place_id: Id = Field(description="the community's id (level community) or the street's")
    liaison: Annotated[str, Field(max_length=100)] = ""


class LeaveCreate(Request):
    reason: Reason


class MoveCreate(Request):
    community_id: Id


class MemberCreate(Request):
    """An 在职党员 registers with the community where they live."""

    community_id: Id
    name: Annotated[str, Field(min_length=1, max_length=NAME_MAX)]
    phone: Phone | None = None
    unit_id: Id | None = Field(None, description="the employer, if a unit of the jurisdiction")
    employer: Annotated[str, Field(max_length=EMPLOYER_MAX)] = ""
    skills: Annotated[
        list[Annotated[str, Field(max_length=SKILL_LEN)]], Field(max_length=SKILL_MAX)
    ] = []
    available: Annotated[str, Field(max_length=TIMES_MAX)] = ""
    user_id: Id | None = Field(None, description="the member's sign-in account (role member)")


class NeedCreate(Request):
    """A community's need; with ``case_id``, a need of that case."""

    community_id: Id | None = None
    kind: NeedKind
    title: Annotated[str, Field(min_length=1, max_length=TITLE_MAX)]
    description: Annotated[str, Field(max_length=TEXT_MAX)] = ""
    people: Annotated[StrictInt, Field(ge=1, le=MAX_PEOPLE)] = 1
    case_id: UUID | None = None


class ClaimCreate(Request):
    """认领: a member or a liaison claims for themself (no body needed); a coordinator
    names who claimed by telephone."""

    claimant_kind: ClaimantKind | None = None
    claimant_id: UUID | None = None
    note: Annotated[str, Field(max_length=NOTE_MAX)] = ""


class CompletionCreate(Request):
    hours: Annotated[float, Field(gt=0, le=2000)]
    result: Annotated[str, Field(min_length=1, max_length=NOTE_MAX)]


class ConfirmationCreate(Request):
    assessment: Assessment
    comment: Annotated[str, Field(max_length=NOTE_MAX)] = ""


class SeatPublic(BaseModel):
    id: UUID
    unit_id: str
    unit_name: str
    level: Level
    place_id: str
    street_id: str
    liaison: str
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
