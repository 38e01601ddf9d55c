"""Working-day limits: statutory holidays skipped, 调休 make-up days counted, local days
off skipped, the deadline at 24:00 (Beijing) of the last working day, and a clear error
for a year the holiday calendar does not know."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from domain.case import Case
from domain.errors import InvalidValue
from domain.jurisdiction import Category
from domain.values import Channel
from domain.working_days import BEIJING, TimeLimit
from infrastructure.working_days import ChineseWorkingDays
from tests.support.cases import GRID_LEAD, PLACEMENT

CALENDAR = ChineseWorkingDays()
GENERAL = Category("general", "一般诉求", TimeLimit(hours=24), TimeLimit(working_days=7))
COMPLEX = Category("complex", "复杂诉求", TimeLimit(hours=24), TimeLimit(working_days=15))


def beijing(*args: int) -> datetime:
    return datetime(*args, tzinfo=BEIJING)  # type: ignore[misc]


def report(at: datetime, category: Category = GENERAL, calendar=CALENDAR) -> Case:
    return Case.report(
        case_id=uuid4(),
        actor=GRID_LEAD,
        at=at,
        title="楼道堆物",
        description="",
        category=category,
        placement=PLACEMENT,
        channel=Channel.HOTLINE,
        calendar=calendar,
    )


def test_the_calendar_knows_holidays_and_make_up_days():
    assert not CALENDAR.is_working_day(date(2024, 10, 3))  # 国庆
    assert CALENDAR.is_working_day(date(2024, 10, 12))  # Saturday, 调休
    assert not CALENDAR.is_working_day(date(2025, 1, 29))  # 春节
    assert CALENDAR.is_working_day(date(2025, 1, 26))  # Sunday, 调休
    assert not CALENDAR.is_working_day(date(2024, 3, 9))  # an ordinary Saturday


def test_seven_working_days_end_at_midnight_after_the_seventh():
    # Monday 2024-03-04 15:00: the day of the report does not count; Tue 5 … Fri 8,
    # Mon 11, Tue 12, Wed 13 — the deadline is 24:00 on Wednesday 13.
    case = report(beijing(2024, 3, 4, 15, 0))

    assert case.resolution_due == beijing(2024, 3, 14, 0, 0)
    assert case.response_due == beijing(2024, 3, 5, 15, 0)  # hours stay hours


def test_the_hour_of_the_report_does_not_move_the_deadline():
    early, late = report(beijing(2024, 3, 4, 0, 1)), report(beijing(2024, 3, 4, 23, 59))

    assert early.resolution_due == late.resolution_due == beijing(2024, 3, 14)


def test_national_day_2024_is_skipped_and_its_make_up_saturday_counts():
    # Mon 2024-09-30; Oct 1–7 off; Oct 8,9,10,11, Sat 12 (调休), 14, 15.
    case = report(beijing(2024, 9, 30, 15, 0))

    assert case.resolution_due == beijing(2024, 10, 16)


def test_spring_festival_2025_with_both_make_up_days():
    # Fri 2025-01-24; Sun 26 (调休), Mon 27; Jan 28–Feb 4 off; Feb 5,6,7, Sat 8 (调休), Mon 10.
    case = report(beijing(2025, 1, 24, 10, 0))

    assert case.resolution_due == beijing(2025, 2, 11)


def test_fifteen_working_days_across_national_day_2025():
    # Thu 2025-09-25; 26, Sun 28 (调休), 29, 30; Oct 1–8 off; 9, 10, Sat 11 (调休),
    # 13, 14, 15, 16, 17, 20, 21, 22.
    case = report(beijing(2025, 9, 25, 9, 0), COMPLEX)

    assert case.resolution_due == beijing(2025, 10, 23)


def test_a_report_on_a_holiday_counts_from_the_next_working_day():
    # Reported on 2024-10-03 (国庆): Oct 8 is the first working day.
    case = report(beijing(2024, 10, 3, 11, 0))

    assert case.resolution_due == beijing(2024, 10, 16)


def test_a_local_day_off_is_skipped():
    calendar = ChineseWorkingDays(local_days_off=[date(2024, 10, 9)])

    case = report(beijing(2024, 9, 30, 15, 0), calendar=calendar)

    assert case.resolution_due == beijing(2024, 10, 17)


def test_the_deadline_is_stored_in_utc_in_the_event():
    case = report(beijing(2024, 9, 30, 15, 0))

    event = case.pending_events[0]
    assert event.resolution_due == datetime(2024, 10, 15, 16, 0, tzinfo=UTC)


def test_a_year_the_package_does_not_know_counts_weekdays_not_refuses():
    """15 working days from Monday 2026-12-21 reach into 2027, which chinese-calendar 1.11
    does not know: counted Monday to Friday (2027-01-01, a Friday, counts too) until the
    jurisdiction file lists the year's notice."""
    case = report(beijing(2026, 12, 21, 9, 0), COMPLEX)

    assert case.resolution_due == beijing(2027, 1, 12)


def test_a_listed_year_uses_the_notice_from_the_jurisdiction_file():
    from infrastructure.working_days import ChineseWorkingDays

    notice = ChineseWorkingDays(
        holidays=[date(2027, 1, 1)], make_up_workdays=[date(2027, 1, 9)], listed_years=[2027]
    )
    case = report(beijing(2026, 12, 21, 9, 0), COMPLEX, calendar=notice)

    # 2027-01-01 is a holiday, Saturday 2027-01-09 a make-up working day: the same end.
    assert case.resolution_due == beijing(2027, 1, 12)
    assert notice.missing_years([2026, 2027, 2028]) == [2028]
    assert not notice.is_working_day(date(2027, 1, 1)) and notice.is_working_day(date(2027, 1, 9))


def test_working_days_need_a_calendar():
    with pytest.raises(InvalidValue):
        report(beijing(2024, 3, 4, 15, 0), calendar=None)


def test_hour_limits_need_no_calendar():
    hourly = Category("urgent", "紧急", TimeLimit(hours=0.5), TimeLimit(hours=2))

    case = report(beijing(2024, 10, 3, 11, 0), hourly, calendar=None)

    assert case.resolution_due == beijing(2024, 10, 3, 13, 0)


@pytest.mark.parametrize(
    "limit",
    [
        TimeLimit(),
        TimeLimit(hours=1, working_days=1),
        TimeLimit(hours=0),
        TimeLimit(working_days=0),
    ],
)
def test_a_limit_is_exactly_one_positive_amount(limit):
    assert not limit.is_valid
