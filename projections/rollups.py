"""Pre-aggregated counts, kept by the ledger projection in the same transaction as its rows.

Dashboards must answer in milliseconds at a whole district's size, which a scan of one
row per case cannot do. So every count of ``measures.COUNT_COLUMNS`` is also kept per
(month, street, community, grid, category) and at coarser grains; the projection adds
each changed case's new contribution and subtracts its old one. A query then sums the
smallest rollup that holds every column it groups or filters by (``pick``).
Like every view, the rollups are rebuilt from the event log, never edited by hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Column, Connection, Integer, String, Table, bindparam, func
from sqlalchemy.dialects import postgresql, sqlite

from projections.ledger_tables import metadata
from projections.measures import COUNT_NAMES, case_counts

KEY = ("reported_month", "street_id", "community_id", "grid_id", "category_id")
# Smallest first: a query uses the first one that has every column it needs.
GRAINS = {
    "street": ("reported_month", "street_id"),
    "street_category": ("reported_month", "street_id", "category_id"),
    "grid": ("reported_month", "street_id", "community_id", "grid_id"),
    "grid_category": KEY,
}
Key = tuple[str, ...]
Contribution = tuple[Key, tuple[int, ...]]


def _table(grain: str, columns: tuple[str, ...]) -> Table:
    return Table(
        f"ledger_counts_{grain}",
        metadata,
        *(Column(name, String(64), primary_key=True) for name in columns),
        *(Column(name, Integer, nullable=False, default=0) for name in COUNT_NAMES),
    )


TABLES = {grain: _table(grain, columns) for grain, columns in GRAINS.items()}


def pick(needed: Iterable[str]) -> Table:
    """The smallest rollup that has every column in ``needed``."""
    wanted = set(needed)
    for grain, columns in GRAINS.items():
        if wanted <= set(columns):
            return TABLES[grain]
    raise ValueError(f"no rollup has the columns {sorted(wanted)}")


def contribution(row: Mapping[str, Any]) -> Contribution | None:
    """A ledger row's key and counts, or None if it counts nowhere."""
    counts = case_counts(row)
    if counts is None:
        return None
    return tuple(row[k] for k in KEY), counts


class Deltas:
    """The net change one batch makes to the counts, per finest key."""

    def __init__(self) -> None:
        self.by_key: dict[Key, list[int]] = {}

    def add(self, c: Contribution | None, sign: int) -> None:
        if c is None:
            return
        key, counts = c
        total = self.by_key.get(key)
        if total is None:
            total = self.by_key[key] = [0] * len(COUNT_NAMES)
        for i, n in enumerate(counts):
            total[i] += sign * n

    def change(self, before: Contribution | None, after: Contribution | None) -> None:
        if before != after:
            self.add(before, -1)
            self.add(after, 1)

    def write(self, conn: Connection) -> None:
        """Add the deltas to every rollup (one upsert statement per rollup)."""
        changed = {k: v for k, v in self.by_key.items() if any(v)}
        if not changed:
            return
        insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        for grain, columns in GRAINS.items():
            index = [KEY.index(c) for c in columns]
            rolled: dict[Key, list[int]] = {}
            for key, delta in changed.items():
                coarse = tuple(key[i] for i in index)
                total = rolled.setdefault(coarse, [0] * len(COUNT_NAMES))
                for i, n in enumerate(delta):
                    total[i] += n
            table = TABLES[grain]
            stmt = insert(table)
            stmt = stmt.on_conflict_do_update(
                index_elements=list(columns),
                set_={n: table.c[n] + stmt.excluded[n] for n in COUNT_NAMES},
            )
            rows = [
                dict(zip(columns, k, strict=True)) | dict(zip(COUNT_NAMES, v, strict=True))
                for k, v in sorted(rolled.items())
                if any(v)
            ]
            if rows:
                conn.execute(stmt, rows)
            # A case withdrawn or marked duplicate leaves its key; a rebuild would not
            # have the emptied row, so neither may the incremental tables.
            emptied = [dict(zip(columns, k, strict=True)) for k, v in rolled.items() if v[0] < 0]
            if emptied:
                conn.execute(
                    table.delete().where(
                        table.c.reported == 0, *(table.c[c] == bindparam(c) for c in columns)
                    ),
                    emptied,
                )


def summed(table: Table) -> list[Any]:
    """SUM of every count column of a rollup, labelled like COUNT_COLUMNS."""
    return [func.coalesce(func.sum(table.c[n]), 0).label(n) for n in COUNT_NAMES]
