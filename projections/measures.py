"""The measures officials are judged by, defined once (see docs/measures.md).

Counts are SQL aggregates over the case ledger (one row per case); rates are
ratios of counts, with the configurable weights applied at read time so changing
a weight needs no rebuild. Withdrawn and duplicate cases count nowhere.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, and_, case, func

from domain.values import Level, Satisfaction, Solved, Status
from projections.ledger_tables import OPEN_STATUSES, cases

RESOLVED = (Status.RESOLVED.value, Status.EVALUATED.value, Status.CLOSED.value)
EXCLUDED = (Status.WITHDRAWN.value, Status.DUPLICATE.value, Status.RETURNED.value)
OPEN = OPEN_STATUSES


@dataclass(frozen=True)
class Weights:
    """Configurable defaults from the seeds' practice (not law)."""

    basically_satisfied: float = 0.9
    response: float = 0.1
    solved: float = 0.5
    satisfaction: float = 0.4
    target: float = 0.98


def _flag(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0)).cast(Integer)


c = cases.c
is_resolved = c.status.in_(RESOLVED)
COUNT_COLUMNS = {
    "reported": func.count(),
    "resolved": _flag(is_resolved),
    "resolved_on_time": _flag(and_(is_resolved, c.first_resolved_at <= c.resolution_due)),
    "responded_on_time": _flag(
        and_(c.first_response_at.is_not(None), c.first_response_at <= c.response_due)
    ),
    "callbacks": _flag(c.satisfaction.is_not(None)),
    "solved": _flag(c.solved == Solved.SOLVED.value),
    "partly_solved": _flag(c.solved == Solved.PARTLY.value),
    "satisfied": _flag(c.satisfaction == Satisfaction.SATISFIED.value),
    "basically_satisfied": _flag(c.satisfaction == Satisfaction.BASICALLY.value),
    "unsatisfied": _flag(c.satisfaction == Satisfaction.UNSATISFIED.value),
    "whistled": _flag(c.whistles > 0),
    "resolved_in_grid": _flag(and_(is_resolved, c.resolved_level == Level.GRID.value)),
    "resolved_in_community": _flag(
        and_(is_resolved, c.resolved_level.in_((Level.GRID.value, Level.COMMUNITY.value)))
    ),
    "left_grid": _flag(c.level != Level.GRID.value),
}


COUNT_NAMES = tuple(COUNT_COLUMNS)
# 在办未到期: counted at the instant asked about, never kept in a rollup (see due.py).
NOT_DUE_NAMES = ("open_not_due", "unanswered_not_due", "next_resolution_due", "next_response_due")


def case_counts(row: Mapping[str, Any]) -> tuple[int, ...] | None:
    """What one ledger row adds to each of COUNT_COLUMNS, in Python (None: counts nowhere).

    The rollup tables are kept with this while the projection writes; it must say
    exactly what COUNT_COLUMNS says in SQL (tests compare the two on generated histories).
    """
    status = row["status"]
    if status in EXCLUDED:
        return None
    resolved = status in RESOLVED
    first_response, first_resolved = row["first_response_at"], row["first_resolved_at"]
    satisfaction, solved, level = row["satisfaction"], row["solved"], row["resolved_level"]
    return (
        1,
        resolved,
        resolved and first_resolved is not None and first_resolved <= row["resolution_due"],
        first_response is not None and first_response <= row["response_due"],
        satisfaction is not None,
        solved == SOLVED,
        solved == PARTLY,
        satisfaction == SATISFIED,
        satisfaction == BASICALLY,
        satisfaction == UNSATISFIED,
        row["whistles"] > 0,
        resolved and level == GRID,
        resolved and level in GRID_OR_COMMUNITY,
        row["level"] != GRID,
    )  # bools are ints: True + True == 2


SOLVED, PARTLY = Solved.SOLVED.value, Solved.PARTLY.value
SATISFIED, BASICALLY = Satisfaction.SATISFIED.value, Satisfaction.BASICALLY.value
UNSATISFIED = Satisfaction.UNSATISFIED.value
GRID, GRID_OR_COMMUNITY = Level.GRID.value, (Level.GRID.value, Level.COMMUNITY.value)


def counted() -> Any:
    """The WHERE clause every measure shares."""
    return c.status.not_in(EXCLUDED)


@dataclass(frozen=True)
class Counts:
    reported: int = 0
    resolved: int = 0
    resolved_on_time: int = 0
    responded_on_time: int = 0
    callbacks: int = 0
    solved: int = 0
    partly_solved: int = 0
    satisfied: int = 0
    basically_satisfied: int = 0
    unsatisfied: int = 0
    whistled: int = 0
    resolved_in_grid: int = 0
    resolved_in_community: int = 0
    left_grid: int = 0
    # Open cases whose resolution is not yet due, and cases with no first action whose
    # response is not yet due, at the instant asked about: they are not failures yet.
    open_not_due: int = 0
    unanswered_not_due: int = 0
    next_resolution_due: datetime | None = None  # the nearest deadlines among them
    next_response_due: datetime | None = None

    @classmethod
    def of(cls, row: Any, start: int = 0) -> Counts:
        """From a result row holding COUNT_NAMES, in order, from column ``start`` on
        (by position: a dashboard builds hundreds of these per answer)."""
        values: Any = tuple(row[start : start + len(COUNT_NAMES)])
        if None in values:  # SUM over no rows
            values = tuple(v or 0 for v in values)
        ints: Any = map(int, values)
        return cls(*ints)

    @classmethod
    def sum(cls, parts: Iterable[Counts]) -> Counts:
        """The counts of disjoint groups together (e.g. the total from the months): counts
        add up, the nearest deadlines are the earliest of the parts'."""
        columns = list(zip(*map(_ADDED, parts), strict=True))
        if not columns:
            return cls()
        added = [sum(c) for c in columns[: len(ADDED_NAMES)]]
        earliest = [
            min((t for t in c if t is not None), default=None) for c in columns[len(ADDED_NAMES) :]
        ]
        return cls(*added, *earliest)

    @property
    def grid_rate(self) -> float | None:
        """小事不出网格率 (the grid dashboard reads it alone, per grid)."""
        return ratio(self.resolved_in_grid, self.resolved)

    @property
    def community_rate(self) -> float | None:
        """大事不出社区率."""
        return ratio(self.resolved_in_community, self.resolved)

    @property
    def due_for_resolution(self) -> int:
        """办结率's and 按期办结率's denominator: resolved, or past the resolution limit."""
        return self.reported - self.open_not_due

    @property
    def due_for_response(self) -> int:
        """响应率's denominator: responded, or past the response limit."""
        return self.reported - self.unanswered_not_due

    def rates(self, w: Weights) -> Rates:
        response = ratio(self.responded_on_time, self.due_for_response)
        solved = ratio(self.solved, self.callbacks)
        satisfaction = ratio(
            self.satisfied + w.basically_satisfied * self.basically_satisfied, self.callbacks
        )
        composite = None
        if response is not None and solved is not None and satisfaction is not None:
            composite = round(
                w.response * response + w.solved * solved + w.satisfaction * satisfaction, 4
            )
        return Rates(
            resolution_rate=ratio(self.resolved, self.due_for_resolution),
            on_time_rate=ratio(self.resolved_on_time, self.due_for_resolution),
            response_rate=response,
            solved_rate=solved,
            partly_solved_rate=ratio(self.partly_solved, self.callbacks),
            satisfaction_rate=satisfaction,
            unsatisfied_rate=ratio(self.unsatisfied, self.callbacks),
            whistle_rate=ratio(self.whistled, self.reported),
            grid_rate=self.grid_rate,
            community_rate=self.community_rate,
            composite=composite,
        )


def ratio(part: float, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


NOT_DUE_COUNTS = ("open_not_due", "unanswered_not_due")
NEXT_DUE_NAMES = ("next_resolution_due", "next_response_due")
ADDED_NAMES = (*COUNT_NAMES, *NOT_DUE_COUNTS)
# every field, in the dataclass's order: the added ones, then the nearest deadlines
_ADDED = operator.attrgetter(*ADDED_NAMES, *NEXT_DUE_NAMES)


@dataclass(frozen=True)
class Rates:
    resolution_rate: float | None  # 办结率
    on_time_rate: float | None  # 按期办结率
    response_rate: float | None  # 响应率
    solved_rate: float | None  # 解决率
    partly_solved_rate: float | None  # 部分解决率 (shown beside 解决率)
    satisfaction_rate: float | None  # 满意率
    unsatisfied_rate: float | None  # 不满意率 (shown beside 满意率)
    whistle_rate: float | None  # 吹哨率
    grid_rate: float | None  # 小事不出网格率
    community_rate: float | None  # 大事不出社区率
    composite: float | None  # 综合得分

    def below(self, target: float) -> list[str]:
        """Which of the rates drawn against the target line fall below it."""
        return [k for k in TARGETED if (v := getattr(self, k)) is not None and v < target]


# The rates the dashboards draw against the target line (98%), so each can be listed
# under 低于目标线; 解决率 and the shares beside them have no target.
TARGETED = ("resolution_rate", "on_time_rate", "response_rate", "satisfaction_rate")


RATE_LABELS = {
    "resolution_rate": "办结率",
    "on_time_rate": "按期办结率",
    "response_rate": "响应率",
    "solved_rate": "解决率",
    "partly_solved_rate": "部分解决率",
    "satisfaction_rate": "满意率",
    "unsatisfied_rate": "不满意率",
    "whistle_rate": "吹哨率",
    "grid_rate": "小事不出网格率",
    "community_rate": "大事不出社区率",
    "composite": "综合得分",
}
