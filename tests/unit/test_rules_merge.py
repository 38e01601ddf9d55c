"""合并: repeated calls about one matter join one case. One test per rule; a refused merge
records nothing on any of its cases."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from domain import events as ev
from domain.case import Case
from domain.errors import CaseIsFinal, DomainError, InvalidValue, RuleViolation
from domain.jurisdiction import Placement
from domain.values import Status
from tests.support.case_checks import event_names, state_of
from tests.support.cases import (
    COORDINATOR,
    T0,
    closed_case,
    duplicate_case,
    later,
    reported_case,
    resolved_case,
    withdrawn_case,
)

OTHER_STREET = Placement("dongsheng", "xiguan", "yuehe", "jintai")


def _merge_refused(
    original: Case, others: list[Case], error: type[DomainError], at: object = None
) -> None:
    before = [(c.version, len(c.pending_events), state_of(c)) for c in (original, *others)]
    with pytest.raises(DomainError) as info:
        original.merge(actor=COORDINATOR, at=at or later(original, hours=1), cases=others)
    assert type(info.value) is error, repr(info.value)
    after = [(c.version, len(c.pending_events), state_of(c)) for c in (original, *others)]
    assert after == before


def test_merge_makes_each_case_a_duplicate_and_gives_the_original_their_callers() -> None:
    original, a, b = reported_case(), reported_case(), reported_case()
    at = later(b, hours=1)
    original.merge(actor=COORDINATOR, at=at, cases=[a, b], reason="同一小区供暖中断")
    for other in (a, b):
        assert event_names(other)[-1] == "CaseMergedInto"
        assert other.status is Status.DUPLICATE
        assert other.duplicate_of == str(original.id)
    event = original.pending_events[-1]
    assert type(event) is ev.CallersMerged
    assert event.case_ids == [str(a.id), str(b.id)] and event.also_case_ids == []
    assert original.status is Status.REPORTED  # the original's state and counts are its own
    assert original.merged_case_ids == [str(a.id), str(b.id)] and original.callers == 3


def test_callers_merged_earlier_follow_their_case_into_the_new_original() -> None:
    first, second, original = reported_case(), reported_case(), reported_case()
    second.merge(actor=COORDINATOR, at=later(first, hours=1), cases=[first])
    original.merge(actor=COORDINATOR, at=later(second, hours=1), cases=[second])
    assert original.merged_case_ids == [str(second.id), str(first.id)]
    assert original.callers == 3


@pytest.mark.parametrize("final", [closed_case, withdrawn_case, duplicate_case])
def test_nothing_merges_into_a_final_case(final: Callable[[], Case]) -> None:
    _merge_refused(final(), [reported_case()], CaseIsFinal)


@pytest.mark.parametrize("final", [closed_case, withdrawn_case, duplicate_case])
def test_one_final_case_among_several_refuses_the_whole_merge(final: Callable[[], Case]) -> None:
    _merge_refused(reported_case(), [reported_case(), final(), reported_case()], CaseIsFinal)


def test_a_resolved_case_not_yet_closed_may_take_callers() -> None:
    original = resolved_case()
    original.merge(actor=COORDINATOR, at=later(original), cases=[reported_case()])
    assert original.callers == 2


def test_a_case_cannot_be_merged_into_itself() -> None:
    case = reported_case()
    _merge_refused(case, [reported_case(), case], RuleViolation)


def test_no_cycles_a_merged_case_takes_no_merge_back() -> None:
    a, b = reported_case(), reported_case()
    b.merge(actor=COORDINATOR, at=later(a, hours=1), cases=[a])
    _merge_refused(a, [b], CaseIsFinal)  # a is now a duplicate


def test_cases_of_different_streets_are_not_merged() -> None:
    elsewhere = reported_case(placement=OTHER_STREET)
    _merge_refused(reported_case(), [reported_case(), elsewhere], RuleViolation)


@pytest.mark.parametrize("others", [[], "twice"], ids=["none", "twice"])
def test_a_merge_names_each_case_once_and_at_least_one(others: object) -> None:
    case = reported_case()
    named = [case, case] if others == "twice" else []
    _merge_refused(reported_case(), named, InvalidValue)


def test_a_merge_cannot_be_dated_before_a_merged_case_last_event() -> None:
    original, newer = reported_case(), reported_case(at=T0.replace(hour=12))
    _merge_refused(original, [newer], InvalidValue, at=later(original))
