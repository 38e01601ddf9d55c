"""我的待办: what each role has to act on next, most urgent first, with the time left.

A grid lead works the open cases of its grids; a coordinator (and an admin) the open cases
of its scope — to respond to, escalate, whistle or resolve — and the resolved ones awaiting
回访; a liaison the whistles its unit has not reported in to. Each item carries the
deadline it runs against (响应 / 办结 / 报到) from the ledger; past it (strictly, as in
due.py) the item is 超期. Items are sorted by the case's urgency, then by time left.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, select

from domain.values import Role, Status, Urgency
from projections.ledger_tables import OPEN_STATUSES, cases, summons
from projections.queries import CaseFilter, LedgerQueries, Scope, scope_conditions

QUEUE_LIMIT = 500  # items read per queue; a longer queue is worked from the ledger page
DEADLINE_LABELS = {"response": "响应", "resolution": "办结", "report_in": "报到"}
TASK_LABELS = {
    "respond": "待响应",
    "resolve": "待办结",
    "follow_up": "待回访",
    "report_in": "待报到",
    "accept": "待签收",  # a 12345 order: its response is the 签收
}
_URGENCY_RANK = {Urgency.EMERGENCY.value: 0, Urgency.URGENT.value: 1, Urgency.NORMAL.value: 2}


@dataclass(frozen=True)
class QueueItem:
    case_id: str
    title: str
    status: Status
    urgency: Urgency
    category_id: str
    street_id: str
    community_id: str
    grid_id: str
    reported_at: datetime
    task: str  # a key of TASK_LABELS
    deadline_kind: str | None  # a key of DEADLINE_LABELS; None: no time limit (回访)
    due: datetime | None
    seconds_left: int | None  # negative once overdue
    overdue: bool
    whistle_id: str | None = None

    @property
    def task_label(self) -> str:
        return TASK_LABELS[self.task]

    @property
    def deadline_label(self) -> str | None:
        return DEADLINE_LABELS[self.deadline_kind] if self.deadline_kind else None


def work_queue(
    ledger: LedgerQueries,
    role: Role,
    scope: Scope,
    f: CaseFilter,
    now: datetime,
    *,
    overdue_only: bool = False,
) -> list[QueueItem]:
    """The queue of a user with ``role`` and ``scope`` at ``now``, filtered by ``f``."""
    conditions = [*ledger.filter_conditions(f), *scope_conditions(scope)]
    if role is Role.LIAISON:
        items = _summonses(ledger, scope, conditions, now)
    elif role in (Role.GRID_LEAD, Role.COORDINATOR, Role.ADMIN):
        wanted = OPEN_STATUSES if role is Role.GRID_LEAD else (*OPEN_STATUSES, "resolved")
        items = _cases(ledger, wanted, conditions, now)
    else:  # auditors read, they have nothing to act on
        items = []
    if overdue_only:
        items = [i for i in items if i.overdue]
    return sorted(items, key=_urgency_then_time_left)


def _urgency_then_time_left(item: QueueItem) -> tuple[int, int, float, str]:
    no_deadline = item.seconds_left is None
    left = float("inf") if item.seconds_left is None else item.seconds_left
    rank = _URGENCY_RANK.get(item.urgency.value, len(_URGENCY_RANK))
    return (rank, int(no_deadline), left, item.case_id)


def _cases(
    ledger: LedgerQueries, statuses: tuple[str, ...], conditions: list[Any], now: datetime
) -> list[QueueItem]:
    c = cases.c
    due = case(
        (c.status == Status.RESOLVED.value, None),
        (c.first_response_at.is_(None), c.response_due),
        else_=c.resolution_due,
    )
    query = (  # the most urgent first here too, so a cut queue keeps what matters most
        select(cases)
        .where(c.status.in_(statuses), *conditions)
        .order_by(_urgency_rank(), due.is_(None), due, c.case_id)
        .limit(QUEUE_LIMIT)
    )
    with ledger.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    items = []
    for r in rows:
        if r["status"] == Status.RESOLVED.value:
            items.append(_item(r, "follow_up", None, None, now))
        elif r["first_response_at"] is None:
            task = "accept" if r["work_order_id"] else "respond"
            items.append(_item(r, task, "response", r["response_due"], now))
        else:
            items.append(_item(r, "resolve", "resolution", r["resolution_due"], now))
    return items


def _summonses(
    ledger: LedgerQueries, scope: Scope, conditions: list[Any], now: datetime
) -> list[QueueItem]:
    if scope.unit_id is None:
        return []
    query = (
        select(cases, summons.c.whistle_id, summons.c.deadline)
        .join(summons, summons.c.case_id == cases.c.case_id)
        .where(
            summons.c.unit_id == scope.unit_id,
            summons.c.reported_in_at.is_(None),
            summons.c.unanswered.is_(False),
            cases.c.status.in_(OPEN_STATUSES),
            *conditions,
        )
        .order_by(_urgency_rank(), summons.c.deadline, cases.c.case_id)
        .limit(QUEUE_LIMIT)
    )
    with ledger.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    return [
        _item(r, "report_in", "report_in", r["deadline"], now, whistle_id=r["whistle_id"])
        for r in rows
    ]


def _urgency_rank() -> Any:
    return case(_URGENCY_RANK, value=cases.c.urgency, else_=len(_URGENCY_RANK))


def _item(
    r: dict[str, Any],
    task: str,
    deadline_kind: str | None,
    due: datetime | None,
    now: datetime,
    whistle_id: str | None = None,
) -> QueueItem:
    return QueueItem(
        case_id=r["case_id"],
        title=r["title"],
        status=Status(r["status"]),
        urgency=Urgency(r["urgency"]),
        category_id=r["category_id"],
        street_id=r["street_id"],
        community_id=r["community_id"],
        grid_id=r["grid_id"],
        reported_at=r["reported_at"],
        task=task,
        deadline_kind=deadline_kind,
        due=due,
        seconds_left=None if due is None else int((due - now).total_seconds()),
        overdue=due is not None and due < now,
        whistle_id=whistle_id,
    )
