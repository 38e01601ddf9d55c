"""Rules of escalation, whistles and reporting in (吹哨、报到).

One test per rule. Every refused command raises its domain error and records nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from domain.errors import InvalidValue, RuleViolation, WhistleNotFound
from domain.rules import MAX_REPORT_IN_WAIT, MAX_UNITS_PER_WHISTLE
from domain.values import Level
from tests.support.case_checks import last_event, refused
from tests.support.cases import (
    COORDINATOR,
    GRID_LEAD,
    LIAISON,
    POLICE,
    PROPERTY,
    blow,
    escalated_case,
    later,
    reported_case,
    resolve,
    resolved_case,
    whistled_case,
)

# ----- escalation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (Level.GRID, Level.GRID),
        (Level.COMMUNITY, Level.GRID),
        (Level.COMMUNITY, Level.COMMUNITY),
        (Level.STREET, Level.COMMUNITY),
        (Level.STREET, Level.STREET),
        (Level.DISTRICT, Level.GRID),
        (Level.DISTRICT, Level.DISTRICT),
    ],
)
def test_escalation_only_upwards(current, target):
    case = reported_case() if current is Level.GRID else escalated_case(current)

    with refused(case, RuleViolation):
        case.escalate(actor=COORDINATOR, at=later(case), to_level=target, reason="下放")


def test_resolved_case_cannot_be_escalated():
    case = resolved_case()

    with refused(case, RuleViolation):
        case.escalate(actor=COORDINATOR, at=later(case), to_level=Level.STREET, reason="r")


def test_escalation_needs_a_reason():
    case = reported_case()

    with refused(case, InvalidValue):
        case.escalate(actor=GRID_LEAD, at=later(case), to_level=Level.COMMUNITY, reason="  ")


# ----- whistles ------------------------------------------------------------------------------


def test_whistle_at_grid_level_is_refused():
    case = reported_case()

    with refused(case, RuleViolation):
        blow(case)


def test_whistle_at_district_level_is_refused():
    case = escalated_case(Level.DISTRICT)

    with refused(case, RuleViolation):
        blow(case)


def test_whistle_must_summon_at_least_one_unit():
    case = escalated_case()

    with refused(case, InvalidValue):
        blow(case, unit_ids=[])


def test_whistle_units_must_not_repeat():
    case = escalated_case()

    with refused(case, InvalidValue):
        blow(case, unit_ids=[POLICE, PROPERTY, POLICE])


def test_whistle_summons_at_most_the_maximum_number_of_units():
    case = escalated_case()
    units = [f"unit-{i}" for i in range(MAX_UNITS_PER_WHISTLE + 1)]

    with refused(case, InvalidValue):
        blow(case, unit_ids=units)

    blow(case, unit_ids=units[:-1])
    assert len(case.whistle("W1").unit_ids) == MAX_UNITS_PER_WHISTLE


@pytest.mark.parametrize("offset", [timedelta(0), timedelta(seconds=-1), timedelta(days=-1)])
def test_deadline_must_be_in_future(offset):
    case = escalated_case()
    at = later(case)

    with refused(case, InvalidValue):
        blow(case, at=at, report_in_deadline=at + offset)


def test_deadline_is_at_most_90_days_ahead():
    case = escalated_case()
    at = later(case)

    with refused(case, InvalidValue):
        blow(case, at=at, report_in_deadline=at + MAX_REPORT_IN_WAIT + timedelta(seconds=1))

    blow(case, at=at, report_in_deadline=at + MAX_REPORT_IN_WAIT)
    assert MAX_REPORT_IN_WAIT == timedelta(days=90)
    assert case.whistle("W1").report_in_deadline == at + timedelta(days=90)


def test_deadline_must_be_timezone_aware():
    case = escalated_case()

    with refused(case, InvalidValue):
        blow(case, report_in_deadline=datetime(2030, 1, 1))


def test_whistle_needs_a_reason():
    case = escalated_case()

    with refused(case, InvalidValue):
        blow(case, reason="")


def test_resolved_case_cannot_blow_a_whistle():
    case = resolve(escalated_case())

    with refused(case, RuleViolation):
        blow(case)


# ----- reporting in ----------------------------------------------------------------------------


def test_unsummoned_unit_cannot_report_in():
    case, whistle_id = whistled_case((POLICE,))

    with refused(case, RuleViolation):
        case.report_in(actor=LIAISON, at=later(case), whistle_id=whistle_id, unit_id=PROPERTY)


def test_unit_summoned_by_another_whistle_cannot_report_in_to_this_one():
    case, first = whistled_case((POLICE,))
    second = blow(case, unit_ids=[PROPERTY])

    with refused(case, RuleViolation):
        case.report_in(actor=LIAISON, at=later(case), whistle_id=first, unit_id=PROPERTY)
    case.report_in(actor=LIAISON, at=later(case), whistle_id=second, unit_id=PROPERTY)


def test_report_in_to_an_unknown_whistle_is_not_found():
    case, _ = whistled_case()

    with refused(case, WhistleNotFound) as info:
        case.report_in(actor=LIAISON, at=later(case), whistle_id="W9", unit_id=POLICE)

    assert "W9" in info.value.en


def test_unit_reports_in_once_per_whistle():
    case, whistle_id = whistled_case()
    case.report_in(actor=LIAISON, at=later(case), whistle_id=whistle_id, unit_id=POLICE)

    with refused(case, RuleViolation):
        case.report_in(actor=LIAISON, at=later(case), whistle_id=whistle_id, unit_id=POLICE)


def test_unit_may_report_in_once_to_each_whistle():
    case, first = whistled_case((POLICE,))
    second = blow(case, unit_ids=[POLICE])
    case.report_in(actor=LIAISON, at=later(case), whistle_id=first, unit_id=POLICE)
    case.report_in(actor=LIAISON, at=later(case), whistle_id=second, unit_id=POLICE)

    assert POLICE in case.whistle(first).report_ins
    assert POLICE in case.whistle(second).report_ins


def test_report_in_after_deadline_is_recorded_late():
    case, whistle_id = whistled_case()
    deadline = case.whistle(whistle_id).report_in_deadline

    late = case.report_in(
        actor=LIAISON, at=deadline + timedelta(seconds=1), whistle_id=whistle_id, unit_id=POLICE
    )

    assert late is True
    assert last_event(case).late is True
    assert case.whistle(whistle_id).report_ins[POLICE].late is True
