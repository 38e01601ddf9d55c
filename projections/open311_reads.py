"""The public view of requests (Open311 GET requests) read from the case ledger.

Selects only the columns the public may see: never ``reported_by`` (a user id), nor
anything from the resident contact store, which the ledger does not hold anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from projections.ledger_tables import cases

PUBLIC_COLUMNS = (
    "case_id",
    "category_id",
    "status",
    "title",
    "description",
    "reported_role",
    "district_id",
    "street_id",
    "community_id",
    "grid_id",
    "reported_at",
    "last_event_at",
    "resolution_due",
    "lat",
    "long",
)


@dataclass(frozen=True)
class PublicQuery:
    """``case_ids`` overrides the rest (as the spec says of service_request_id)."""

    case_ids: tuple[str, ...] = ()
    category_ids: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    reported_from: datetime | None = None
    reported_to: datetime | None = None  # inclusive: "latest datetime to include"


def public_requests(engine: Engine, q: PublicQuery, *, limit: int) -> list[dict[str, Any]]:
    """Newest first, at most ``limit``."""
    query = select(*(cases.c[name] for name in PUBLIC_COLUMNS))
    if q.case_ids:
        query = query.where(cases.c.case_id.in_(q.case_ids))
    else:
        if q.category_ids:
            query = query.where(cases.c.category_id.in_(q.category_ids))
        if q.statuses:
            query = query.where(cases.c.status.in_(q.statuses))
        if q.reported_from is not None:
            query = query.where(cases.c.reported_at >= q.reported_from)
        if q.reported_to is not None:
            query = query.where(cases.c.reported_at <= q.reported_to)
    query = query.order_by(cases.c.reported_at.desc(), cases.c.case_id).limit(limit)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]
