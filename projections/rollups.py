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
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Column, Connection, Integer, String, Table, bindparam, func
from sqlalchemy.dialects import sqlite

from projections.ledger_tables import LIVE, metadata
from projections.measures import COUNT_NAMES, case_counts
from projections.view import ViewTables

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

    def write(self, conn: Connection, tables: ViewTables = LIVE) -> None:
        """Add the deltas to every rollup: on PostgreSQL in one statement (one round trip;
        the live projector pays this per event), on SQLite one upsert per rollup."""
        changed = sorted((k, v) for k, v in self.by_key.items() if any(v))
        if not changed:
            return
        sql = _statements(tables)
        if conn.dialect.name == "postgresql":
            arrays = zip(*(key + tuple(delta) for key, delta in changed), strict=True)
            conn.exec_driver_sql(sql.upsert_all, tuple(list(a) for a in arrays))
        else:
            for grain in GRAINS:
                rows = _rolled(changed, grain)
                if rows:
                    conn.execute(sql.upserts[grain], rows)
        # A case withdrawn or marked duplicate empties its key's rows: a rebuild would
        # not have them, so neither may the incremental tables.
        if any(delta[0] < 0 for _, delta in changed):
            for grain, columns in GRAINS.items():
                emptied = [
                    {c: row[c] for c in columns}
                    for row in _rolled(changed, grain)
                    if row["reported"] < 0
                ]
                if emptied:
                    conn.execute(sql.deletes[grain], emptied)

    def totals(self, grain: str) -> dict[Key, tuple[int, ...]]:
        """The summed counts at one grain, keyed by its columns' values (keys with
        nothing counted left out, as the tables leave them out)."""
        return {
            tuple(row[c] for c in GRAINS[grain]): tuple(row[n] for n in COUNT_NAMES)
            for row in _rolled(sorted(self.by_key.items()), grain)
        }


def _rolled(changed: list[tuple[Key, list[int]]], grain: str) -> list[dict[str, Any]]:
    """The finest deltas summed to one grain, as parameter rows."""
    columns = GRAINS[grain]
    index = [KEY.index(c) for c in columns]
    rolled: dict[Key, list[int]] = {}
    for key, delta in changed:
        total = rolled.setdefault(tuple(key[i] for i in index), [0] * len(COUNT_NAMES))
        for i, n in enumerate(delta):
            total[i] += n
    return [
        dict(zip(columns, k, strict=True)) | dict(zip(COUNT_NAMES, v, strict=True))
        for k, v in sorted(rolled.items())
        if any(v)
    ]


@dataclass(frozen=True)
class _Statements:
    upserts: dict[str, Any]
    deletes: dict[str, Any]
    upsert_all: str


@lru_cache(maxsize=8)
def _statements(tables: ViewTables) -> _Statements:
    """The write statements for one set of tables (the live ones, or a rebuild's)."""
    rollups = {grain: tables[live] for grain, live in TABLES.items()}
    return _Statements(
        upserts={grain: _upsert(rollups[grain], GRAINS[grain]) for grain in GRAINS},
        deletes={
            grain: table.delete().where(
                table.c.reported == 0, *(table.c[c] == bindparam(c) for c in GRAINS[grain])
            )
            for grain, table in rollups.items()
        },
        upsert_all=_upsert_all_sql(rollups),
    )


def _upsert(table: Table, columns: tuple[str, ...]) -> Any:
    stmt = sqlite.insert(table)
    return stmt.on_conflict_do_update(
        index_elements=list(columns),
        set_={n: table.c[n] + stmt.excluded[n] for n in COUNT_NAMES},
    )


def _upsert_all_sql(rollups: dict[str, Table]) -> str:
    """One PostgreSQL statement: the finest deltas as arrays, summed into every rollup."""
    names = [*KEY, *COUNT_NAMES]
    types = ["text"] * len(KEY) + ["int"] * len(COUNT_NAMES)
    unnest = ", ".join(f"%s::{t}[]" for t in types)
    parts = []
    for grain, columns in GRAINS.items():
        table, keys = rollups[grain].name, ", ".join(columns)
        sums = ", ".join(f"sum({n})" for n in COUNT_NAMES)
        adds = ", ".join(f"{n} = {table}.{n} + excluded.{n}" for n in COUNT_NAMES)
        parts.append(
            f"INSERT INTO {table} ({keys}, {', '.join(COUNT_NAMES)}) "
            f"SELECT {keys}, {sums} FROM d GROUP BY {keys} "
            f"ON CONFLICT ({keys}) DO UPDATE SET {adds}"
        )
    ctes = ", ".join(f"g{i} AS ({sql})" for i, sql in enumerate(parts[:-1]))
    return f"WITH d ({', '.join(names)}) AS (SELECT * FROM unnest({unnest})), {ctes} {parts[-1]}"


@lru_cache(maxsize=32)
def summed(table: Table) -> tuple[Any, ...]:
    """SUM of every count column of a rollup, labelled like COUNT_COLUMNS (built once per
    table: expressions are immutable, and building them is a fair part of a fresh answer)."""
    return tuple(func.coalesce(func.sum(table.c[n]), 0).label(n) for n in COUNT_NAMES)
