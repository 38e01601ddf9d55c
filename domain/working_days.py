"""Time limits in hours or in working days (工作日), and where a deadline lands.

12345 practice counts general and complex matters in working days (普通 7 个工作日,
复杂 15 个工作日): statutory holidays do not count, 调休 make-up days do. Which days
are working days is not the domain's knowledge: a calendar (implemented in
infrastructure from a maintained holiday list plus local days off) answers it.

Where a working-day deadline lands follows how Chinese law counts periods in days
(民法典 第二百零一条、第二百零三条; 行政许可法 the same): the day of the report does not
count, counting starts the next day, and the period ends at 24:00 of its last day. So
7 working days from a report at 15:00 on Monday 2024-03-04 end at 24:00 on Tuesday
2024-03-12 (Beijing time), whatever the hour of the report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

from domain.errors import InvalidValue
from domain.times import BEIJING

__all__ = ["BEIJING", "MAX_WORKING_DAYS", "TimeLimit", "WorkingDayCalendar"]
MAX_WORKING_DAYS = 250  # about a year: a limit longer than that is a typo


class WorkingDayCalendar(Protocol):
    """Says whether a day (in Beijing) is a working day."""

    def is_working_day(self, day: date) -> bool: ...


@dataclass(frozen=True)
class TimeLimit:
    """A category's limit: exactly one of ``hours`` or ``working_days``."""

    hours: float | None = None
    working_days: int | None = None

    @property
    def is_valid(self) -> bool:
        """One unit given, and a positive (and for working days, sane) amount of it."""
        if (self.hours is None) == (self.working_days is None):
            return False
        if self.hours is not None:
            return self.hours > 0
        return 0 < (self.working_days or 0) <= MAX_WORKING_DAYS

    @property
    def nominal(self) -> timedelta:
        """A calendar length to compare limits by (a working day as a day)."""
        if self.hours is not None:
            return timedelta(hours=self.hours)
        return timedelta(days=self.working_days or 0)

    @property
    def label(self) -> str:
        if self.working_days is not None:
            return f"{self.working_days}个工作日"
        return f"{self.hours:g}小时"

    def due(self, at: datetime, calendar: WorkingDayCalendar | None) -> datetime:
        """The deadline of something that starts at ``at`` (an aware datetime)."""
        if self.hours is not None:
            return at + timedelta(hours=self.hours)
        if calendar is None:
            raise InvalidValue(
                "本部署未配置工作日历，不能使用以工作日计的时限",
                "no working-day calendar is configured for a limit in working days",
            )
        return end_of_working_days(at, self.working_days or 0, calendar)


def end_of_working_days(at: datetime, days: int, calendar: WorkingDayCalendar) -> datetime:
    """24:00 (Beijing) of the ``days``-th working day after the day of ``at``."""
    day, left = at.astimezone(BEIJING).date(), days
    while left:
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            left -= 1
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=BEIJING).astimezone(UTC)
