"""The console's ledger page: the ledger rows of a scope and filter, sorted by reported
time, resolution deadline or status, optionally only those overdue (超期) at an instant.

Overdue follows projections/due.py's due-ness: an open case is overdue once its
resolution deadline is *before* the instant (exactly on it is still on time)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, select

from domain.values import Status
from projections.ledger_tables import IS_OPEN, OPEN_STATUSES, cases
from projections.queries import CaseFilter, LedgerQueries, Scope, scope_conditions

c = cases.c
SORTS = ("reported", "due", "status")
_STATUS_ORDER = case({s.value: i for i, s in enumerate(Status)}, value=c.status, else_=99)
_SORT_COLUMNS: dict[str, Any] = {
    "reported": c.reported_at,
    "due": c.resolution_due,
    "status": _STATUS_ORDER,
}


@dataclass(frozen=True)
class PageAsk:
    """Which page of which rows: ``sort`` one of ``SORTS``; ``overdue`` True keeps only
    the overdue, False only the rest, None both."""

    sort: str = "reported"
    descending: bool = True
    overdue: bool | None = None
    limit: int = 50
    offset: int = 0


def overdue_at(as_of: datetime) -> Any:
    return and_(IS_OPEN, c.resolution_due < as_of)


def is_overdue(row: dict[str, Any], as_of: datetime) -> bool:
    """The same test as ``overdue_at`` for one row already read."""
    return row["status"] in OPEN_STATUSES and bool(row["resolution_due"] < as_of)


def ledger_page(
    ledger: LedgerQueries, f: CaseFilter, scope: Scope, ask: PageAsk, as_of: datetime
) -> tuple[list[dict[str, Any]], int]:
    """One page of rows and how many match in all."""
    conditions = [*ledger.filter_conditions(f), *scope_conditions(scope)]
    if ask.overdue is not None:
        overdue = overdue_at(as_of)
        conditions.append(overdue if ask.overdue else ~overdue)
    key = _SORT_COLUMNS.get(ask.sort, c.reported_at)
    order = [key.desc() if ask.descending else key.asc(), c.reported_at.desc(), c.case_id]
    with ledger.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(cases).where(*conditions))
        rows = conn.execute(
            select(cases).where(*conditions).order_by(*order).limit(ask.limit).offset(ask.offset)
        )
        return [dict(r._mapping) for r in rows], int(total.scalar_one())
