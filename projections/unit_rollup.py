"""The units' rollup: whistle accountability per unit, cohort month and street, kept by
the ledger projection in the same transaction as the summons rows.

The unit dashboard sums these few rows instead of every summons. What is not yet due
depends on the instant asked about, so it is counted when read (the waiting summonses, a
short range on their deadline index), as for the cases (due.py). The median delay stays
exact: the rollup gives how many report-ins each unit has, and the middle one (or two) is
read off the summons' (unit, delay) index at that position — no sort of all report-ins.

Rows are recounted from the summons of each (unit, month, street) a transaction touched
(a handful of rows each), so they equal a rebuild's by construction.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Integer,
    String,
    Table,
    and_,
    case,
    func,
    select,
    tuple_,
)

from projections.ledger_tables import metadata, summons
from projections.view import ViewTables

KEY = ("unit_id", "reported_month", "street_id")
COLUMNS = ("reported_month", "street_id")  # the period and scope columns it can answer for
SUMS = ("whistles", "reported_in", "on_time", "unanswered", "scores", "score_sum")
Key = tuple[str, str, str]

unit_counts = Table(
    "ledger_unit_counts",
    metadata,
    Column("unit_id", String(64), primary_key=True),
    Column("reported_month", String(7), primary_key=True),
    Column("street_id", String(64), primary_key=True),
    Column("whistles", Integer, nullable=False),
    Column("reported_in", Integer, nullable=False),
    Column("on_time", Integer, nullable=False),
    Column("unanswered", Integer, nullable=False),
    Column("scores", Integer, nullable=False),
    Column("score_sum", BigInteger, nullable=False),
)


def refresh(conn: Connection, tables: ViewTables, keys: Iterable[Key]) -> None:
    """Recount the rollup rows of ``keys`` from the summons rows (counted ones only)."""
    wanted = sorted(set(keys))
    table, s = tables[unit_counts], tables[summons].c
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        conn.execute(table.delete().where(tuple_(*(table.c[k] for k in KEY)).in_(chunk)))
        conn.execute(_recount(tables, tuple_(*(s[k] for k in KEY)).in_(chunk)))


def recount_all(conn: Connection, tables: ViewTables) -> None:
    """Count every rollup row into an empty table (a rebuild's, after all its summons):
    what ``refresh`` of every key gives, in one statement."""
    conn.execute(_recount(tables))


def _recount(tables: ViewTables, *where: Any) -> Any:
    """Insert the counts of the (counted) summons matching ``where``, one row per key."""
    s = tables[summons].c
    reported_in = s.reported_in_at.is_not(None)
    counted = (
        select(
            *(s[k] for k in KEY),
            func.count().label("whistles"),
            func.count(s.reported_in_at).label("reported_in"),
            _flag(and_(reported_in, s.late.is_(False))).label("on_time"),
            _flag(s.unanswered.is_(True)).label("unanswered"),
            func.count(s.score).label("scores"),
            func.coalesce(func.sum(s.score), 0).label("score_sum"),
        )
        .where(s.counted.is_(True), *where)
        .group_by(*(s[k] for k in KEY))
    )
    return tables[unit_counts].insert().from_select([*KEY, *SUMS], counted)


def touched_by_cases(conn: Connection, tables: ViewTables, case_ids: list[str]) -> set[Key]:
    """The rollup keys of every summons of these cases (whose counting changed)."""
    s = tables[summons].c
    query = select(*(s[k] for k in KEY)).where(s.case_id.in_(case_ids)).distinct()
    return {(r[0], r[1], r[2]) for r in conn.execute(query)}


def usable(needed: set[str]) -> bool:
    """Whether the rollup holds every column a question filters on."""
    return needed <= set(COLUMNS)


def summed() -> list[Any]:
    t = unit_counts.c
    return [func.coalesce(func.sum(t[n]), 0).label(n) for n in SUMS]


def _flag(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))
