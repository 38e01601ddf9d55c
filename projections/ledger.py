"""The case ledger (社情民意台账): one row per case, plus who was summoned, for lists and inboxes."""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any
from zoneinfo import ZoneInfo

from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    func,
    literal,
    select,
)
from sqlalchemy import (
    case as sql_case,
)

from domain import events as ev
from domain.values import Status
from projections.types import UtcDateTime
from projections.view import SqlView

CST = ZoneInfo("Asia/Shanghai")
metadata = MetaData()
cases = Table(
    "ledger_cases",
    metadata,
    Column("case_id", String(36), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("title", String(200), nullable=False),
    Column("category_id", String(64), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("urgency", String(32), nullable=False),
    Column("district_id", String(64), nullable=False),
    Column("street_id", String(64), nullable=False),
    Column("community_id", String(64), nullable=False),
    Column("grid_id", String(64), nullable=False),
    Column("status", String(32), nullable=False),
    Column("level", String(32), nullable=False),
    Column("round", Integer, nullable=False),
    Column("reported_by", String(64), nullable=False),
    Column("reported_at", UtcDateTime(), nullable=False),
    Column("reported_month", String(7), nullable=False),  # YYYY-MM in Beijing time: the cohort
    Column("response_due", UtcDateTime(), nullable=False),
    Column("resolution_due", UtcDateTime(), nullable=False),
    Column("first_response_at", UtcDateTime()),
    Column("first_resolved_at", UtcDateTime()),
    Column("resolved_at", UtcDateTime()),
    Column("resolved_level", String(32)),
    Column("closed_at", UtcDateTime()),
    Column("whistles", Integer, nullable=False, default=0),
    Column("pledged_fen", BigInteger, nullable=False, default=0),
    Column("solved", String(32)),
    Column("satisfaction", String(32)),
    Column("reopened", Integer, nullable=False, default=0),
    Column("last_event_at", UtcDateTime(), nullable=False),
    Index("ledger_cases_place", "street_id", "community_id", "grid_id"),
    Index("ledger_cases_reported", "reported_at"),
    Index("ledger_cases_month", "reported_month", "street_id"),
)
summons = Table(
    "ledger_summons",
    metadata,
    Column("case_id", String(36), primary_key=True),
    Column("whistle_id", String(16), primary_key=True),
    Column("unit_id", String(64), primary_key=True),
    Column("level", String(32), nullable=False),
    Column("blown_at", UtcDateTime(), nullable=False),
    Column("deadline", UtcDateTime(), nullable=False),
    Column("reported_in_at", UtcDateTime()),
    Column("late", Boolean),
    Column("score", Integer),
    Index("ledger_summons_unit", "unit_id"),
)
case_units = Table(  # every unit a case involves (summoned or pledging): liaisons' read scope
    "ledger_case_units",
    metadata,
    Column("case_id", String(36), primary_key=True),
    Column("unit_id", String(64), primary_key=True),
    Index("ledger_case_units_unit", "unit_id"),
)


pledges = Table(
    "ledger_pledges",
    metadata,
    Column("case_id", String(36), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("community_id", String(64), nullable=False),
    Column("street_id", String(64), nullable=False),
    Column("party_kind", String(32), nullable=False),
    Column("party_name", String(200), nullable=False),
    Column("unit_id", String(64)),
    Column("amount_fen", BigInteger, nullable=False),
    Column("pledged_at", UtcDateTime(), nullable=False),
    Index("ledger_pledges_community", "community_id", "party_kind"),
)


class LedgerView(SqlView):
    metadata = metadata


class CaseLedger(Projection[LedgerView]):
    name = "ledger"

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        with self.view.transaction(tracking) as conn:
            if conn is not None:
                apply(domain_event, conn)


def _touch(conn: Connection, e: Any, **values: Any) -> None:
    conn.execute(
        cases.update()
        .where(cases.c.case_id == str(e.originator_id))
        .values(version=e.originator_version, last_event_at=e.timestamp, **values)
    )


def _involve(conn: Connection, case_id: str, unit_id: str) -> None:
    exists = conn.execute(
        select(literal(1)).where(case_units.c.case_id == case_id, case_units.c.unit_id == unit_id)
    ).first()
    if exists is None:
        conn.execute(case_units.insert().values(case_id=case_id, unit_id=unit_id))


def apply(e: Any, conn: Connection) -> None:
    """Apply one event to the ledger tables (inside the caller's transaction)."""
    case_id = str(e.originator_id)
    match e:
        case ev.CaseReported():
            conn.execute(
                cases.insert().values(
                    case_id=case_id,
                    version=e.originator_version,
                    title=e.title,
                    category_id=e.category_id,
                    channel=e.channel,
                    urgency=e.urgency,
                    district_id=e.district_id,
                    street_id=e.street_id,
                    community_id=e.community_id,
                    grid_id=e.grid_id,
                    status=Status.REPORTED.value,
                    level="grid",
                    round=1,
                    reported_by=e.actor_id,
                    reported_at=e.timestamp,
                    reported_month=e.timestamp.astimezone(CST).strftime("%Y-%m"),
                    response_due=e.response_due,
                    resolution_due=e.resolution_due,
                    whistles=0,
                    pledged_fen=0,
                    reopened=0,
                    last_event_at=e.timestamp,
                )
            )
        case ev.ProgressNoted():
            _touch(
                conn,
                e,
                first_response_at=_first(cases.c.first_response_at, e),
                status=_status_if_reported(Status.IN_PROGRESS),
            )
        case ev.CaseEscalated():
            _touch(
                conn,
                e,
                level=e.to_level,
                status=Status.IN_PROGRESS.value,
                first_response_at=_first(cases.c.first_response_at, e),
            )
        case ev.WhistleBlown():
            _touch(
                conn,
                e,
                whistles=cases.c.whistles + 1,
                status=Status.IN_PROGRESS.value,
                first_response_at=_first(cases.c.first_response_at, e),
            )
            for unit_id in e.unit_ids:
                conn.execute(
                    summons.insert().values(
                        case_id=case_id,
                        whistle_id=e.whistle_id,
                        unit_id=unit_id,
                        level=e.level,
                        blown_at=e.timestamp,
                        deadline=e.report_in_deadline,
                    )
                )
                _involve(conn, case_id, unit_id)
        case ev.UnitReportedIn():
            _touch(conn, e)
            conn.execute(
                summons.update()
                .where(
                    summons.c.case_id == case_id,
                    summons.c.whistle_id == e.whistle_id,
                    summons.c.unit_id == e.unit_id,
                )
                .values(reported_in_at=e.timestamp, late=e.late)
            )
        case ev.FundingPledged():
            _touch(conn, e, pledged_fen=cases.c.pledged_fen + e.amount_fen)
            place = conn.execute(
                select(cases.c.community_id, cases.c.street_id).where(cases.c.case_id == case_id)
            ).one()
            conn.execute(
                pledges.insert().values(
                    case_id=case_id,
                    version=e.originator_version,
                    community_id=place[0],
                    street_id=place[1],
                    party_kind=e.party_kind,
                    party_name=e.party_name,
                    unit_id=e.unit_id,
                    amount_fen=e.amount_fen,
                    pledged_at=e.timestamp,
                )
            )
            if e.unit_id:
                _involve(conn, case_id, e.unit_id)
        case ev.CaseResolved():
            _touch(
                conn,
                e,
                status=Status.RESOLVED.value,
                resolved_at=e.timestamp,
                resolved_level=e.level,
                first_resolved_at=_first(cases.c.first_resolved_at, e),
                first_response_at=_first(cases.c.first_response_at, e),
            )
        case ev.CaseEvaluated():
            _touch(
                conn, e, status=Status.EVALUATED.value, solved=e.solved, satisfaction=e.satisfaction
            )
        case ev.UnitEvaluated():
            _touch(conn, e)
            conn.execute(
                summons.update()
                .where(
                    summons.c.case_id == case_id,
                    summons.c.whistle_id == e.whistle_id,
                    summons.c.unit_id == e.unit_id,
                )
                .values(score=e.score)
            )
        case ev.CaseReopened():
            _touch(
                conn,
                e,
                status=Status.IN_PROGRESS.value,
                round=e.round,
                reopened=cases.c.reopened + 1,
                resolved_at=None,
                resolved_level=None,
            )
        case ev.CaseClosed():
            _touch(conn, e, status=Status.CLOSED.value, closed_at=e.timestamp)
        case ev.CaseWithdrawn():
            _touch(conn, e, status=Status.WITHDRAWN.value)
        case ev.CaseMarkedDuplicate():
            _touch(conn, e, status=Status.DUPLICATE.value)


def _first(column: Any, e: Any) -> Any:
    return func.coalesce(column, literal(e.timestamp, UtcDateTime()))


def _status_if_reported(new: Status) -> Any:
    return sql_case((cases.c.status == Status.REPORTED.value, new.value), else_=cases.c.status)
