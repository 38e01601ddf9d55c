"""The transactional outbox: webhooks to send, written from the log exactly once.

``OutboxProjection`` follows the log like every view (projections/runner.py) and writes
the deliveries an event makes (application/notifications.py, ``NOTICE_RULES``) in the
transaction that moves its tracking position, each under a deterministic ``delivery_id``:
a crash before the commit writes neither, a replay of the log (a reset position) inserts
nothing that is already there. ``OutboxStore`` is the sender's side: claim what is due,
mark it sent or failed, dead-letter it, list dead letters, replay them.

Unlike the other views, the outbox is never dropped or rebuilt: whether a webhook was
sent is not in the log. Its position starts at the log's head when it is first installed,
so a deployment that adds notifications does not send its whole history.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection
from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from application.errors import CaseNotFound
from application.notifications import (
    NOTICE_RULES,
    Context,
    Delivery,
    DeliveryNotFound,
    NotifyConfig,
    NotReplayable,
)
from application.views import CaseSnapshot
from domain.jurisdiction import Jurisdiction
from infrastructure.sql_types import UtcDateTime
from projections.view import SqlView, tracking_metadata, tracking_table

metadata = MetaData()
outbox = Table(
    "chuishao_outbox",
    metadata,
    Column("delivery_id", String(36), primary_key=True),
    Column("case_id", String(36), nullable=False),
    Column("notice_key", String(200), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("endpoint_id", String(100), nullable=False),
    Column("payload", Text, nullable=False),
    Column("position", BigInteger, nullable=False),  # the event's place in the log
    Column("created_at", UtcDateTime(), nullable=False),  # the event's time
    Column("status", String(10), nullable=False),  # pending | sent | dead
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("lease_until", UtcDateTime(), nullable=True),  # a sender is trying it until then
    Column("last_error", String(500), nullable=True),
    Column("last_status", Integer, nullable=True),  # the receiver's HTTP status
    Column("sent_at", UtcDateTime(), nullable=True),
    Column("dead_at", UtcDateTime(), nullable=True),
    Column("replays", Integer, nullable=False),
    Index("outbox_due", "status", "next_attempt_at"),
)
o = outbox.c


class OutboxView(SqlView):
    metadata = metadata

    def create_tables(self) -> None:
        """Create what is missing; never drop: the outbox holds what was sent."""
        tracking_metadata.create_all(self.engine)
        self.metadata.create_all(self.engine)

    def install(self, application_name: str, head: int) -> None:
        """Start following the log at ``head`` if the outbox has no position yet."""
        insert = postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert
        with self.engine.begin() as conn:
            conn.execute(
                insert(tracking_table)
                .on_conflict_do_nothing()
                .values(
                    projection=self.projection_name,
                    application_name=application_name,
                    notification_id=head,
                )
            )

    def reset(self) -> None:
        raise NotImplementedError("the outbox is never emptied: it records what was sent")


CaseAt = Callable[[UUID, int | None], CaseSnapshot]  # None: the case as it stands now


class OutboxProjection(Projection[OutboxView]):
    name = "outbox"

    def __init__(
        self,
        view: OutboxView,
        *,
        case_at: CaseAt,
        jurisdiction: Jurisdiction,
        config: NotifyConfig,
    ) -> None:
        super().__init__(view)
        self.case_at = case_at
        self.jurisdiction = jurisdiction
        self.config = config

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self._apply([(domain_event, tracking)])

    def process_pages(
        self, pages: Iterable[Sequence[tuple[Any, Tracking]]], *, per_transaction: int
    ) -> int:
        """One transaction per page of the log: its deliveries and the position."""
        applied = 0
        for items in pages:
            self._apply(items)
            applied += len(items)
        return applied

    def deliveries(self, e: Any, position: int) -> list[Delivery]:
        rule = NOTICE_RULES.get(type(e).__name__)
        if rule is None:
            return []
        case = self.case_at(e.originator_id, e.originator_version)
        return rule(e, Context(case, self.jurisdiction, self.config, position, self.case_now))

    def case_now(self, case_id: str) -> CaseSnapshot | None:
        """Another case (one merged into the event's) as it stands; None if unknown."""
        try:
            return self.case_at(UUID(case_id), None)
        except (ValueError, CaseNotFound):
            return None

    def _apply(self, items: Sequence[tuple[Any, Tracking]]) -> None:
        if not items:
            return
        # Worked out before the transaction (a rule may read the case); written inside it
        # only for events after the position, which the transaction holds.
        found = [
            (tracking.notification_id, d)
            for e, tracking in items
            for d in self.deliveries(e, tracking.notification_id)
        ]
        with self.view.batch(items[-1][1]) as (conn, position):
            rows = [_row(d, at) for at, d in found if at > position]
            if rows:
                insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
                conn.execute(insert(outbox).on_conflict_do_nothing(), rows)


def _row(d: Delivery, position: int) -> dict[str, Any]:
    return {
        "delivery_id": d.delivery_id,
        "case_id": d.case_id,
        "notice_key": d.notice_key,
        "kind": d.kind,
        "endpoint_id": d.endpoint_id,
        "payload": json.dumps(d.payload, ensure_ascii=False, sort_keys=True),
        "position": position,
        "created_at": d.occurred_at,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": d.occurred_at,
        "lease_until": None,
        "last_error": None,
        "last_status": None,
        "sent_at": None,
        "dead_at": None,
        "replays": 0,
    }


@dataclass(frozen=True)
class OutboxRow:
    delivery_id: str
    case_id: str
    notice_key: str
    kind: str
    endpoint_id: str
    payload: dict[str, Any]
    position: int
    created_at: datetime
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    last_status: int | None
    sent_at: datetime | None
    dead_at: datetime | None
    replays: int

    @property
    def body(self) -> bytes:
        """The exact bytes sent (and signed)."""
        return json.dumps(self.payload, ensure_ascii=False, sort_keys=True).encode()


def _outbox_row(r: Any) -> OutboxRow:
    m = dict(r._mapping)
    m.pop("lease_until", None)
    m["payload"] = json.loads(m["payload"])
    return OutboxRow(**m)


class OutboxStore:
    """The sender's and the admins' side of the outbox."""

    def __init__(self, engine: Any, reader: Any = None) -> None:
        self.engine = engine
        self.reader = reader or engine

    def claim_due(self, now: datetime, lease: timedelta, limit: int = 50) -> list[OutboxRow]:
        """Pending deliveries due at ``now`` that no sender holds, oldest first, each
        leased to this sender until ``now + lease`` (another sender skips them; if this
        one dies, they are due again once the lease ends)."""
        free = or_(o.lease_until.is_(None), o.lease_until <= now)
        due = and_(o.status == "pending", o.next_attempt_at <= now, free)
        claimed = []
        with self.engine.begin() as conn:
            ids = conn.execute(
                select(o.delivery_id).where(due).order_by(o.position, o.delivery_id).limit(limit)
            ).scalars()
            for delivery_id in list(ids):
                taken = conn.execute(
                    update(outbox)
                    .where(o.delivery_id == delivery_id, due)
                    .values(lease_until=now + lease)
                )
                if taken.rowcount == 1:  # a racing sender may have taken it first
                    claimed.append(delivery_id)
            if not claimed:
                return []
            rows = conn.execute(select(outbox).where(o.delivery_id.in_(claimed)))
            found = {r.delivery_id: _outbox_row(r) for r in rows}
        return [found[i] for i in claimed]

    def mark_sent(self, delivery_id: str, now: datetime, status: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(outbox)
                .where(o.delivery_id == delivery_id, o.status == "pending")
                .values(
                    status="sent",
                    sent_at=now,
                    attempts=o.attempts + 1,
                    last_status=status,
                    last_error=None,
                    lease_until=None,
                )
            )

    def mark_failed(
        self,
        delivery_id: str,
        now: datetime,
        *,
        error: str,
        status: int | None,
        retry_at: datetime | None,
    ) -> None:
        """One more failed attempt: due again at ``retry_at``, or dead (None)."""
        values: dict[str, Any] = {
            "attempts": o.attempts + 1,
            "last_error": error[:500],
            "last_status": status,
            "lease_until": None,
        }
        if retry_at is None:
            values |= {"status": "dead", "dead_at": now}
        else:
            values["next_attempt_at"] = retry_at
        with self.engine.begin() as conn:
            conn.execute(
                update(outbox)
                .where(o.delivery_id == delivery_id, o.status == "pending")
                .values(**values)
            )

    def replay(self, delivery_id: str, now: datetime) -> OutboxRow:
        """Send a dead letter again, from its first attempt, under the same id (the
        receiver may have acted on it already and answered too late)."""
        with self.engine.begin() as conn:
            status = conn.execute(
                select(o.status).where(o.delivery_id == delivery_id)
            ).scalar_one_or_none()
            if status is None:
                raise DeliveryNotFound(delivery_id)
            if status != "dead":
                raise NotReplayable(delivery_id, status)
            conn.execute(
                update(outbox)
                .where(o.delivery_id == delivery_id, o.status == "dead")
                .values(
                    status="pending",
                    attempts=0,
                    next_attempt_at=now,
                    lease_until=None,
                    dead_at=None,
                    replays=o.replays + 1,
                )
            )
            row = conn.execute(select(outbox).where(o.delivery_id == delivery_id)).one()
        return _outbox_row(row)

    def get(self, delivery_id: str) -> OutboxRow:
        with self.reader.connect() as conn:
            row = conn.execute(select(outbox).where(o.delivery_id == delivery_id)).one_or_none()
        if row is None:
            raise DeliveryNotFound(delivery_id)
        return _outbox_row(row)

    def listed(self, status: str | None = None, limit: int = 200) -> list[OutboxRow]:
        """Newest first; ``status`` one of pending, sent, dead (None: all)."""
        query = select(outbox).order_by(o.position.desc(), o.delivery_id).limit(limit)
        if status is not None:
            query = query.where(o.status == status)
        with self.reader.connect() as conn:
            return [_outbox_row(r) for r in conn.execute(query)]

    def counts(self) -> dict[str, int]:
        with self.reader.connect() as conn:
            rows = conn.execute(select(o.status, func.count()).group_by(o.status))
            return {str(status): int(n) for status, n in rows}
