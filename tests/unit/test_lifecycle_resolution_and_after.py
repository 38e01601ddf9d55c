"""Resolving, evaluating, scoring units, reopening, closing, withdrawing and duplicates.

Each command records its one event with the right payload, and the events build the state.
"""

from __future__ import annotations

import pytest

from domain import events as ev
from domain.records import Evaluation, Resolution, UnitScore
from domain.values import Level, Satisfaction, Solved, Status
from tests.support.case_checks import assert_recorded, last_event
from tests.support.cases import (
    COORDINATOR,
    GRID_LEAD,
    OTHER_CASE_ID,
    POLICE,
    PROPERTY,
    T0,
    escalated_case,
    evaluated_case,
    later,
    reported_case,
    resolved_case,
    whistled_case,
)


@pytest.mark.parametrize("level", list(Level))
def test_resolve_records_the_round_and_the_level(level):
    case = reported_case() if level is Level.GRID else escalated_case(level)
    at = later(case)

    case.resolve(actor=COORDINATOR, at=at, summary=" 已清理占道车辆 ")

    assert_recorded(
        case, ev.CaseResolved, COORDINATOR, at, round=1, level=level.value, summary="已清理占道车辆"
    )
    assert case.resolution == Resolution(1, level, "已清理占道车辆", at, COORDINATOR.user_id)
    assert case.status is Status.RESOLVED
    assert case.first_resolved_at == at


def test_evaluate_records_the_callback():
    case = resolved_case()
    at = later(case, days=1)

    case.evaluate(
        actor=GRID_LEAD,
        at=at,
        solved=Solved.PARTLY,
        satisfaction=Satisfaction.BASICALLY,
        comment=" 还有一辆车 ",
    )

    assert_recorded(
        case,
        ev.CaseEvaluated,
        GRID_LEAD,
        at,
        round=1,
        solved="partly_solved",
        satisfaction="basically_satisfied",
        comment="还有一辆车",
    )
    expected = Evaluation(1, Solved.PARTLY, Satisfaction.BASICALLY, "还有一辆车", at)
    assert case.evaluations == [expected]
    assert case.evaluation_of_round == expected
    assert case.status is Status.EVALUATED
    assert case.resolution is not None


def test_evaluate_unit_records_the_score():
    case, whistle_id = whistled_case()
    at = later(case)

    case.evaluate_unit(
        actor=COORDINATOR, at=at, whistle_id=whistle_id, unit_id=POLICE, score=95, comment=" 及时 "
    )

    assert_recorded(
        case,
        ev.UnitEvaluated,
        COORDINATOR,
        at,
        whistle_id="W1",
        unit_id=POLICE,
        score=95,
        comment="及时",
    )
    assert case.unit_scores == [UnitScore("W1", POLICE, 95, "及时", at)]


@pytest.mark.parametrize("score", [0, 100])
def test_unit_score_bounds_are_inclusive(score):
    case, whistle_id = whistled_case()
    case.evaluate_unit(
        actor=COORDINATOR, at=later(case), whistle_id=whistle_id, unit_id=PROPERTY, score=score
    )

    assert case.unit_scores[-1].score == score


def test_reopen_starts_a_new_round_and_keeps_history():
    case = evaluated_case(Satisfaction.UNSATISFIED)
    first_resolved = case.first_resolved_at
    at = later(case)

    case.reopen(actor=COORDINATOR, at=at, reason=" 居民不满意 ")

    assert_recorded(case, ev.CaseReopened, COORDINATOR, at, round=2, reason="居民不满意")
    assert case.round == 2
    assert case.resolution is None
    assert case.status is Status.IN_PROGRESS
    assert case.evaluation_of_round is None
    assert [e.round for e in case.evaluations] == [1]
    assert case.first_resolved_at == first_resolved


def test_close_records_closing_time():
    case = evaluated_case()
    at = later(case)

    case.close(actor=COORDINATOR, at=at, remark=" 归档 ")

    assert_recorded(case, ev.CaseClosed, COORDINATOR, at, remark="归档")
    assert case.status is Status.CLOSED
    assert case.closed_at == at


def test_close_remark_is_optional():
    case = resolved_case()
    case.close(actor=COORDINATOR, at=later(case))

    assert last_event(case).remark == ""


def test_withdraw_makes_the_case_final_with_a_reason():
    case = reported_case()
    at = later(case)

    case.withdraw(actor=GRID_LEAD, at=at, reason=" 居民撤回 ")

    assert_recorded(case, ev.CaseWithdrawn, GRID_LEAD, at, reason="居民撤回")
    assert case.status is Status.WITHDRAWN
    assert case.status.is_final
    assert case.final_reason == "居民撤回"


def test_mark_duplicate_records_the_original():
    case = reported_case()
    at = later(case)

    case.mark_duplicate(actor=GRID_LEAD, at=at, original_case_id=OTHER_CASE_ID, reason=" 同一车位 ")

    assert_recorded(
        case,
        ev.CaseMarkedDuplicate,
        GRID_LEAD,
        at,
        original_case_id=str(OTHER_CASE_ID),
        reason="同一车位",
    )
    assert case.status is Status.DUPLICATE
    assert case.duplicate_of == str(OTHER_CASE_ID)
    assert case.final_reason == "同一车位"


def test_events_may_share_an_instant():
    case = reported_case()
    case.note(actor=GRID_LEAD, at=T0, text="当场处理")
    case.resolve(actor=GRID_LEAD, at=T0, summary="当场解决")

    assert case.version == 3
    assert case.modified_on == T0
