"""12345 work orders in the case service: intake (idempotent on the platform's order id)
and one method per 接诉即办 command. The rules are the domain's (``domain.work_orders``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import NAMESPACE_URL, UUID, uuid5

from application.errors import CaseNotFound, ConcurrencyConflict
from application.requests import NO_CONTEXT, CommandContext
from application.residents import check_contact
from application.views import Outcome, WriteResult
from domain.case import Case
from domain.errors import InvalidValue, RuleViolation
from domain.jurisdiction import Jurisdiction, Placement
from domain.values import Actor, Level, ReturnReason, Satisfaction, Solved, Urgency
from domain.work_orders import check_order_id
from domain.working_days import TimeLimit, WorkingDayCalendar

ORDER_NAMESPACE = uuid5(NAMESPACE_URL, "https://chuishao.example/12345/work-orders/")


def case_id_of_order(order_id: str) -> UUID:
    """The case of a work order, the same for every push of it: a repeat (or a race of
    repeats) lands on one case, with no index to keep."""
    return uuid5(ORDER_NAMESPACE, check_order_id(order_id))


class WorkOrderConflict(RuleViolation):
    code = "work_order_conflict"

    def __init__(self, order_id: str) -> None:
        super().__init__(
            f"工单 {order_id} 已接收，本次推送的内容与之不同",
            f"work order {order_id} was received with different content",
        )


@dataclass(frozen=True)
class OrderIntake:
    """What the platform sends for one order."""

    order_id: str
    dispatched_at: datetime
    category_id: str
    street_id: str
    place_text: str
    content: str
    grid_id: str | None = None
    urgency: Urgency = Urgency.NORMAL
    time_limit: TimeLimit | None = None
    resident_name: str | None = None
    resident_phone: str | None = None


@dataclass(frozen=True)
class Intake:
    """The case of a pushed order, and whether this push created it (else: a repeat)."""

    result: WriteResult
    created: bool


def placement_of_order(j: Jurisdiction, street_id: str, grid_id: str | None) -> Placement:
    """Where an order lands: its grid if known (which must lie in the street), else
    the street itself, unplaced (community and grid "")."""
    if street_id not in j.streets:
        raise InvalidValue(
            f"街道 {street_id} 不存在", f"unknown street {street_id}", field="street_id"
        )
    if grid_id is None:
        return Placement(j.streets[street_id].district_id, street_id, "", "")
    placement = j.placement(grid_id)
    if placement.street_id != street_id:
        raise InvalidValue(
            "网格不在工单派至的街道内",
            "the grid lies outside the street the order was dispatched to",
            field="grid_id",
        )
    return placement


class WorkOrdersMixin:
    """Mixed into ``CaseService``."""

    if TYPE_CHECKING:  # provided by CaseService
        jurisdiction: Jurisdiction
        calendar: WorkingDayCalendar | None
        residents: Any
        clock: Callable[[], datetime]

        def _load(self, case_id: UUID, version: int | None = None) -> Case: ...
        def _save(self, case: Case, context: CommandContext, **carried: Any) -> WriteResult: ...
        def _change(
            self,
            case_id: UUID,
            expected_version: int | None,
            context: CommandContext,
            command: Callable[[Case, datetime], Outcome | None],
        ) -> WriteResult: ...
        def _guard(self, call: Callable[[], Any]) -> Any: ...

    def receive_work_order(self, order: OrderIntake, *, actor: Actor) -> Intake:
        """派单. A repeat of an order id with the same content answers with its case
        (created False); with different content it is refused (409), never overwritten.
        Every push is checked in full first: a bad repeat is a 422 like a bad first push."""
        case_id = case_id_of_order(order.order_id)
        name, phone = check_contact(order.resident_name, order.resident_phone)
        case = Case.receive(
            case_id=case_id,
            actor=actor,
            at=self.clock(),
            order_id=order.order_id,
            dispatched_at=order.dispatched_at,
            content=order.content,
            place_text=order.place_text,
            category=self.jurisdiction.category(order.category_id),
            placement=placement_of_order(self.jurisdiction, order.street_id, order.grid_id),
            time_limit=order.time_limit,
            urgency=order.urgency,
            calendar=self.calendar,
        )
        existing = self._existing(case_id)
        if existing is not None:
            return self._repeat(existing, case, name, phone)
        carried: dict[str, Any] = {}
        if name or phone:
            if self.residents is None:
                raise InvalidValue("本部署未配置居民信息存储", "no contact store is configured")
            carried["contacts"] = [self.residents.seal(case.id, name, phone)]
        try:
            return Intake(self._save(case, NO_CONTEXT, **carried), created=True)
        except ConcurrencyConflict:  # a racing push of the same order saved first
            raced = self._existing(case_id)
            if raced is None:
                raise
            return self._repeat(raced, case, name, phone)

    def order_case(self, order_id: str) -> Case:
        return self._load(case_id_of_order(order_id))

    def _existing(self, case_id: UUID) -> Case | None:
        try:
            return self._load(case_id)
        except CaseNotFound:
            return None

    def _repeat(self, stored: Case, pushed: Case, name: str | None, phone: str | None) -> Intake:
        """The stored order against the one pushed again, as received (later steps, such as
        签收 placing it in a grid, change neither)."""
        a, b = stored.work_order, pushed.work_order
        assert a is not None and b is not None
        same = (
            (a.order_id, a.dispatched_at, a.place_text, a.time_limit, a.received_grid_id)
            == (b.order_id, b.dispatched_at, b.place_text, b.time_limit, b.received_grid_id)
            and (stored.description, stored.category_id, stored.urgency, stored.street_id)
            == (pushed.description, pushed.category_id, pushed.urgency, pushed.street_id)
            and self._same_contact(stored.id, name, phone)
        )
        if not same:
            raise WorkOrderConflict(a.order_id)
        return Intake(WriteResult(stored.id, stored.version, 0), created=False)

    def _same_contact(self, case_id: UUID, name: str | None, phone: str | None) -> bool:
        """Compared in the erasable store (the log holds no contact). An erased contact
        compares as none: a repeat after erasure must not bring it back silently."""
        stored = self._guard(lambda: self.residents.get(case_id)) if self.residents else None
        return tuple(stored or (None, None)) == (name, phone)

    def accept_order(
        self,
        case_id: UUID,
        *,
        actor: Actor,
        grid_id: str | None = None,
        expected_version: int | None = None,
        context: CommandContext = NO_CONTEXT,
    ) -> WriteResult:
        placement = self.jurisdiction.placement(grid_id) if grid_id else None
        return self._change(
            case_id,
            expected_version,
            context,
            lambda c, at: c.accept_order(
                actor=actor, at=at, placement=placement, calendar=self.calendar
            ),
        )

    def return_order(
        self,
        case_id: UUID,
        *,
        actor: Actor,
        reason: ReturnReason,
        note: str = "",
        expected_version: int | None = None,
        context: CommandContext = NO_CONTEXT,
    ) -> WriteResult:
        return self._change(
            case_id,
            expected_version,
            context,
            lambda c, at: c.return_order(actor=actor, at=at, reason=reason, note=note),
        )

    def decide_return(
        self,
        case_id: UUID,
        *,
        actor: Actor,
        accepted: bool,
        comment: str = "",
        context: CommandContext = NO_CONTEXT,
    ) -> WriteResult:
        return self._change(
            case_id,
            None,
            context,
            lambda c, at: c.decide_return(actor=actor, at=at, accepted=accepted, comment=comment),
        )

    def request_extension(
        self,
        case_id: UUID,
        *,
        actor: Actor,
        level: Callable[[Case], Level],
        reason: str,
        new_due: datetime,
        expected_version: int | None = None,
        context: CommandContext = NO_CONTEXT,
    ) -> WriteResult:
        """``level`` says at which level the requester acts on the loaded case."""
        return self._change(
            case_id,
            expected_version,
            context,
            lambda c, at: c.request_extension(
                actor=actor, at=at, reason=reason, new_due=new_due, level=level(c)
            ),
        )

    def decide_extension(
        self,
        case_id: UUID,
        *,
        actor: Actor,
        level: Callable[[Case], Level],
        approved: bool,
        comment: str = "",
        expected_version: int | None = None,
        context: CommandContext = NO_CONTEXT,
    ) -> WriteResult:
        return self._change(
            case_id,
            expected_version,
            context,
            lambda c, at: c.decide_extension(
                actor=actor, at=at, approved=approved, level=level(c), comment=comment
            ),
        )

    def supervise(
        self, case_id: UUID, *, actor: Actor, note: str, context: CommandContext = NO_CONTEXT
    ) -> WriteResult:
        return self._change(
            case_id, None, context, lambda c, at: c.supervise(actor=actor, at=at, note=note)
        )

    def send_feedback(
        self,
        case_id: UUID,
        *,
        actor: Actor,
        text: str = "",
        expected_version: int | None = None,
        context: CommandContext = NO_CONTEXT,
    ) -> WriteResult:
        return self._change(
            case_id,
            expected_version,
            context,
            lambda c, at: c.send_feedback(actor=actor, at=at, text=text),
        )

    def record_order_callback(
        self,
        case_id: UUID,
        *,
        actor: Actor,
        solved: Solved,
        satisfaction: Satisfaction,
        comment: str = "",
        context: CommandContext = NO_CONTEXT,
    ) -> WriteResult:
        """The platform's 回访: the case's evaluation of the round (it counts in 解决率 and
        满意率 like any callback)."""
        return self._change(
            case_id,
            None,
            context,
            lambda c, at: c.evaluate(
                actor=actor, at=at, solved=solved, satisfaction=satisfaction, comment=comment
            ),
        )
