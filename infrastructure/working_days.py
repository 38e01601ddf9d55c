"""The working-day calendar: China's statutory holidays and 调休 make-up days from the
maintained ``chinese-calendar`` package, plus what a deployment lists in its jurisdiction
file: local days off, and the State Council's holiday notice for a year the package does
not know yet (it is published each November; the package follows later).

A year neither knows is counted Monday to Friday rather than refused: residents' cases
must never be turned away because a holiday list is late. Such a deadline ignores that
year's holidays (it can fall earlier than the notice would make it), so the service warns
at start while the current or the next year is unknown (``missing_years``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import chinese_calendar


class ChineseWorkingDays:
    """Implements ``domain.working_days.WorkingDayCalendar``."""

    def __init__(
        self,
        local_days_off: Iterable[date] = (),
        *,
        holidays: Iterable[date] = (),
        make_up_workdays: Iterable[date] = (),
        listed_years: Iterable[int] = (),
    ) -> None:
        self.local_days_off = frozenset(local_days_off)
        self.holidays = frozenset(holidays)
        self.make_up_workdays = frozenset(make_up_workdays)
        self.listed_years = frozenset(listed_years)

    def is_working_day(self, day: date) -> bool:
        if day in self.local_days_off or day in self.holidays:
            return False
        if day in self.make_up_workdays:
            return True
        if self.knows(day.year) and day.year not in self.listed_years:
            return bool(chinese_calendar.is_workday(day))
        return day.weekday() < 5

    @staticmethod
    def knows(year: int) -> bool:
        try:
            chinese_calendar.is_workday(date(year, 6, 1))
        except NotImplementedError:  # the package says which years it knows
            return False
        return True

    def missing_years(self, years: Iterable[int]) -> list[int]:
        """Years whose holidays neither the package nor the jurisdiction file lists."""
        return [y for y in years if not self.knows(y) and y not in self.listed_years]
