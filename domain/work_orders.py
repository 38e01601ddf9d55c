"""12345 work orders (接诉即办): the rules a case follows when the city's platform sent it.

派单 → 签收 (the clock starts) or 退单 → the platform's 审定 (accepted: the case leaves this
jurisdiction; overruled: back to the street, the clock from dispatch) → 延期 requested,
approved or refused by the level above → 督办 → 办结 → 反馈 → the platform's 回访.
``Case`` inherits these commands; each checks its rules, then records one event.

An order whose grid is not known lands at street level, unplaced (community and grid
""), and the coordinator's 签收 places it in a grid of that street.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain import events as ev
from domain.errors import InvalidValue, RuleViolation
from domain.jurisdiction import Category, Placement
from domain.records import Resolution, WorkOrder
from domain.rules import NOTE_MAX, REASON_MAX, TEXT_MAX, check_aware, check_enum, check_text
from domain.values import Actor, Channel, Level, ReturnReason, Role, Status, Urgency
from domain.working_days import TimeLimit, WorkingDayCalendar

if TYPE_CHECKING:
    from domain.case import Case

ORDER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
DISPATCH_CLOCK_SKEW = timedelta(minutes=5)  # the platform's clock may run a little ahead
OLDEST_DISPATCH = timedelta(days=90)  # an older dispatch is a mistake, not a late push
LONGEST_EXTENSION = timedelta(days=366)
TITLE_CUT = 50


def check_order_id(order_id: object) -> str:
    if not isinstance(order_id, str) or not ORDER_ID.fullmatch(order_id):
        raise InvalidValue(
            "工单编号须为1–64位字母、数字或 . _ : -",
            "order_id must be 1–64 letters, digits or . _ : -",
            field="order_id",
        )
    return order_id


def title_of(content: str) -> str:
    """A case title from the order's content: its first line, cut short."""
    first = content.strip().splitlines()[0].strip() if content.strip() else ""
    return first if len(first) <= TITLE_CUT else first[: TITLE_CUT - 1] + "…"


class WorkOrderRules:
    """The 12345 commands of a case (mixed into ``Case``)."""

    work_order: WorkOrder | None = None  # set by WorkOrderReceived; None: not an order

    if TYPE_CHECKING:  # provided by Case
        id: UUID
        status: Status
        level: Level
        round: int
        street_id: str
        community_id: str
        grid_id: str
        resolution_due: datetime
        resolution: Resolution | None

        def _check_can_act(self, at: datetime) -> None: ...
        def _check_not_resolved(self, action_zh: str) -> None: ...
        def _record(
            self, event_class: type[ev.CaseEvent], actor: Actor, at: datetime, **data: Any
        ) -> None: ...

    @classmethod
    def receive(
        cls,
        *,
        case_id: UUID,
        actor: Actor,
        at: datetime,
        order_id: str,
        dispatched_at: datetime,
        content: str,
        place_text: str,
        category: Category,
        placement: Placement,
        time_limit: TimeLimit | None = None,
        urgency: Urgency = Urgency.NORMAL,
        calendar: WorkingDayCalendar | None = None,
    ) -> Case:
        """派单. The deadlines run from the dispatch (the platform's clock); 签收 may move the
        resolution deadline to run from itself. ``placement`` without a grid: unplaced."""
        check_aware(at)
        check_aware(dispatched_at, field="dispatched_at")
        if not at - OLDEST_DISPATCH <= dispatched_at <= at + DISPATCH_CLOCK_SKEW:
            raise InvalidValue(
                "派单时间须在最近90天内，且不晚于当前时间",
                "dispatched_at must lie within the last 90 days and not in the future",
                field="dispatched_at",
            )
        limit = time_limit or category.resolution
        if not limit.is_valid:
            raise InvalidValue(
                "办理时限须为正的小时数或工作日数（二选一）",
                "time_limit must be a positive number of hours or of working days",
                field="time_limit",
            )
        content = check_text(content, field="content", field_zh="诉求内容", max_len=TEXT_MAX)
        response_due = category.response.due(dispatched_at, calendar)
        resolution_due = max(response_due, limit.due(dispatched_at, calendar))
        case: Case = cls._create(  # type: ignore[attr-defined]
            ev.WorkOrderReceived,
            id=case_id,
            timestamp=at,
            actor_id=actor.user_id,
            actor_role=actor.role.value,
            title=title_of(content),
            description=content,
            category_id=category.id,
            channel=Channel.HOTLINE.value,
            urgency=check_enum(Urgency, urgency, field="urgency").value,
            district_id=placement.district_id,
            street_id=placement.street_id,
            community_id=placement.community_id,
            grid_id=placement.grid_id,
            location=None,  # the platform sends the place as text, not as a point
            response_due=response_due,
            resolution_due=resolution_due,
            order_id=check_order_id(order_id),
            dispatched_at=dispatched_at,
            place_text=check_text(
                place_text, field="place_text", field_zh="地点", max_len=200, multiline=False
            ),
            limit_hours=limit.hours,
            limit_working_days=limit.working_days,
            level=(Level.GRID if placement.grid_id else Level.STREET).value,
            dispatch_response_due=response_due,
            dispatch_resolution_due=resolution_due,
        )
        return case

    def accept_order(
        self,
        *,
        actor: Actor,
        at: datetime,
        placement: Placement | None = None,
        calendar: WorkingDayCalendar | None = None,
    ) -> None:
        """签收. The resolution clock runs from now, or from the dispatch if the platform
        overruled a 退单 of this order (the street's return does not stop it)."""
        order = self._order_in_play(at)
        if order.accepted_at is not None:
            raise RuleViolation("工单已签收", "the order is already accepted")
        self._check_no_pending_return(order)
        community_id, grid_id, level = self.community_id, self.grid_id, self.level
        if placement is not None and placement.grid_id != self.grid_id:
            if self.grid_id:
                raise RuleViolation(
                    "工单已定位到网格，签收时不能改动", "the order is already placed in a grid"
                )
            if placement.street_id != self.street_id:
                raise InvalidValue(
                    "网格不在工单派至的街道内",
                    "the grid lies outside the street the order was dispatched to",
                    field="grid_id",
                )
            community_id, grid_id, level = placement.community_id, placement.grid_id, Level.GRID
        if not grid_id:
            raise InvalidValue(
                "工单未定位到网格：签收时请选择网格",
                "the order has no grid yet: name grid_id when accepting it",
                field="grid_id",
            )
        from_dispatch = order.overruled_returns > 0
        due = (
            order.dispatch_resolution_due
            if from_dispatch
            else max(order.dispatch_resolution_due, order.time_limit.due(at, calendar))
        )
        self._record(
            ev.WorkOrderAccepted,
            actor,
            at,
            order_id=order.order_id,
            resolution_due=due,
            from_dispatch=from_dispatch,
            community_id=community_id,
            grid_id=grid_id,
            level=level.value,
        )

    def return_order(
        self, *, actor: Actor, at: datetime, reason: ReturnReason, note: str = ""
    ) -> None:
        """退单, instead of 签收; once the platform has overruled a return it stands."""
        order = self._order_in_play(at)
        if order.accepted_at is not None:
            raise RuleViolation("工单已签收，不能退单", "an accepted order cannot be returned")
        self._check_no_pending_return(order)
        if order.overruled_returns:
            raise RuleViolation(
                "平台已审定不予退单，请签收办理",
                "the platform overruled a return of this order; accept it",
            )
        reason = check_enum(ReturnReason, reason, field="reason")
        note = check_text(note, field="note", field_zh="退单说明", max_len=NOTE_MAX, required=False)
        self._record(
            ev.WorkOrderReturned, actor, at, order_id=order.order_id, reason=reason.value, note=note
        )

    def decide_return(
        self, *, actor: Actor, at: datetime, accepted: bool, comment: str = ""
    ) -> None:
        """审定 of a 退单 by the platform."""
        order = self._order_in_play(at)
        if order.pending_return is None:
            raise RuleViolation("没有待审定的退单", "no return awaits a decision")
        if not isinstance(accepted, bool):
            raise InvalidValue("accepted 须为 true 或 false", "accepted must be a boolean")
        comment = check_text(
            comment, field="comment", field_zh="审定意见", max_len=REASON_MAX, required=False
        )
        self._record(
            ev.WorkOrderReturnDecided,
            actor,
            at,
            order_id=order.order_id,
            accepted=accepted,
            comment=comment,
        )

    def request_extension(
        self, *, actor: Actor, at: datetime, reason: str, new_due: datetime, level: Level
    ) -> None:
        """延期 asked for by a coordinator acting at ``level``, for a later deadline."""
        order = self._order_in_play(at)
        self._check_accepted(order)
        self._check_not_resolved("申请延期")
        if order.pending_extension is not None:
            raise RuleViolation("已有延期申请待审批", "an extension request awaits a decision")
        check_aware(new_due, field="new_due")
        if not self.resolution_due < new_due <= order.dispatched_at + LONGEST_EXTENSION:
            raise InvalidValue(
                "延期后的时限须晚于现行办结时限，且在派单后一年内",
                "new_due must be after the current resolution deadline and within a year "
                "of the dispatch",
                field="new_due",
            )
        reason = check_text(reason, field="reason", field_zh="延期理由", max_len=REASON_MAX)
        level = check_enum(Level, level, field="level")
        if level is Level.DISTRICT:  # no level above it would decide
            raise RuleViolation(
                "延期由社区或街道申请", "an extension is requested by a community or street"
            )
        self._record(
            ev.ExtensionRequested,
            actor,
            at,
            order_id=order.order_id,
            reason=reason,
            requested_due=new_due,
            current_due=self.resolution_due,
            requested_level=level.value,
        )

    def decide_extension(
        self, *, actor: Actor, at: datetime, approved: bool, level: Level, comment: str = ""
    ) -> None:
        """The level above the requester's approves or refuses the 延期; someone else than
        the requester. Approved: the requested deadline counts; refused: the old one."""
        order = self._order_in_play(at)
        extension = order.pending_extension
        if extension is None:
            raise RuleViolation("没有待审批的延期申请", "no extension request awaits a decision")
        self._check_not_resolved("审批延期")
        requested = extension.level
        if check_enum(Level, level, field="level").rank <= requested.rank:
            raise RuleViolation(
                f"延期须由{requested.label}的上一级审批",
                "an extension is decided by the level above",
            )
        if actor.user_id == extension.requested_by:
            raise RuleViolation("不能审批本人的延期申请", "no one decides their own extension")
        if not isinstance(approved, bool):
            raise InvalidValue("approved 须为 true 或 false", "approved must be a boolean")
        comment = check_text(
            comment, field="comment", field_zh="审批意见", max_len=REASON_MAX, required=False
        )
        self._record(
            ev.ExtensionDecided,
            actor,
            at,
            order_id=order.order_id,
            approved=approved,
            original_due=self.resolution_due,
            requested_due=extension.requested_due,
            resolution_due=extension.requested_due if approved else self.resolution_due,
            comment=comment,
        )

    def supervise(self, *, actor: Actor, at: datetime, note: str) -> None:
        """督办: the platform presses the order; it may come at any stage before the end."""
        order = self._order_in_play(at)
        note = check_text(note, field="note", field_zh="督办意见", max_len=NOTE_MAX)
        self._record(ev.WorkOrderSupervised, actor, at, order_id=order.order_id, note=note)

    def send_feedback(self, *, actor: Actor, at: datetime, text: str = "") -> None:
        """反馈: report the round's resolution back to the platform, once per round."""
        order = self._order_in_play(at)
        if self.resolution is None:
            raise RuleViolation("工单尚未办结，不能反馈", "feedback follows resolution")
        if self.round in order.feedback_rounds:
            raise RuleViolation("本轮已反馈", "this round has already been reported back")
        text = check_text(text, field="text", field_zh="反馈内容", max_len=TEXT_MAX, required=False)
        self._record(
            ev.FeedbackSent,
            actor,
            at,
            order_id=order.order_id,
            round=self.round,
            resolution=text or self.resolution.summary,
            resolved_at=self.resolution.at,
        )

    # ----- guards that Case's own commands call ----------------------------------------

    def _check_in_hand(self) -> None:
        """Handling an order (notes, escalation, whistles, pledges, resolution) waits for
        its 签收, and stops while a 退单 awaits the platform."""
        order = self.work_order
        if order is None:
            return
        self._check_no_pending_return(order)
        self._check_accepted(order)

    def _check_order_callback(self, actor: Actor) -> None:
        """An order's 回访 is the hotline's, after the street's 反馈 of the round."""
        order = self.work_order
        if order is None:
            return
        if actor.role is not Role.PLATFORM:
            raise RuleViolation(
                "12345工单由热线平台回访", "the 12345 platform calls back its orders"
            )
        if self.round not in order.feedback_rounds:
            raise RuleViolation(
                "本轮尚未反馈，不能回访", "the callback follows the round's feedback"
            )

    def _check_not_an_order(self, action_zh: str) -> None:
        if self.work_order is not None:
            raise RuleViolation(
                f"12345工单不能{action_zh}，请退单", f"a 12345 order is returned, not {action_zh}"
            )

    def _order_in_play(self, at: datetime) -> WorkOrder:
        self._check_can_act(at)
        if self.work_order is None:
            raise RuleViolation("该案件不是12345工单", "the case is not a 12345 work order")
        return self.work_order

    @staticmethod
    def _check_accepted(order: WorkOrder) -> None:
        if order.accepted_at is None:
            raise RuleViolation("请先签收工单", "accept (签收) the order first")

    @staticmethod
    def _check_no_pending_return(order: WorkOrder) -> None:
        if order.pending_return is not None:
            raise RuleViolation(
                "工单已退单，等待平台审定", "a return awaits the platform's decision"
            )
