"""The parts of a case's state that events build up: whistles, pledges, callbacks …"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from domain.values import Level, NoteKind, PartyKind, Satisfaction, Solved
from domain.working_days import TimeLimit


@dataclass
class Note:
    kind: NoteKind
    text: str
    actor_id: str
    at: datetime


@dataclass
class ReportIn:
    unit_id: str
    at: datetime
    late: bool
    note: str
    actor_id: str


@dataclass
class Whistle:
    """One 吹哨: the units summoned and who has reported in (报到)."""

    whistle_id: str
    level: Level
    unit_ids: list[str]
    report_in_deadline: datetime
    blown_at: datetime
    reason: str
    report_ins: dict[str, ReportIn] = field(default_factory=dict)
    # Units still not reported in when the case was resolved (未报到), with the note.
    unanswered: dict[str, str] = field(default_factory=dict)

    @property
    def pending_unit_ids(self) -> list[str]:
        """Summoned, not reported in, and not yet closed as 未报到."""
        return [u for u in self.unit_ids if u not in self.report_ins and u not in self.unanswered]


@dataclass
class Pledge:
    party_kind: PartyKind
    unit_id: str | None
    party_name: str
    amount_fen: int
    purpose: str
    at: datetime


@dataclass
class Resolution:
    round: int
    level: Level
    summary: str
    at: datetime
    actor_id: str = ""  # who resolved it: the callback must be recorded by someone else


@dataclass
class Evaluation:
    """The resident's callback (回访) for one round."""

    round: int
    solved: Solved
    satisfaction: Satisfaction
    comment: str
    at: datetime


@dataclass
class UnitScore:
    """The street's score of one summoned unit for one whistle (一哨一考核)."""

    whistle_id: str
    unit_id: str
    score: int
    comment: str
    at: datetime


@dataclass
class Extension:
    """A 延期 request and, once the level above has decided, the answer."""

    reason: str
    requested_due: datetime
    requested_by: str
    requested_at: datetime
    level: Level  # the requester's; the level above it decides
    approved: bool | None = None  # None: not yet decided
    decided_by: str | None = None


@dataclass
class WorkOrder:
    """What a 12345 work order adds to its case: the platform's id, the dispatch and its
    deadlines as the platform set them, and where the order stands with the street."""

    order_id: str
    dispatched_at: datetime
    place_text: str
    received_grid_id: str  # "" when the platform knew no grid
    time_limit: TimeLimit  # the order's resolution limit, from 签收 (or from dispatch)
    dispatch_response_due: datetime
    dispatch_resolution_due: datetime
    accepted_at: datetime | None = None  # 签收
    pending_return: str | None = None  # 退单 reason awaiting the platform's 审定
    overruled_returns: int = 0  # 退单 the platform overruled: the clock runs from dispatch
    original_resolution_due: datetime | None = None  # before the first approved 延期
    extensions: list[Extension] = field(default_factory=list)
    supervisions: int = 0  # 督办 notices received
    feedback_rounds: list[int] = field(default_factory=list)  # rounds reported back (反馈)
    feedback: str = ""  # the latest 反馈's text: what reports merged later are told

    @property
    def pending_extension(self) -> Extension | None:
        last = self.extensions[-1] if self.extensions else None
        return last if last is not None and last.approved is None else None
