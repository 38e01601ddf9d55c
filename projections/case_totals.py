"""How many cases the ledger lists, per place and status (withdrawn and duplicates too:
the ledger lists every case), kept by the ledger projection in the same transaction as
the case rows. ``/ledger`` counts its total from these few rows instead of every case row
when its filters are places and a status only (no dates, no keywords).

Each changed case moves its one count from its stored (place, status) to its new one.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from sqlalchemy import Column, Connection, Integer, String, Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite

from projections.ledger_tables import metadata
from projections.view import ViewTables

KEY = ("street_id", "community_id", "grid_id", "status")
Key = tuple[str, ...]

case_totals = Table(
    "ledger_case_totals",
    metadata,
    *(Column(k, String(64), primary_key=True) for k in KEY),
    Column("cases", Integer, nullable=False),
)


def listed(row: Mapping[str, Any]) -> Key:
    """Where a case row is counted."""
    return tuple(row[k] for k in KEY)


def write(conn: Connection, tables: ViewTables, moves: list[tuple[Key | None, Key]]) -> None:
    """Add each case's move (from its stored key, None if new, to its key now)."""
    delta: dict[Key, int] = {}
    for before, after in moves:
        if before == after:
            continue
        if before is not None:
            delta[before] = delta.get(before, 0) - 1
        delta[after] = delta.get(after, 0) + 1
    changed: list[dict[str, Any]] = [
        dict(zip(KEY, k, strict=True)) | {"n": n} for k, n in sorted(delta.items()) if n
    ]
    if not changed:
        return
    upsert, delete = _statements(tables, conn.dialect.name)
    conn.execute(upsert, changed)
    emptied = [row for row in changed if row["n"] < 0]
    if emptied:
        conn.execute(delete, [{f"k_{k}": row[k] for k in KEY} for row in emptied])


@lru_cache(maxsize=8)
def _statements(tables: ViewTables, dialect: str) -> tuple[Any, Any]:
    """The upsert of the counts and the delete of emptied rows, built once per tables."""
    table = tables[case_totals]
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(table)
    upsert = insert.values({**{k: bindparam(k) for k in KEY}, "cases": bindparam("n")})
    return (
        upsert.on_conflict_do_update(
            index_elements=list(KEY), set_={"cases": table.c.cases + upsert.excluded.cases}
        ),
        table.delete().where(table.c.cases == 0, *(table.c[k] == bindparam(f"k_{k}") for k in KEY)),
    )
