"""What each dashboard answers, as typed values (dashboard_reads.py builds them; the HTTP
API and the console show them). Rows named for a place carry ``name``, ``label`` and
``scope_part`` (row_labels.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from projections.measures import Rates


@dataclass(frozen=True)
class ViewLabel:
    """What the whole answer counts, named for the reader."""

    label: str
    scope_part: bool


@dataclass(frozen=True)
class Named:
    name: str  # the place's own name
    label: str  # what to show this reader
    scope_part: bool  # the reader's figures are only part of the place's


@dataclass(frozen=True)
class Page:
    """How a list is cut: its total, where this part starts, the link to the rest."""

    total: int
    offset: int
    shown: int
    next: str | None


@dataclass(frozen=True)
class FigureCounts:
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


@dataclass(frozen=True)
class NotYetDue:
    """在办未到期: outside the denominators until their deadline."""

    cases: int
    unanswered: int
    next_resolution_due: datetime | None
    next_response_due: datetime | None


@dataclass(frozen=True, kw_only=True)
class Figures:
    counts: FigureCounts
    not_yet_due: NotYetDue
    rates: Rates
    below_target: list[str]


@dataclass(frozen=True)
class OpenCase:
    """An open case pulling its place's rates down."""

    case_id: str
    title: str
    status: str
    level: str
    reported_at: datetime
    response_due: datetime
    resolution_due: datetime
    first_response_at: datetime | None


@dataclass(frozen=True)
class LeftCase:
    """A case escalated out of its grid."""

    case_id: str
    title: str
    level: str
    status: str
    resolved_level: str | None
    reported_at: datetime


@dataclass(frozen=True, kw_only=True)
class RateRow(Figures):
    key: str
    name: str
    label: str
    scope_part: bool
    # Only for a row below the target: its open cases, the oldest first, and their page.
    pulling_down: list[OpenCase] | None = None
    pulling_down_page: Page | None = None


@dataclass(frozen=True, kw_only=True)
class TrendRow(Figures):
    month: str


@dataclass(frozen=True)
class RatesAnswer:
    as_of: datetime
    view: ViewLabel
    by: str
    target: float
    labels: dict[str, str]
    total: Figures
    rows: list[RateRow]
    below_target: list[str]
    trend: list[TrendRow]


@dataclass(frozen=True)
class OpenCasesAnswer:
    as_of: datetime
    view: ViewLabel
    by: str
    key: str
    items: list[OpenCase]
    total: int  # the list's page, spelled out in the answer
    offset: int
    shown: int
    next: str | None


@dataclass(frozen=True)
class RankedPlace:
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


@dataclass(frozen=True)
class MonthRanking:
    month: str
    ranking: list[RankedPlace]


@dataclass(frozen=True)
class RankingsAnswer:
    as_of: datetime
    view: ViewLabel
    level: str
    months: list[MonthRanking]


@dataclass(frozen=True)
class GridRow:
    key: str
    name: str
    label: str
    scope_part: bool
    reported: int
    resolved: int
    resolved_in_grid: int
    grid_rate: float | None
    left_grid: int
    cases_left: list[LeftCase] | None  # None: too many grids to list them in one answer
    cases_left_page: Page


@dataclass(frozen=True)
class CommunityRow:
    key: str
    name: str
    label: str
    scope_part: bool
    resolved: int
    resolved_in_community: int
    community_rate: float | None
    grid_rate: float | None


@dataclass(frozen=True)
class GridsAnswer:
    as_of: datetime
    view: ViewLabel
    grids: list[GridRow]
    communities: list[CommunityRow]


@dataclass(frozen=True)
class CasesLeftAnswer:
    as_of: datetime
    view: ViewLabel
    grid: str
    items: list[LeftCase]
    total: int  # the list's page, spelled out in the answer
    offset: int
    shown: int
    next: str | None


@dataclass(frozen=True)
class UnitRow:
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
    unanswered: int  # 未报到: resolved before the unit reported in
    next_deadline: datetime | None
    median_delay_minutes: float | None
    mean_score: float | None
    scores: int


@dataclass(frozen=True)
class UnitsAnswer:
    as_of: datetime
    view: ViewLabel
    units: list[UnitRow]


@dataclass(frozen=True)
class CommunityFunding:
    key: str
    name: str
    label: str
    scope_part: bool
    total_fen: int
    by_kind: dict[str, int]  # every party kind, 0 when none pledged


@dataclass(frozen=True)
class CaseFunding:
    case_id: str
    title: str
    total_fen: int
    by_kind: dict[str, int]  # only the kinds that pledged


@dataclass(frozen=True)
class FundingAnswer:
    as_of: datetime
    view: ViewLabel
    party_kinds: dict[str, str]
    communities: list[CommunityFunding]
    cases: list[CaseFunding]
    cases_page: Page
