"""Due-ness: what is not yet due at an instant (在办未到期), and when that next changes.

A rate's denominator holds what is due (its deadline has passed) or finished. Finished
items do not depend on the instant, so the rollups keep them; the open items that are not
yet due do, so they are counted when a dashboard is read, at the instant it asks about.
They are few — only cases younger than their category's limit — and two partial indexes
over the open cases by deadline make counting them a short range scan, whatever the size
of the district. Rule: an item is due once its deadline is *before* the instant; exactly
on the deadline it is still not due, as acting exactly on it is still on time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, and_, func, literal_column, null, select, union_all

from infrastructure.sql_types import UtcDateTime
from projections.ledger_tables import IS_OPEN, cases, summons

c = cases.c


@dataclass(frozen=True)
class NotDue:
    """在办未到期 of one group: counts and the nearest deadlines."""

    open_not_due: int = 0
    unanswered_not_due: int = 0
    next_resolution_due: datetime | None = None
    next_response_due: datetime | None = None


def _resolution_pending(as_of: Any) -> Any:
    return c.resolution_due >= as_of


def _response_pending(as_of: Any) -> Any:
    # A case with no first action is open (every action but a pledge is a response).
    return and_(c.first_response_at.is_(None), c.response_due >= as_of)


def not_due_by(
    conn: Connection, keys: list[str], conditions: list[Any], as_of: datetime
) -> dict[tuple[Any, ...], NotDue]:
    """The open cases not yet due at ``as_of``, per value of the ``keys`` columns, among
    the ledger rows matching ``conditions``."""
    return {
        tuple(row[: len(keys)]): NotDue(
            int(row.open_not_due or 0),
            int(row.unanswered_not_due or 0),
            row.next_res,
            row.next_resp,
        )
        for row in conn.execute(not_due_query(keys, conditions, as_of))
    }


def not_due_query(keys: list[str], conditions: list[Any], as_of: Any) -> Select[Any]:
    """``not_due_by`` as a query: the ``keys`` columns, then open_not_due,
    unanswered_not_due, next_res and next_resp (a caller may join it to its counts).
    ``as_of``: an instant, or a bound parameter that will hold one.

    Two branches, each a range on its own partial deadline index (an OR of the two would
    walk every open case): the cost is the cases not yet due, not the cases open."""
    columns = [c[k] for k in keys]
    one: Any = literal_column("1")
    zero: Any = literal_column("0")
    no_time: Any = null()
    pending_resolution = select(
        *columns,
        one.label("res"),
        zero.label("resp"),
        c.resolution_due.label("res_due"),
        no_time.label("resp_due"),
    ).where(IS_OPEN, _resolution_pending(as_of), *conditions)
    pending_response = select(*columns, zero, one, no_time, c.response_due).where(
        IS_OPEN, _response_pending(as_of), *conditions
    )
    u = union_all(pending_resolution, pending_response).subquery("pending")
    grouped = [u.c[k] for k in keys]
    return select(
        *grouped,
        func.sum(u.c.res).label("open_not_due"),
        func.sum(u.c.resp).label("unanswered_not_due"),
        func.min(u.c.res_due, type_=UtcDateTime()).label("next_res"),
        func.min(u.c.resp_due, type_=UtcDateTime()).label("next_resp"),
    ).group_by(*grouped)


def next_crossing(conn: Connection, as_of: datetime) -> datetime | None:
    """The earliest deadline at or after ``as_of`` of anything still open — the first
    instant after which some figure may change although no event happened. Until then
    (inclusive) every figure computed at ``as_of`` stays the same. One round trip."""
    candidates = [
        select(func.min(c.resolution_due)).where(IS_OPEN, _resolution_pending(as_of)),
        select(func.min(c.response_due)).where(IS_OPEN, _response_pending(as_of)),
        select(func.min(summons.c.deadline)).where(
            summons.c.reported_in_at.is_(None), summons.c.deadline >= as_of
        ),
    ]
    row = conn.execute(select(*(q.scalar_subquery() for q in candidates))).one()
    return min((i for i in row if i is not None), default=None)


def horizon(conn: Connection) -> datetime | None:
    """The latest event time the ledger holds (``as_of`` may not be earlier)."""
    latest: datetime | None = conn.execute(select(func.max(c.last_event_at))).scalar()
    return latest
