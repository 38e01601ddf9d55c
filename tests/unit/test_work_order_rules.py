"""12345 work orders in the domain: 派单, 签收, 退单 and 审定, 延期, 督办, 反馈, the platform's 回访."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain import events as ev
from domain.errors import CaseIsFinal, InvalidValue, RuleViolation
from domain.values import Channel, Level, ReturnReason, Satisfaction, Solved, Status
from tests.support.case_checks import assert_recorded, event_names, refused
from tests.support.cases import COORDINATOR, GRID_LEAD, PLACEMENT, T0, later
from tests.support.work_orders import (
    DISPATCHED,
    LIMIT,
    PLATFORM,
    STREET_COORDINATOR,
    UNPLACED,
    accepted_order,
    extension_requested,
    received_order,
    returned_order,
)


def test_received_order_is_a_12345_case_with_dispatch_deadlines():
    case = received_order()
    event = case.pending_events[0]
    assert type(event) is ev.WorkOrderReceived and isinstance(event, ev.CaseReported)
    assert case.channel is Channel.HOTLINE and case.status is Status.REPORTED
    assert case.title == "城市华庭小区消防通道常年停车"
    assert event.dispatch_resolution_due == DISPATCHED + timedelta(hours=72)
    assert case.resolution_due == event.dispatch_resolution_due
    assert case.work_order is not None and case.work_order.order_id == "BJ12345-2016-0001"


def test_accepting_starts_the_clock_and_is_the_response():
    case = accepted_order()
    at = case.modified_on
    assert_recorded(
        case, ev.WorkOrderAccepted, COORDINATOR, at, resolution_due=at + timedelta(hours=72)
    )
    assert case.first_response_at == at and case.status is Status.IN_PROGRESS
    with refused(case, RuleViolation):
        case.accept_order(actor=COORDINATOR, at=later(case))


def test_handling_waits_for_acceptance():
    case = received_order()
    with refused(case, RuleViolation):
        case.note(actor=GRID_LEAD, at=later(case), text="已到现场")
    with refused(case, RuleViolation):
        case.resolve(actor=COORDINATOR, at=later(case), summary="已处理")
    with refused(case, RuleViolation):  # a street returns an order, it does not withdraw it
        case.withdraw(actor=COORDINATOR, at=later(case), reason="不归我管")


def test_unplaced_order_is_placed_by_the_acceptance():
    case = received_order(placement=UNPLACED)
    assert case.level is Level.STREET and case.grid_id == ""
    with refused(case, InvalidValue):
        case.accept_order(actor=COORDINATOR, at=later(case))
    case.accept_order(actor=COORDINATOR, at=later(case), placement=PLACEMENT)
    assert (case.grid_id, case.community_id, case.level) == (
        PLACEMENT.grid_id,
        PLACEMENT.community_id,
        Level.GRID,
    )


def test_accepted_return_ends_the_case_here():
    case = returned_order(accepted=True)
    assert case.status is Status.RETURNED and case.status.is_final
    assert case.first_response_at is None  # a return is no response
    with refused(case, CaseIsFinal):
        case.accept_order(actor=COORDINATOR, at=later(case))


def test_overruled_return_comes_back_with_the_clock_from_dispatch():
    case = returned_order(accepted=False)
    assert case.status is Status.REPORTED
    with refused(case, RuleViolation):  # 审定 stands: no second return
        case.return_order(actor=COORDINATOR, at=later(case), reason=ReturnReason.WRONG_FUNCTION)
    case.accept_order(actor=COORDINATOR, at=later(case))
    event = case.pending_events[-1]
    assert event.from_dispatch and event.resolution_due == DISPATCHED + LIMIT.nominal


def test_return_waits_for_the_decision_and_only_before_acceptance():
    case = received_order()
    case.return_order(actor=COORDINATOR, at=later(case), reason=ReturnReason.UNCLEAR_OWNERSHIP)
    with refused(case, RuleViolation):
        case.accept_order(actor=COORDINATOR, at=later(case))
    fresh = received_order()
    with refused(fresh, InvalidValue):
        fresh.return_order(actor=COORDINATOR, at=later(fresh), reason="not-a-reason")
    accepted = accepted_order()
    with refused(accepted, RuleViolation):
        accepted.return_order(
            actor=COORDINATOR, at=later(accepted), reason=ReturnReason.WRONG_PLACE
        )


def test_approved_extension_moves_the_deadline_and_keeps_the_original():
    case = extension_requested()
    original, requested = case.resolution_due, case.work_order.extensions[-1].requested_due
    case.decide_extension(
        actor=STREET_COORDINATOR, at=later(case), approved=True, level=Level.STREET
    )
    assert case.resolution_due == requested
    assert case.work_order.original_resolution_due == original
    assert_recorded(
        case,
        ev.ExtensionDecided,
        STREET_COORDINATOR,
        case.modified_on,
        original_due=original,
        resolution_due=requested,
    )


def test_refused_extension_keeps_the_deadline():
    case = extension_requested()
    original = case.resolution_due
    case.decide_extension(
        actor=STREET_COORDINATOR, at=later(case), approved=False, level=Level.STREET
    )
    assert case.resolution_due == original and case.work_order.original_resolution_due is None


def test_extension_is_decided_by_the_level_above_and_not_the_requester():
    case = extension_requested()
    with refused(case, RuleViolation):  # the same level
        case.decide_extension(
            actor=STREET_COORDINATOR, at=later(case), approved=True, level=Level.COMMUNITY
        )
    with refused(case, RuleViolation):  # the requester, even if above
        case.decide_extension(actor=COORDINATOR, at=later(case), approved=True, level=Level.STREET)
    with refused(case, RuleViolation):  # one request at a time
        case.request_extension(
            actor=COORDINATOR,
            at=later(case),
            reason="再延",
            new_due=case.resolution_due + timedelta(days=9),
            level=Level.COMMUNITY,
        )


@pytest.mark.parametrize("days", [0, -1, 400])
def test_extension_deadline_must_be_later_and_sane(days):
    case = accepted_order()
    with refused(case, InvalidValue):
        case.request_extension(
            actor=COORDINATOR,
            at=later(case),
            reason="需要时间",
            new_due=case.resolution_due + timedelta(days=days),
            level=Level.COMMUNITY,
        )


def test_feedback_then_the_platforms_callback():
    case = accepted_order()
    with refused(case, RuleViolation):
        case.send_feedback(actor=COORDINATOR, at=later(case))
    case.resolve(actor=COORDINATOR, at=later(case), summary="已清理通道")
    with refused(case, RuleViolation):  # the callback follows the feedback
        case.evaluate(
            actor=PLATFORM,
            at=later(case),
            solved=Solved.SOLVED,
            satisfaction=Satisfaction.SATISFIED,
        )
    case.send_feedback(actor=COORDINATOR, at=later(case))
    assert_recorded(
        case, ev.FeedbackSent, COORDINATOR, case.modified_on, resolution="已清理通道", round=1
    )
    with refused(case, RuleViolation):  # a 12345 order is called back by the hotline
        case.evaluate(
            actor=STREET_COORDINATOR,
            at=later(case),
            solved=Solved.SOLVED,
            satisfaction=Satisfaction.SATISFIED,
        )
    case.evaluate(
        actor=PLATFORM, at=later(case), solved=Solved.SOLVED, satisfaction=Satisfaction.SATISFIED
    )
    assert case.status is Status.EVALUATED


def test_supervision_is_recorded_and_changes_no_status():
    case = received_order()
    case.supervise(actor=PLATFORM, at=later(case), note="即将超期，请尽快签收")
    assert case.status is Status.REPORTED and case.work_order.supervisions == 1
    assert event_names(case)[-1] == "WorkOrderSupervised"


@pytest.mark.parametrize(
    "field, value",
    [
        ("order_id", ""),
        ("order_id", "有中文"),
        ("dispatched_at", T0 + timedelta(hours=1)),
        ("dispatched_at", T0 - timedelta(days=200)),
        ("content", "  "),
        ("place_text", "两行\n地点"),
    ],
)
def test_bad_orders_are_refused(field, value):
    with pytest.raises(InvalidValue):
        received_order(**{field: value})


def test_commands_on_a_case_that_is_no_order_are_refused():
    from tests.support.cases import reported_case

    case = reported_case()
    with refused(case, RuleViolation):
        case.accept_order(actor=COORDINATOR, at=later(case))


def test_the_district_requests_no_extension():
    case = accepted_order()
    with refused(case, RuleViolation):
        case.request_extension(
            actor=COORDINATOR,
            at=later(case),
            reason="区里要求",
            new_due=case.resolution_due + timedelta(days=3),
            level=Level.DISTRICT,
        )
