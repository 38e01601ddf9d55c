"""Deadline notices: which reminders a case is due at an instant (临期提醒, 超期提醒).

A notice is a fact about the case, recorded once as a ``DeadlineNoticeRecorded`` event
under a deterministic key: the key says which deadline it is about, so a timer that runs
again (after a restart, or beside a second timer) finds it recorded and adds nothing.
Pure: the instant and the "near" window are passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from domain.times import in_utc

if TYPE_CHECKING:
    from domain.case import Case

# Who records notices: the deadline timer, not a person (no user has this id or role).
TIMER_ACTOR_ID = "system:deadline-timer"
TIMER_ROLE = "system"
TIMER_ROLE_LABEL = "系统"


class NoticeKind(StrEnum):
    REPORT_IN_NEAR = "report_in_near"  # a summoned unit's report-in deadline is near
    REPORT_IN_PASSED = "report_in_passed"  # … has passed and it has not reported in
    CASE_OVERDUE = "case_overdue"  # the case is past its resolution limit, unresolved

    @property
    def label(self) -> str:
        return NOTICE_LABELS[self.value]


NOTICE_LABELS = {
    "report_in_near": "报到临期提醒",
    "report_in_passed": "报到超期提醒",
    "case_overdue": "办理超期提醒",
}


@dataclass(frozen=True)
class DueNotice:
    kind: NoticeKind
    key: str  # unique within the case
    deadline: datetime
    whistle_id: str | None = None
    unit_id: str | None = None


def report_in_key(kind: NoticeKind, whistle_id: str, unit_id: str) -> str:
    return f"{kind.value}:{whistle_id}:{unit_id}"


def overdue_key(resolution_due: datetime) -> str:
    # The deadline is in the key: if a later event moves it (an extension), the new
    # deadline earns a notice of its own.
    return f"{NoticeKind.CASE_OVERDUE.value}:{in_utc(resolution_due).isoformat()}"


def due_notices(case: Case, now: datetime, near: timedelta) -> list[DueNotice]:
    """The notices ``case`` is due at ``now`` and has not recorded yet.

    Only an open, unresolved case is reminded of anything. For each summoned unit still
    to report in: once ``now`` is within ``near`` of the deadline, a 临期 notice (unless
    the deadline has already passed: then only the 超期 one); after the deadline, a 超期
    notice. Exactly on a deadline nothing has passed yet (acting then is on time).
    """
    if case.status.is_final or case.resolution is not None:
        return []
    found: list[DueNotice] = []
    for whistle in case.whistles.values():
        deadline = whistle.report_in_deadline
        for unit_id in whistle.pending_unit_ids:
            passed = report_in_key(NoticeKind.REPORT_IN_PASSED, whistle.whistle_id, unit_id)
            near_key = report_in_key(NoticeKind.REPORT_IN_NEAR, whistle.whistle_id, unit_id)
            if now > deadline:
                if passed not in case.notices:
                    found.append(
                        DueNotice(
                            NoticeKind.REPORT_IN_PASSED,
                            passed,
                            deadline,
                            whistle.whistle_id,
                            unit_id,
                        )
                    )
            elif now >= deadline - near and near_key not in case.notices:
                found.append(
                    DueNotice(
                        NoticeKind.REPORT_IN_NEAR, near_key, deadline, whistle.whistle_id, unit_id
                    )
                )
    if now > case.resolution_due:
        key = overdue_key(case.resolution_due)
        if key not in case.notices:
            found.append(DueNotice(NoticeKind.CASE_OVERDUE, key, case.resolution_due))
    return found
