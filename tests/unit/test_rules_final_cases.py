"""Rules of final cases: a closed, withdrawn or duplicate case takes no further events.

One test per rule. Every refused command raises its domain error and records nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from domain.case import Case
from domain.errors import CaseIsFinal, RuleViolation
from domain.values import Satisfaction, Status
from tests.support.case_checks import last_event, refused
from tests.support.case_commands import COMMANDS
from tests.support.cases import (
    GRID_LEAD,
    NAIVE,
    T0,
    closed_case,
    duplicate_case,
    escalated_case,
    evaluated_case,
    later,
    reported_case,
    resolved_case,
    whistled_case,
    withdrawn_case,
)

FINAL_CASES = {
    "closed": (closed_case, Status.CLOSED),
    "withdrawn": (withdrawn_case, Status.WITHDRAWN),
    "duplicate": (duplicate_case, Status.DUPLICATE),
}


@pytest.mark.parametrize("command", COMMANDS)
def test_closed_case_takes_no_further_events(command):
    case = closed_case()

    with refused(case, CaseIsFinal):
        COMMANDS[command](case, later(case))


@pytest.mark.parametrize("command", COMMANDS)
def test_withdrawn_case_is_final(command):
    case = withdrawn_case()

    with refused(case, CaseIsFinal):
        COMMANDS[command](case, later(case))


@pytest.mark.parametrize("command", COMMANDS)
def test_duplicate_case_is_final(command):
    case = duplicate_case()

    with refused(case, CaseIsFinal):
        COMMANDS[command](case, later(case))


@pytest.mark.parametrize("final", FINAL_CASES)
def test_final_case_refusal_names_the_status(final):
    make, status = FINAL_CASES[final]
    case = make()

    with refused(case, CaseIsFinal) as info:
        case.note(actor=GRID_LEAD, at=later(case), text="x")

    assert case.status is status
    assert status.value in info.value.en
    assert status.label in info.value.zh
    assert isinstance(info.value, RuleViolation)


@pytest.mark.parametrize("at", [T0 - timedelta(days=1), NAIVE], ids=["earlier", "naive"])
@pytest.mark.parametrize("final", FINAL_CASES)
def test_final_check_comes_before_time_checks(final, at):
    case = FINAL_CASES[final][0]()

    with refused(case, CaseIsFinal):
        case.note(actor=GRID_LEAD, at=at, text="x")


def test_commands_table_covers_every_instance_command():
    # Sanity check of the parametrisation above: each command is accepted in some state.
    assert len(COMMANDS) == 12
    states: dict[str, Callable[[], Case]] = {
        "note": reported_case,
        "escalate": reported_case,
        "blow_whistle": escalated_case,
        "report_in": lambda: whistled_case()[0],
        "pledge": reported_case,
        "resolve": reported_case,
        "evaluate": resolved_case,
        "evaluate_unit": lambda: whistled_case()[0],
        "reopen": lambda: evaluated_case(Satisfaction.UNSATISFIED),
        "close": resolved_case,
        "withdraw": reported_case,
        "mark_duplicate": reported_case,
    }
    for name, make in states.items():
        case = make()
        COMMANDS[name](case, later(case))
        assert type(last_event(case)).__name__ != "CaseReported", name
