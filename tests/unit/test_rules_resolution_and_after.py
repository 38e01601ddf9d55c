"""Rules of resolving, evaluating (回访), reopening, closing, withdrawing and marking duplicates.

One test per rule. Every refused command raises its domain error and records nothing.
"""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain.errors import InvalidValue, RuleViolation
from domain.values import Level, Satisfaction, Status
from tests.support.case_checks import last_event, refused
from tests.support.cases import (
    COORDINATOR,
    GRID_LEAD,
    escalated_case,
    evaluate,
    evaluated_case,
    later,
    reopened_case,
    reported_case,
    resolve,
    resolved_case,
    whistled_case,
)


def test_resolve_once_per_round():
    case = resolved_case()

    with refused(case, RuleViolation):
        case.resolve(actor=COORDINATOR, at=later(case), summary="再次解决")


def test_resolve_once_per_round_even_after_evaluation():
    case = evaluated_case(Satisfaction.UNSATISFIED)

    with refused(case, RuleViolation):
        case.resolve(actor=COORDINATOR, at=later(case), summary="再次解决")


def test_resolve_again_only_in_the_next_round():
    case = resolve(reopened_case())

    assert case.resolution is not None and case.resolution.round == 2
    with refused(case, RuleViolation):
        case.resolve(actor=COORDINATOR, at=later(case), summary="第三次")


def test_resolve_needs_a_summary():
    case = reported_case()

    with refused(case, InvalidValue):
        case.resolve(actor=COORDINATOR, at=later(case), summary="")


@pytest.mark.parametrize("level", list(Level))
def test_resolution_records_the_level(level):
    case = reported_case() if level is Level.GRID else escalated_case(level)
    resolve(case)

    assert last_event(case).level == level.value
    assert case.resolution is not None and case.resolution.level is level


@pytest.mark.parametrize(
    "make",
    [reported_case, escalated_case, lambda: whistled_case()[0]],
    ids=["reported", "escalated", "whistled"],
)
def test_evaluation_only_after_resolution(make):
    case = make()

    with refused(case, RuleViolation):
        evaluate(case)


def test_evaluation_only_after_resolution_of_this_round():
    case = reopened_case()

    with refused(case, RuleViolation):
        evaluate(case)


def test_round_is_evaluated_once():
    case = evaluated_case(Satisfaction.BASICALLY)

    with refused(case, RuleViolation):
        evaluate(case, Satisfaction.UNSATISFIED)


@pytest.mark.parametrize(
    "make",
    [
        reported_case,
        escalated_case,
        resolved_case,
        lambda: evaluated_case(Satisfaction.SATISFIED),
        lambda: evaluated_case(Satisfaction.BASICALLY),
    ],
    ids=["reported", "escalated", "resolved", "satisfied", "basically_satisfied"],
)
def test_reopen_only_after_unsatisfied_evaluation(make):
    case = make()

    with refused(case, RuleViolation):
        case.reopen(actor=COORDINATOR, at=later(case), reason="重办")


def test_reopen_once_per_unsatisfied_evaluation():
    case = reopened_case()

    with refused(case, RuleViolation):
        case.reopen(actor=COORDINATOR, at=later(case), reason="再重办")


def test_reopen_needs_a_reason():
    case = evaluated_case(Satisfaction.UNSATISFIED)

    with refused(case, InvalidValue):
        case.reopen(actor=COORDINATOR, at=later(case), reason="")


@pytest.mark.parametrize(
    "make",
    [reported_case, escalated_case, lambda: whistled_case()[0], reopened_case],
    ids=["reported", "escalated", "whistled", "reopened"],
)
def test_close_only_after_resolution(make):
    case = make()

    with refused(case, RuleViolation):
        case.close(actor=COORDINATOR, at=later(case))


@pytest.mark.parametrize("make", [resolved_case, evaluated_case], ids=["resolved", "evaluated"])
def test_resolved_case_cannot_be_withdrawn(make):
    case = make()

    with refused(case, RuleViolation):
        case.withdraw(actor=GRID_LEAD, at=later(case), reason="撤回")


def test_withdrawal_needs_a_reason():
    case = reported_case()

    with refused(case, InvalidValue):
        case.withdraw(actor=GRID_LEAD, at=later(case), reason="")


def test_a_case_cannot_duplicate_itself():
    case = reported_case()

    with refused(case, RuleViolation):
        case.mark_duplicate(actor=GRID_LEAD, at=later(case), original_case_id=case.id)


def test_duplicate_reason_is_optional():
    case = reported_case()
    case.mark_duplicate(actor=GRID_LEAD, at=later(case), original_case_id=uuid4())

    assert case.status is Status.DUPLICATE
