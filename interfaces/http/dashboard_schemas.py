"""Response bodies of the dashboards (pydantic v2), read from the typed answers of
projections/dashboard_reads.py. Instants are written in UTC (``Z``)."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from domain.values import Level, Status
from interfaces.http.schemas import Instant


class Answer(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ViewPublic(Answer):
    label: str = Field(description="what the whole answer counts, named for the reader")
    scope_part: bool


class PagePublic(Answer):
    total: int
    offset: int
    shown: int
    next: str | None = Field(description="link to the rest; null when this is the last part")


class CountsPublic(Answer):
    reported: int
    resolved: int
    resolved_on_time: int
    responded_on_time: int
    callbacks: int
    solved: int
    partly_solved: int
    satisfied: int
    basically_satisfied: int
    unsatisfied: int
    whistled: int
    resolved_in_grid: int
    resolved_in_community: int
    left_grid: int
    due_for_resolution: int
    due_for_response: int


class NotYetDuePublic(Answer):
    """在办未到期: outside the denominators until their deadline."""

    cases: int
    unanswered: int
    next_resolution_due: Instant | None
    next_response_due: Instant | None


class RatesPublic(Answer):
    resolution_rate: float | None = Field(description="办结率")
    on_time_rate: float | None = Field(description="按期办结率")
    response_rate: float | None = Field(description="响应率")
    solved_rate: float | None = Field(description="解决率")
    partly_solved_rate: float | None = Field(description="部分解决率")
    satisfaction_rate: float | None = Field(description="满意率")
    unsatisfied_rate: float | None = Field(description="不满意率")
    whistle_rate: float | None = Field(description="吹哨率")
    grid_rate: float | None = Field(description="小事不出网格率")
    community_rate: float | None = Field(description="大事不出社区率")
    composite: float | None = Field(description="综合得分")


class FiguresPublic(Answer):
    counts: CountsPublic
    not_yet_due: NotYetDuePublic
    rates: RatesPublic
    below_target: list[str] = Field(description="the rates below the target line")


class OpenCasePublic(Answer):
    case_id: UUID
    title: str
    status: Status
    level: Level
    reported_at: Instant
    response_due: Instant
    resolution_due: Instant
    first_response_at: Instant | None


class LeftCasePublic(Answer):
    case_id: UUID
    title: str
    level: Level
    status: Status
    resolved_level: Level | None
    reported_at: Instant


class RateRowPublic(Answer):
    key: str
    name: str
    label: str
    scope_part: bool
    counts: CountsPublic
    not_yet_due: NotYetDuePublic
    rates: RatesPublic
    below_target: list[str]
    # Only on a row below the target (absent, not null, on the others).
    pulling_down: list[OpenCasePublic] | None = Field(
        None,
        description="only on a row below the target: its open cases, oldest first",
        exclude_if=lambda v: v is None,
    )
    pulling_down_page: PagePublic | None = Field(None, exclude_if=lambda v: v is None)


class TrendRowPublic(Answer):
    month: str
    counts: CountsPublic
    not_yet_due: NotYetDuePublic
    rates: RatesPublic
    below_target: list[str]


class RatesAnswerPublic(Answer):
    as_of: Instant
    view: ViewPublic
    by: str
    target: float
    labels: dict[str, str]
    total: FiguresPublic
    rows: list[RateRowPublic]
    below_target: list[str] = Field(description="keys of the rows below the target line")
    trend: list[TrendRowPublic]


class OpenCasesAnswerPublic(Answer):
    as_of: Instant
    view: ViewPublic
    by: str
    key: str
    items: list[OpenCasePublic]
    total: int
    offset: int
    shown: int
    next: str | None


class RankedPlacePublic(Answer):
    key: str
    name: str
    label: str
    scope_part: bool
    composite: float | None
    response_rate: float | None
    solved_rate: float | None
    satisfaction_rate: float | None
    reported: int
    unanswered_not_due: int
    rank: int


class MonthRankingPublic(Answer):
    month: str
    ranking: list[RankedPlacePublic]


class RankingsAnswerPublic(Answer):
    as_of: Instant
    view: ViewPublic
    level: str
    months: list[MonthRankingPublic]


class GridRowPublic(Answer):
    key: str
    name: str
    label: str
    scope_part: bool
    reported: int
    resolved: int
    resolved_in_grid: int
    grid_rate: float | None
    left_grid: int
    cases_left: list[LeftCasePublic] | None = Field(
        description="null when the answer covers too many grids to list them"
    )
    cases_left_page: PagePublic


class CommunityRowPublic(Answer):
    key: str
    name: str
    label: str
    scope_part: bool
    resolved: int
    resolved_in_community: int
    community_rate: float | None
    grid_rate: float | None


class GridsAnswerPublic(Answer):
    as_of: Instant
    view: ViewPublic
    grids: list[GridRowPublic]
    communities: list[CommunityRowPublic]


class CasesLeftAnswerPublic(Answer):
    as_of: Instant
    view: ViewPublic
    grid: str
    items: list[LeftCasePublic]
    total: int
    offset: int
    shown: int
    next: str | None


class UnitRowPublic(Answer):
    unit_id: str
    name: str
    label: str
    scope_part: bool
    whistles: int
    due: int
    reported_in: int
    on_time: int
    on_time_rate: float | None
    not_yet_due: int
    unanswered: int = Field(description="未报到: the case was resolved before the unit reported in")
    next_deadline: Instant | None
    median_delay_minutes: float | None
    mean_score: float | None
    scores: int


class UnitsAnswerPublic(Answer):
    as_of: Instant
    view: ViewPublic
    units: list[UnitRowPublic]


class CommunityFundingPublic(Answer):
    key: str
    name: str
    label: str
    scope_part: bool
    total_fen: int
    by_kind: dict[str, int]


class CaseFundingPublic(Answer):
    case_id: UUID
    title: str
    total_fen: int
    by_kind: dict[str, int]


class FundingAnswerPublic(Answer):
    as_of: Instant
    view: ViewPublic
    party_kinds: dict[str, str]
    communities: list[CommunityFundingPublic]
    cases: list[CaseFundingPublic]
    cases_page: PagePublic
