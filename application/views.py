"""Plain data returned by the case service: snapshots, history records, reports."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from application.log_audit import LogReport
from domain import events as ev
from domain.case import Case
from domain.places import Location
from domain.records import Evaluation, Note, Pledge, Resolution, UnitScore, Whistle, WorkOrder
from domain.values import Channel, Level, Status, Urgency


@dataclass(frozen=True)
class WriteResult:
    """What a command did: the case's new version and the event log position."""

    case_id: UUID
    version: int
    position: int
    whistle_id: str | None = None
    late: bool | None = None


@dataclass(frozen=True)
class Outcome:
    """What a command says besides the new version: the whistle it blew, or whether a
    report-in was late. Read back from the event when a keyed retry replays the answer."""

    whistle_id: str | None = None
    late: bool | None = None

    @classmethod
    def of(cls, event: object) -> Outcome:
        match event:
            case ev.WhistleBlown():
                return cls(whistle_id=event.whistle_id)
            case ev.UnitReportedIn():
                return cls(late=event.late)
        return NO_OUTCOME


NO_OUTCOME = Outcome()


@dataclass(frozen=True)
class NoticesRecorded:
    """What the deadline timer recorded on a case: the new notices' keys, every key the
    case holds now, and the log position of the new events (None: nothing written)."""

    case_id: UUID
    recorded: list[str]
    known: frozenset[str]
    position: int | None


@dataclass(frozen=True)
class CaseSnapshot:
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
    level: Level
    round: int
    reported_at: datetime
    reported_by: str
    modified_at: datetime
    response_due: datetime
    resolution_due: datetime
    first_response_at: datetime | None
    first_resolved_at: datetime | None
    closed_at: datetime | None
    resolution: Resolution | None
    notes: list[Note]
    whistles: list[Whistle]
    pledges: list[Pledge]
    evaluations: list[Evaluation]
    unit_scores: list[UnitScore]
    duplicate_of: str | None
    merged_case_ids: list[str]  # 合并: the cases whose callers share this case's outcome
    final_reason: str
    contact_erased_at: datetime | None
    contact_erased_by: str | None
    location: Location | None = None
    reported_role: str = ""
    work_order: WorkOrder | None = None  # a 12345 order's id, dispatch and where it stands

    @property
    def pledged_fen(self) -> int:
        return sum(p.amount_fen for p in self.pledges)

    @property
    def callers(self) -> int:
        """来电人数: this case's own report and every report merged into it."""
        return 1 + len(self.merged_case_ids)

    @classmethod
    def of(cls, case: Case) -> CaseSnapshot:
        c = copy.deepcopy(case)  # callers must never hold the aggregate's own lists
        return cls(
            case_id=c.id,
            version=c.version,
            title=c.title,
            description=c.description,
            category_id=c.category_id,
            channel=c.channel,
            urgency=c.urgency,
            district_id=c.district_id,
            street_id=c.street_id,
            community_id=c.community_id,
            grid_id=c.grid_id,
            status=c.status,
            level=c.level,
            round=c.round,
            reported_at=c.reported_at,
            reported_by=c.reported_by,
            modified_at=c.modified_on,
            response_due=c.response_due,
            resolution_due=c.resolution_due,
            first_response_at=c.first_response_at,
            first_resolved_at=c.first_resolved_at,
            closed_at=c.closed_at,
            resolution=c.resolution,
            notes=c.notes,
            whistles=list(c.whistles.values()),
            pledges=c.pledges,
            evaluations=c.evaluations,
            unit_scores=c.unit_scores,
            duplicate_of=c.duplicate_of,
            merged_case_ids=c.merged_case_ids,
            final_reason=c.final_reason,
            contact_erased_at=c.contact_erased_at,
            contact_erased_by=c.contact_erased_by,
            location=c.location,
            reported_role=c.reported_role,
            work_order=c.work_order,
        )


@dataclass(frozen=True)
class Caller:
    """One report that shares an outcome: its case id, how and when it came in."""

    case_id: UUID
    channel: Channel
    reported_at: datetime
    reported_by: str

    @classmethod
    def of(cls, case: Case) -> Caller:
        return cls(case.id, case.channel, case.reported_at, case.reported_by)


@dataclass(frozen=True)
class Callers:
    """``callers_of``: the case (first) and the reports merged into it. A notifier sends
    the case's 反馈 to each; ``merged_into`` set means this case was itself merged, and its
    outcome is the other case's."""

    case_id: UUID
    merged_into: str | None
    callers: list[Caller]


@dataclass(frozen=True)
class EventRecord:
    """One event of a case's history as an auditor reads it."""

    version: int
    type: str
    at: datetime | None
    actor_id: str
    actor_role: str
    data: dict[str, Any]
    hash: str
    prev_hash: str
    invalid: str = ""  # why the event does not decode or apply to its case ("" if it does)


@dataclass(frozen=True)
class ChainProblem:
    case_id: UUID
    version: int
    event_type: str
    position: int
    problem: str


@dataclass
class VerifyReport:
    cases: int = 0
    events: int = 0
    problems: list[ChainProblem] = field(default_factory=list)
    log: LogReport | None = None  # the whole log against its signatures (None: not checked)
    checked_at: datetime | None = None

    @property
    def intact(self) -> bool:
        return not self.problems and (self.log is None or self.log.intact)
