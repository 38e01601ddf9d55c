"""The events of a case: its history is exactly these, append-only.

Payloads hold only JSON-friendly values (str, int, bool, datetime, lists) so they
store unchanged on every backend; each event records its actor and server time.
Each ``apply`` changes state and checks nothing: rules live in ``domain.case``.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from eventsourcing.domain import Aggregate

from domain.evidence import Evidence, EvidenceKind
from domain.places import Location
from domain.records import (
    Evaluation,
    Extension,
    Note,
    Pledge,
    ReportIn,
    Resolution,
    UnitScore,
    Whistle,
    WorkOrder,
)
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
from domain.working_days import TimeLimit

if TYPE_CHECKING:
    from domain.case import Case


class CaseEvent(Aggregate.Event):
    actor_id: str
    actor_role: str

    def mark_progress(self, case: Case) -> None:
        """The case's status and first response after this event, by the rules at the end
        of this module (the ledger's fold reads the same ones)."""
        if case.first_response_at is None and is_first_response(self):
            case.first_response_at = self.timestamp
        status = new_status(self, case.status)
        if status is not None:
            case.status = status


class CaseReported(Aggregate.Created):
    """Version 2 added ``location`` ({lat, long, datum} or None: where the problem is on
    the ground, as given) and keeps the reporter's role on the case; version-1 reports
    gave no location."""

    class_version = 2
    actor_id: str
    actor_role: str
    title: str
    description: str
    category_id: str
    channel: str
    urgency: str
    district_id: str
    street_id: str
    community_id: str
    grid_id: str
    response_due: datetime
    resolution_due: datetime
    location: dict[str, Any] | None

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["location"] = None

    def apply(self, case: Any) -> None:
        case.title = self.title
        case.description = self.description
        case.category_id = self.category_id
        case.channel = Channel(self.channel)
        case.urgency = Urgency(self.urgency)
        case.district_id = self.district_id
        case.street_id = self.street_id
        case.community_id = self.community_id
        case.grid_id = self.grid_id
        case.response_due = self.response_due
        case.resolution_due = self.resolution_due
        case.reported_by = self.actor_id
        case.reported_role = self.actor_role
        case.reported_at = self.timestamp
        case.location = Location.of_event(self.location)


class ProgressNoted(CaseEvent):
    """Version 2 added ``kind``; version-1 notes were all plain progress notes."""

    class_version = 2
    text: str
    kind: str

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["kind"] = NoteKind.PROGRESS.value

    def apply(self, case: Case) -> None:
        self.mark_progress(case)
        case.notes.append(Note(NoteKind(self.kind), self.text, self.actor_id, self.timestamp))


class CaseEscalated(CaseEvent):
    from_level: str
    to_level: str
    reason: str

    def apply(self, case: Case) -> None:
        self.mark_progress(case)
        case.level = Level(self.to_level)


class WhistleBlown(CaseEvent):
    whistle_id: str
    level: str
    unit_ids: list[str]
    report_in_deadline: datetime
    reason: str

    def apply(self, case: Case) -> None:
        self.mark_progress(case)
        case.whistles[self.whistle_id] = Whistle(
            whistle_id=self.whistle_id,
            level=Level(self.level),
            unit_ids=list(self.unit_ids),
            report_in_deadline=self.report_in_deadline,
            blown_at=self.timestamp,
            reason=self.reason,
        )


class UnitReportedIn(CaseEvent):
    whistle_id: str
    unit_id: str
    late: bool
    note: str

    def apply(self, case: Case) -> None:
        self.mark_progress(case)
        case.whistles[self.whistle_id].report_ins[self.unit_id] = ReportIn(
            self.unit_id, self.timestamp, self.late, self.note, self.actor_id
        )


class FundingPledged(CaseEvent):
    party_kind: str
    unit_id: str | None
    party_name: str
    amount_fen: int
    currency: str
    purpose: str

    def apply(self, case: Case) -> None:
        self.mark_progress(case)
        case.pledges.append(
            Pledge(
                PartyKind(self.party_kind),
                self.unit_id,
                self.party_name,
                self.amount_fen,
                self.purpose,
                self.timestamp,
            )
        )


class CaseResolved(CaseEvent):
    """Version 2 added ``unanswered``: the summons still open at resolution, recorded as
    未报到 ({whistle_id, unit_id, note} each). Version-1 resolutions recorded none."""

    class_version = 2
    round: int
    level: str
    summary: str
    unanswered: list[dict[str, str]]

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["unanswered"] = []

    def apply(self, case: Case) -> None:
        self.mark_progress(case)
        for item in self.unanswered:
            case.whistles[item["whistle_id"]].unanswered[item["unit_id"]] = item["note"]
        case.resolution = Resolution(
            self.round, Level(self.level), self.summary, self.timestamp, self.actor_id
        )
        if case.first_resolved_at is None:
            case.first_resolved_at = self.timestamp


class CaseEvaluated(CaseEvent):
    round: int
    solved: str
    satisfaction: str
    comment: str

    def apply(self, case: Case) -> None:
        case.evaluations.append(
            Evaluation(
                self.round,
                Solved(self.solved),
                Satisfaction(self.satisfaction),
                self.comment,
                self.timestamp,
            )
        )
        self.mark_progress(case)


class UnitEvaluated(CaseEvent):
    whistle_id: str
    unit_id: str
    score: int
    comment: str

    def apply(self, case: Case) -> None:
        self.mark_progress(case)
        case.unit_scores.append(
            UnitScore(self.whistle_id, self.unit_id, self.score, self.comment, self.timestamp)
        )


class CaseReopened(CaseEvent):
    round: int
    reason: str

    def apply(self, case: Case) -> None:
        case.round = self.round
        case.resolution = None
        self.mark_progress(case)


class CaseClosed(CaseEvent):
    remark: str

    def apply(self, case: Case) -> None:
        self.mark_progress(case)
        case.closed_at = self.timestamp


class CaseWithdrawn(CaseEvent):
    reason: str

    def apply(self, case: Case) -> None:
        self.mark_progress(case)
        case.final_reason = self.reason


class CaseMarkedDuplicate(CaseEvent):
    original_case_id: str
    reason: str

    def apply(self, case: Case) -> None:
        self.mark_progress(case)
        case.duplicate_of = self.original_case_id
        case.final_reason = self.reason


class CaseMergedInto(CaseMarkedDuplicate):
    """合并到: this report joined another case of the same matter (its callers now share
    that case's outcome). A duplicate in every count: it counts nowhere."""


class CallersMerged(CaseEvent):
    """合并来电: ``case_ids`` were merged into this case; ``also_case_ids`` had earlier been
    merged into those. Their callers share this case's outcome (反馈, 回访)."""

    case_ids: list[str]
    also_case_ids: list[str]
    reason: str

    def apply(self, case: Case) -> None:
        self.mark_progress(case)
        case.merged_case_ids.extend([*self.case_ids, *self.also_case_ids])


class ResidentContactErased(CaseEvent):
    """The resident's name and phone were erased (PIPL) by an operator, for a reason.

    Carries no personal data. The one event a closed, withdrawn or duplicate case still
    takes: erasure is a legal duty, and it changes nothing else about the case.
    """

    after_final: ClassVar[bool] = True  # replay and verify accept it on a final case
    reason: str

    def apply(self, case: Case) -> None:
        self.mark_progress(case)
        case.contact_erased_at = self.timestamp
        case.contact_erased_by = self.actor_id


class EvidenceAttached(CaseEvent):
    """A photo or file documenting a step, stored outside the log under ``sha256``.

    Changes no status, round or rate: evidence documents what was done, it is no action."""

    sha256: str
    media_type: str
    size: int
    name: str
    kind: str
    step: int
    thumbnail_sha256: str | None

    def apply(self, case: Case) -> None:
        case.evidence.append(
            Evidence(
                sha256=self.sha256,
                media_type=self.media_type,
                size=self.size,
                name=self.name,
                kind=EvidenceKind(self.kind),
                step=self.step,
                thumbnail_sha256=self.thumbnail_sha256,
                actor_id=self.actor_id,
                at=self.timestamp,
                version=self.originator_version,
            )
        )


class DeadlineNoticeRecorded(CaseEvent):
    """The deadline timer reminded someone of a deadline (临期提醒 / 超期提醒).

    Recorded once per ``key`` (domain/notices.py) by the timer, not by a person; it
    changes no status, round or rate — a reminder is no action on the case."""

    kind: str
    key: str
    deadline: datetime
    whistle_id: str | None
    unit_id: str | None

    def apply(self, case: Case) -> None:
        case.notices.add(self.key)


class CommunityServiceRecorded(CaseEvent):
    """共驻共建: work done for this case through a community need (需求), as the community
    confirmed it. The need's own log holds its steps; this event puts the confirmed work
    in the case's history, so the case log stays the truth of what was done for it.
    Changes no status, round or rate."""

    need_id: str
    kind: str
    title: str
    claimant_kind: str  # member | unit
    unit_id: str | None
    minutes: int
    result: str
    assessment: str

    def apply(self, case: Case) -> None:
        case.service_need_ids.append(self.need_id)


# ----- 12345 work orders (接诉即办): the rules are in ``domain.work_orders``. Each event
# carries the platform's order id, so a notifier can tell the platform without a lookup.


class WorkOrderReceived(CaseReported):
    """派单: the 12345 platform dispatched an order to a street; a case with channel 12345.

    ``response_due`` / ``resolution_due`` are the dispatch-time deadlines (from
    ``dispatched_at``), kept beside as ``dispatch_*`` because 签收 may move the second.
    No grid known: ``community_id`` and ``grid_id`` are "" and the case sits at street
    level until the coordinator's 签收 places it in a grid."""

    order_id: str
    dispatched_at: datetime
    place_text: str
    limit_hours: float | None
    limit_working_days: int | None
    level: str
    dispatch_response_due: datetime
    dispatch_resolution_due: datetime

    def apply(self, case: Any) -> None:
        super().apply(case)
        case.level = Level(self.level)
        case.work_order = WorkOrder(
            order_id=self.order_id,
            dispatched_at=self.dispatched_at,
            place_text=self.place_text,
            received_grid_id=self.grid_id,
            time_limit=TimeLimit(self.limit_hours, self.limit_working_days),
            dispatch_response_due=self.dispatch_response_due,
            dispatch_resolution_due=self.dispatch_resolution_due,
        )


class WorkOrderAccepted(CaseEvent):
    """签收: the street accepts the order; its response, and the resolution clock starts
    (from dispatch instead after an overruled 退单). Places the case if it had no grid."""

    order_id: str
    resolution_due: datetime
    from_dispatch: bool
    community_id: str
    grid_id: str
    level: str

    def apply(self, case: Case) -> None:
        self.mark_progress(case)
        assert case.work_order is not None
        case.work_order.accepted_at = self.timestamp
        case.resolution_due = self.resolution_due
        case.community_id, case.grid_id = self.community_id, self.grid_id
        case.level = Level(self.level)


class WorkOrderReturned(CaseEvent):
    """退单: the street returns the order, for a reason; the platform's 审定 decides."""

    order_id: str
    reason: str
    note: str

    def apply(self, case: Case) -> None:
        self.mark_progress(case)
        assert case.work_order is not None
        case.work_order.pending_return = self.reason


class WorkOrderReturnDecided(CaseEvent):
    """审定: the platform accepts the return (the case leaves this jurisdiction) or
    overrules it (the order is back with the street, its clock running from dispatch)."""

    order_id: str
    accepted: bool
    comment: str

    def apply(self, case: Case) -> None:
        self.mark_progress(case)
        assert case.work_order is not None
        case.work_order.pending_return = None
        if self.accepted:
            case.final_reason = self.comment
        else:
            case.work_order.overruled_returns += 1


class ExtensionRequested(CaseEvent):
    """延期 asked for: a reason and a new resolution deadline (``current_due`` stands)."""

    order_id: str
    reason: str
    requested_due: datetime
    current_due: datetime
    requested_level: str

    def apply(self, case: Case) -> None:
        self.mark_progress(case)
        assert case.work_order is not None
        case.work_order.extensions.append(
            Extension(
                self.reason,
                self.requested_due,
                self.actor_id,
                self.timestamp,
                Level(self.requested_level),
            )
        )


class ExtensionDecided(CaseEvent):
    """The level above approves or refuses the 延期. ``resolution_due`` is the deadline
    that counts from now on; ``original_due`` the one before the request, on record."""

    order_id: str
    approved: bool
    original_due: datetime
    requested_due: datetime
    resolution_due: datetime
    comment: str

    def apply(self, case: Case) -> None:
        self.mark_progress(case)
        order = case.work_order
        assert order is not None and order.pending_extension is not None
        extension = order.pending_extension
        extension.approved, extension.decided_by = self.approved, self.actor_id
        if self.approved and order.original_resolution_due is None:
            order.original_resolution_due = self.original_due
        case.resolution_due = self.resolution_due


class WorkOrderSupervised(CaseEvent):
    """督办: the platform presses an order near or past its limit; changes no figure."""

    order_id: str
    note: str

    def apply(self, case: Case) -> None:
        self.mark_progress(case)
        assert case.work_order is not None
        case.work_order.supervisions += 1


class FeedbackSent(CaseEvent):
    """反馈: the street reports the round's resolution back to the platform; carries what
    the platform needs (order id, resolution text, when it was resolved)."""

    order_id: str
    round: int
    resolution: str
    resolved_at: datetime

    def apply(self, case: Case) -> None:
        self.mark_progress(case)
        assert case.work_order is not None
        case.work_order.feedback_rounds.append(self.round)
        case.work_order.feedback = self.resolution


# ----- the status and 响应率 rules: the case (``mark_progress``) and the ledger's fold
# (projections/ledger_fold.py) both read these, so the two cannot drift apart.

# Recorded by the system, changing nothing an official decides on: a page (or If-Match)
# drawn before them is not stale, so a reminder never turns an open form into 案件已被他人更新.
PASSIVE: tuple[type[CaseEvent], ...] = (DeadlineNoticeRecorded,)

SETS_STATUS: dict[type[CaseEvent | CaseReported], Status] = {
    CaseReported: Status.REPORTED,
    CaseEscalated: Status.IN_PROGRESS,
    WhistleBlown: Status.IN_PROGRESS,
    CaseResolved: Status.RESOLVED,
    CaseEvaluated: Status.EVALUATED,
    CaseReopened: Status.IN_PROGRESS,
    CaseClosed: Status.CLOSED,
    CaseWithdrawn: Status.WITHDRAWN,
    CaseMarkedDuplicate: Status.DUPLICATE,
    CaseMergedInto: Status.DUPLICATE,
    WorkOrderReceived: Status.REPORTED,
    WorkOrderAccepted: Status.IN_PROGRESS,
}
"""The status each of these events leaves the case in, whatever it was. Other events keep
it, except a note on a case only reported: that starts the work (``new_status``)."""

FIRST_RESPONSES: tuple[type[CaseEvent], ...] = (
    ProgressNoted,
    CaseEscalated,
    WhistleBlown,
    CaseResolved,
    WorkOrderAccepted,
)
"""The actions 响应率 counts: the first of them is the case's response."""


def new_status(event: CaseEvent | CaseReported, status: str | None) -> Status | None:
    """The status ``event`` moves a case in ``status`` to; None: the status stays."""
    if isinstance(event, ProgressNoted):
        return Status.IN_PROGRESS if status == Status.REPORTED else None
    if isinstance(event, WorkOrderReturnDecided):
        return Status.RETURNED if event.accepted else None
    return SETS_STATUS.get(type(event))


def is_first_response(event: CaseEvent | CaseReported) -> bool:
    """Whether ``event`` counts as the case's response if none came before (响应率)."""
    return isinstance(event, FIRST_RESPONSES)


EVENT_LABELS: dict[str, str] = {
    "CaseReported": "上报受理",
    "ProgressNoted": "办理进展",
    "CaseEscalated": "上报升级",
    "WhistleBlown": "吹哨",
    "UnitReportedIn": "部门报到",
    "FundingPledged": "认领资金",
    "CaseResolved": "办结处置",
    "CaseEvaluated": "回访评价",
    "UnitEvaluated": "部门考核",
    "CaseReopened": "重新办理",
    "CaseClosed": "办结归档",
    "CaseWithdrawn": "撤销",
    "CaseMarkedDuplicate": "标记重复",
    "CaseMergedInto": "合并到",
    "CallersMerged": "合并来电",
    "ResidentContactErased": "删除居民信息",
    "EvidenceAttached": "上传佐证",
    "DeadlineNoticeRecorded": "期限提醒",
    "CommunityServiceRecorded": "共驻共建服务",
    "WorkOrderReceived": "12345派单",
    "WorkOrderAccepted": "签收",
    "WorkOrderReturned": "退单",
    "WorkOrderReturnDecided": "退单审定",
    "ExtensionRequested": "申请延期",
    "ExtensionDecided": "延期审批",
    "WorkOrderSupervised": "督办",
    "FeedbackSent": "反馈",
}
