"""The working-day calendar: China's statutory holidays and 调休 make-up days from the
maintained ``chinese-calendar`` package, plus the local days off a deployment lists in
its jurisdiction file."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import chinese_calendar

from domain.working_days import CalendarNotKnown


class ChineseWorkingDays:
    """Implements ``domain.working_days.WorkingDayCalendar``."""

    def __init__(self, local_days_off: Iterable[date] = ()) -> None:
        self.local_days_off = frozenset(local_days_off)

    def is_working_day(self, day: date) -> bool:
        try:
            working = bool(chinese_calendar.is_workday(day))
        except NotImplementedError:  # the package says which years it knows
            raise CalendarNotKnown(day.year) from None
        return working and day not in self.local_days_off
