"""The funding rollup: pledged fen per cohort month, street, community and party kind,
and how many cases have pledges per cohort month, street and community — kept by the
ledger projection in the same transaction as the pledge rows.

The funding dashboard sums these instead of every pledge (and counts the funded cases
for its page of cases without a DISTINCT over them). Rows are recounted from the pledges
of each (month, street, community) a transaction touched, so they equal a rebuild's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import BigInteger, Column, Connection, Integer, String, Table, func, select, tuple_

from projections.ledger_tables import metadata, pledges
from projections.view import ViewTables

KEY = ("reported_month", "street_id", "community_id")
Key = tuple[str, str, str]

funding_counts = Table(
    "ledger_funding_counts",
    metadata,
    *(Column(k, String(64), primary_key=True) for k in KEY),
    Column("party_kind", String(32), primary_key=True),
    Column("amount_fen", BigInteger, nullable=False),
    Column("pledges", Integer, nullable=False),
)
funded_cases = Table(
    "ledger_funded_cases",
    metadata,
    *(Column(k, String(64), primary_key=True) for k in KEY),
    Column("cases", Integer, nullable=False),
)


def refresh(conn: Connection, tables: ViewTables, keys: Iterable[Key]) -> None:
    """Recount the rollup rows of ``keys`` from the pledge rows (counted ones only)."""
    wanted = sorted(set(keys))
    amounts, cases, p = tables[funding_counts], tables[funded_cases], tables[pledges].c
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        for table in (amounts, cases):
            conn.execute(table.delete().where(tuple_(*(table.c[k] for k in KEY)).in_(chunk)))
        _recount(conn, tables, tuple_(*(p[k] for k in KEY)).in_(chunk))


def recount_all(conn: Connection, tables: ViewTables) -> None:
    """Count every rollup row into empty tables (a rebuild's, after all its pledges):
    what ``refresh`` of every key gives, in two statements."""
    _recount(conn, tables)


def _recount(conn: Connection, tables: ViewTables, *where: Any) -> None:
    """Insert the counts of the (counted) pledges matching ``where``, one row per key."""
    amounts, cases, p = tables[funding_counts], tables[funded_cases], tables[pledges].c
    keys_ = [p[k] for k in KEY]
    counted = [p.counted.is_(True), *where]
    by_kind = (
        select(*keys_, p.party_kind, func.sum(p.amount_fen), func.count())
        .where(*counted)
        .group_by(*keys_, p.party_kind)
    )
    conn.execute(amounts.insert().from_select([*KEY, "party_kind", "amount_fen", "pledges"],
                                              by_kind))  # fmt: skip
    funded = select(*keys_, func.count(func.distinct(p.case_id))).where(*counted).group_by(*keys_)
    conn.execute(cases.insert().from_select([*KEY, "cases"], funded))


def touched_by_cases(conn: Connection, tables: ViewTables, case_ids: list[str]) -> set[Key]:
    """The rollup keys of every pledge of these cases (whose counting changed)."""
    p = tables[pledges].c
    query = select(*(p[k] for k in KEY)).where(p.case_id.in_(case_ids)).distinct()
    return {(r[0], r[1], r[2]) for r in conn.execute(query)}


def usable(needed: set[str]) -> bool:
    """Whether the rollup holds every column a question filters on."""
    return needed <= set(KEY)
