"""The ledger's tables: one row per case, who was summoned, who is involved, pledges."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, MetaData, String, Table

from projections.types import UtcDateTime

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
