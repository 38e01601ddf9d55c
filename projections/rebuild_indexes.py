"""A rebuild's indexes, built after the load by several connections at once.

The fresh tables are loaded without indexes (one build each afterwards is cheaper than
keeping them row by row). The builds are the server's work alone; one after another on
one connection they used a single core while the rebuild process waited, about a sixth
of a small rebuild's time. Here ``BUILDERS`` connections take the indexes from one queue,
the slowest (GIN: the trigram indexes) first, while the caller writes the rollups on its
own connection. Only the tables the slices load have indexes, so the builders (a SHARE
lock on the table they index) and the rollup writes never wait for each other.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from sqlalchemy import Engine, Index

from projections.case_search import ensure_trigram_extension
from projections.view import ViewTables

BUILDERS = 2  # connections building at once (the machine this was measured on: 2 cores)


def start_index_builds(
    pool: ThreadPoolExecutor, engine: Engine, tables: ViewTables
) -> list[Future[None]]:
    """Start building every index of ``tables`` (PostgreSQL; SQLite's fresh tables have
    none, the swap creates them); each builder commits its own. Wait for the futures
    before the fresh view's position is set."""
    indexes = [index for table in tables.metadata.sorted_tables for index in table.indexes]
    if not indexes or engine.dialect.name != "postgresql":
        return []
    todo = deque(sorted(indexes, key=_cost, reverse=True))
    return [pool.submit(_builder, engine, todo) for _ in range(min(BUILDERS, len(todo)))]


def _builder(engine: Engine, todo: deque[Index]) -> None:
    with engine.begin() as conn:
        ensure_trigram_extension(conn)  # the trigram indexes' operator class
        while True:
            try:
                index = todo.popleft()  # atomic: each index is taken once
            except IndexError:
                return
            index.create(conn)


def _cost(index: Index) -> int:
    """A guess of how long the index takes to build: GIN far longer than a B-tree."""
    using: Any = index.dialect_options["postgresql"].get("using")
    return 1 if using == "gin" else 0
