"""Rules of time: commands move forward in time, carry a time zone and lie in 1990–2200.

One test per rule. Every refused command raises its domain error and records nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from domain.errors import InvalidValue
from domain.values import Level
from tests.support.case_checks import refused
from tests.support.case_commands import COMMANDS
from tests.support.cases import BEIJING, GRID_LEAD, NAIVE, T0, blow, later, reported_case

# ----- time ---------------------------------------------------------------------------------


def test_time_must_not_go_backwards():
    case = reported_case()
    case.note(actor=GRID_LEAD, at=later(case, hours=2), text="已到现场")

    with refused(case, InvalidValue):
        case.note(actor=GRID_LEAD, at=case.modified_on - timedelta(seconds=1), text="补记")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_refuses_time_before_the_last_event(command):
    case = reported_case()

    with refused(case, InvalidValue):
        COMMANDS[command](case, T0 - timedelta(microseconds=1))


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_needs_a_timezone_aware_time(command):
    case = reported_case()

    with refused(case, InvalidValue):
        COMMANDS[command](case, NAIVE)


def test_report_needs_a_timezone_aware_time():
    with pytest.raises(InvalidValue):
        reported_case(at=NAIVE)


def test_times_in_other_timezones_compare_as_instants():
    case = reported_case()  # T0 is 09:00 +08:00 == 01:00 UTC

    with refused(case, InvalidValue):
        case.note(actor=GRID_LEAD, at=datetime(2016, 4, 12, 0, 59, tzinfo=UTC), text="x")
    case.note(actor=GRID_LEAD, at=datetime(2016, 4, 12, 1, 0, tzinfo=UTC), text="x")
    assert case.version == 2


# ----- time range ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "at",
    [datetime(1989, 12, 31, 23, 59, tzinfo=UTC), datetime(2200, 1, 1, 0, 0, 1, tzinfo=UTC)],
    ids=["before-1990", "after-2200"],
)
def test_report_time_must_lie_between_1990_and_2200(at):
    with pytest.raises(InvalidValue):
        reported_case(at=at)


def test_report_at_the_edges_of_the_time_range_is_accepted():
    assert reported_case(at=datetime(1990, 1, 1, tzinfo=UTC)).version == 1
    assert reported_case(at=datetime(2200, 1, 1, tzinfo=UTC)).version == 1


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_refuses_a_time_after_2200(command):
    case = reported_case()

    with refused(case, InvalidValue):
        COMMANDS[command](case, datetime(2200, 1, 2, tzinfo=UTC))


def test_deadline_after_2200_is_refused():
    case = reported_case(at=datetime(2199, 12, 31, tzinfo=UTC))
    case.escalate(actor=GRID_LEAD, at=later(case), to_level=Level.STREET, reason="r")

    with refused(case, InvalidValue):
        blow(case, report_in_deadline=datetime(2200, 1, 1, 12, tzinfo=UTC))


@pytest.mark.parametrize("at", [datetime.max, datetime.min], ids=["max", "min"])
@pytest.mark.parametrize("tz", [UTC, BEIJING, timezone(timedelta(hours=-12))], ids=str)
def test_time_far_beyond_the_range_is_refused_not_overflowing(at, tz):
    with pytest.raises(InvalidValue):
        reported_case(at=at.replace(tzinfo=tz))
