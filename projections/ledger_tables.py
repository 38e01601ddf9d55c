"""The ledger's tables: one row per case, who was summoned, who is involved, pledges."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)

from domain.values import Status
from infrastructure.sql_types import UtcDateTime
from projections.view import live_tables

OPEN_STATUSES = (Status.REPORTED.value, Status.IN_PROGRESS.value)
# Literal SQL, the same in the partial indexes and the queries using them: PostgreSQL can
# only prove a prepared statement's WHERE implies an index predicate from constants.
IS_OPEN = text("status IN ({})".format(", ".join(f"'{s}'" for s in OPEN_STATUSES)))
LEFT_GRID = text("level <> 'grid'")
UNANSWERED = text("reported_in_at IS NULL")
REPORTED_IN = text("delay_us IS NOT NULL")
metadata = MetaData()
LIVE = live_tables(metadata)  # the tables readers query (a rebuild fills a fresh copy)
CASE_PLACE = ("reported_month", "street_id", "community_id", "grid_id", "category_id")


def _case_place() -> list[Column[Any]]:
    """A case's cohort and place (fixed once reported) and whether it counts (not withdrawn
    or a duplicate), copied onto summons and pledge rows so their dashboards need no join."""
    return [
        Column("reported_month", String(7), nullable=False),
        *(Column(name, String(64), nullable=False) for name in CASE_PLACE[1:]),
        Column("counted", Boolean, nullable=False),
    ]


cases = Table(
    "ledger_cases",
    metadata,
    Column("case_id", String(36), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False, default=""),  # for keyword search (case_search.py)
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
    Column("reported_role", String(32)),  # a portal's reports publish their text (Open311)
    Column("lat", Float),  # where the problem is on the ground (WGS-84), if given
    Column("long", Float),
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
    Column("duplicate_of", String(36)),  # 合并到 / 重复于: the original case
    Column("callers", Integer, nullable=False, default=1),  # 来电人数: reports merged in, +1
    # 12345: the platform's order id; ``resolution_due`` is the deadline that counts (an
    # approved 延期 moves it), this one the deadline before the first approved 延期.
    Column("work_order_id", String(64)),
    Column("original_resolution_due", UtcDateTime()),
    Index("ledger_cases_place", "street_id", "community_id", "grid_id"),
    # Likely duplicates (case_duplicates.py): one grid and category, a window of time.
    Index("ledger_cases_grid_category", "grid_id", "category_id", "reported_at"),
    Index("ledger_cases_reported", "reported_at"),
    Index("ledger_cases_month", "reported_month", "street_id"),
    # The open cases pulling each place down, and the cases that left each grid, are
    # listed per key, oldest/newest first: small partial indexes make that a short walk.
    *(
        Index(
            f"ledger_cases_open_{column}",
            column,
            "reported_at",
            postgresql_where=IS_OPEN,
            sqlite_where=IS_OPEN,
        )
        for column in ("street_id", "community_id", "grid_id", "category_id")
    ),
    # 在办未到期: the open cases whose deadline is still ahead (due.py), a range per deadline.
    *(
        Index(
            f"ledger_cases_open_{column}",
            column,
            postgresql_where=IS_OPEN,
            sqlite_where=IS_OPEN,
        )
        for column in ("resolution_due", "response_due")
    ),
    Index("ledger_cases_last_event", "last_event_at"),  # the latest event the view holds
    Index("ledger_cases_work_order", "work_order_id", unique=True),
    # Keyword search (case_search.py): trigram indexes on PostgreSQL.
    *(
        Index(
            f"ledger_cases_{column}_trgm",
            column,
            postgresql_using="gin",
            postgresql_ops={column: "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql")
        for column in ("title", "description")
    ),
    Index(
        "ledger_cases_left_grid",
        "grid_id",
        "reported_at",
        postgresql_where=LEFT_GRID,
        sqlite_where=LEFT_GRID,
    ),
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
    # 未报到: the case was resolved while this unit had not reported in (CaseResolved v2).
    Column("unanswered", Boolean, nullable=False, default=False),
    # report-in minus whistle, in exact microseconds: the units' median walks an index of it
    Column("delay_us", BigInteger),
    *_case_place(),
    # a unit's summons by cohort and street: what its rollup rows are recounted from
    Index("ledger_summons_unit", "unit_id", "reported_month", "street_id"),
    # the median delay: the middle of a unit's report-ins, read off this index in order
    Index(
        "ledger_summons_delay",
        "unit_id",
        "delay_us",
        postgresql_where=REPORTED_IN,
        sqlite_where=REPORTED_IN,
        postgresql_include=["counted", "reported_month", "street_id"],
    ),
    Index("ledger_summons_month", "reported_month"),
    Index(
        "ledger_summons_unanswered",
        "deadline",
        postgresql_where=UNANSWERED,
        sqlite_where=UNANSWERED,
    ),
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
    Column("party_kind", String(32), nullable=False),
    Column("party_name", String(200), nullable=False),
    Column("unit_id", String(64)),
    Column("amount_fen", BigInteger, nullable=False),
    Column("pledged_at", UtcDateTime(), nullable=False),
    *_case_place(),
    Index("ledger_pledges_community", "community_id", "party_kind"),
)
