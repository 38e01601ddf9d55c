"""A rebuild into fresh tables, swapped in atomically (``chuishao projections rebuild``).

Emptying the live tables and catching up would show readers an empty, then a
half-built view for as long as the rebuild runs (``/cases`` answered ``total: 0``).
Instead the view's tables are created again under temporary names and caught up from
the log by the bulk path every projector uses, with a position of their own. Then one
transaction drops the old tables, renames the fresh ones (and their indexes) to the live
names and moves the view's position to where the fresh tables are: readers see the old
view until that commit and the whole new one after it. The view's build number goes up
with the swap, so answers kept for the old tables are not served again even when the
position is the same. If anything fails before the commit, the fresh tables are dropped
and the old view stays live.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError

from application.service import CaseService
from projections.runner import ANALYZE_AFTER, Projector
from projections.view import SqlView, builds_table, tracking_table

SUFFIX = "__rebuild"  # appears in no live table or index name
# The swap first asks for every live table at once without waiting (NOWAIT), between
# readers' transactions, for up to SWAP_NOWAIT_SECONDS; only then does it queue for them.
# A swap that waited while holding some tables would deadlock a reader that holds another
# and reads on (``/cases`` reads its total, then its rows), and PostgreSQL may pick the
# reader as the victim: a 503 to a person who only looked.
SWAP_NOWAIT_SECONDS = 30.0
# When it does queue, it gives way before PostgreSQL's deadlock check (1 s by default)
# would fire in a reader that started waiting after it.
SWAP_LOCK_TIMEOUT_MS = 400
SWAP_ATTEMPTS = 5


class RebuildRunning(Exception):
    """Another rebuild of the same view is under way."""


def rebuild(projector: Projector, progress: Callable[[int], None] | None = None) -> int:
    """Rebuild every view of the projector from the log; returns the events applied."""
    return sum(_rebuild(projector.service, p, progress) for p in projector.projections)


def _rebuild(service: CaseService, projection: Any, progress: Callable[[int], None] | None) -> int:
    live: SqlView = projection.view
    fresh = fresh_view(live)
    with _only_rebuild(live):
        _drop(fresh)  # left behind by a rebuild that was killed
        fresh.tables.metadata.create_all(live.engine)
        try:
            builder = Projector(service, [projection.for_view(fresh)])
            applied = builder.catch_up(progress)
            applied += builder.catch_up()  # what was appended meanwhile: a short step
            _swap(live, fresh, service.name)
        except BaseException:
            _drop(fresh)
            raise
    if applied >= ANALYZE_AFTER:
        live.analyze()
    return applied


def fresh_view(live: SqlView) -> SqlView:
    """The view over a fresh copy of the live view's tables, with a position of its own."""
    return type(live)(
        live.engine,
        live.projection_name + SUFFIX,
        live.reader,
        # SQLite cannot rename an index: there the fresh tables get theirs at the swap
        tables=live.tables.fresh(SUFFIX, indexes=_is_postgres(live.engine)),
    )


def swap(live: SqlView, fresh: SqlView, application_name: str) -> None:
    """Swap a caught-up fresh view in for the live one (see ``_swap``)."""
    _swap(live, fresh, application_name)


def _swap(live: SqlView, fresh: SqlView, application_name: str) -> None:
    """Drop the old tables and rename the fresh ones, position and build with them, in
    one transaction. On PostgreSQL the swap waits at most a moment for readers holding
    the old tables, then gives way and tries again (never deadlocking a reader)."""
    if not _is_postgres(live.engine):  # SQLite: BEGIN IMMEDIATE holds the whole file
        with live.engine.begin() as conn:
            _swap_in(conn, live, fresh, application_name, wait=True)
        return
    deadline = time.monotonic() + SWAP_NOWAIT_SECONDS
    while time.monotonic() < deadline:
        try:
            with live.engine.begin() as conn:
                _swap_in(conn, live, fresh, application_name, wait=False)
            return
        except OperationalError:  # a reader had a table: try again between readers
            time.sleep(random.uniform(0.005, 0.05))
    for attempt in range(1, SWAP_ATTEMPTS + 1):
        try:
            with live.engine.begin() as conn:
                _swap_in(conn, live, fresh, application_name, wait=True)
            return
        except OperationalError:
            if attempt == SWAP_ATTEMPTS:
                raise
            time.sleep(0.2 * attempt)


def _swap_in(
    conn: Connection, live: SqlView, fresh: SqlView, application_name: str, *, wait: bool
) -> None:
    postgres = conn.dialect.name == "postgresql"
    if postgres:
        conn.exec_driver_sql(f"SET LOCAL lock_timeout = {SWAP_LOCK_TIMEOUT_MS}")
    # Wait for, then block, any projector of the live view (SQLite: this transaction
    # already holds the database's write lock).
    _position(conn, live.projection_name, application_name, lock=True)
    position = _position(conn, fresh.projection_name, application_name, lock=False)
    names = fresh.tables.live_names
    if postgres:  # every live table at once, before the first is dropped
        existing = [n for n in names if _exists(conn, n)]
        if existing:
            listed = ", ".join(f'"{n}"' for n in existing)
            nowait = "" if wait else " NOWAIT"
            conn.exec_driver_sql(f"LOCK TABLE {listed} IN ACCESS EXCLUSIVE MODE{nowait}")
    for name in reversed(names):
        conn.exec_driver_sql(f'DROP TABLE IF EXISTS "{name}"')
    for name in names:
        conn.exec_driver_sql(f'ALTER TABLE "{name}{SUFFIX}" RENAME TO "{name}"')
    if postgres:  # index (and primary key) names are schema-wide: take the live ones
        indexes = conn.execute(
            text(
                "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
                "AND strpos(indexname, :suffix) > 0 AND tablename = ANY(:tables)"
            ),
            {"suffix": SUFFIX, "tables": names},
        ).scalars()
        for index in list(indexes):
            live_name = index.replace(SUFFIX, "")
            conn.exec_driver_sql(f'ALTER INDEX "{index}" RENAME TO "{live_name}"')
    else:
        for table in live.tables.metadata.sorted_tables:
            for index in table.indexes:
                index.create(conn)
    live.swapped_in(conn)
    _set_position(conn, live.projection_name, application_name, position)
    conn.execute(
        tracking_table.delete().where(tracking_table.c.projection == fresh.projection_name)
    )
    insert = postgresql.insert if postgres else sqlite.insert
    bump = insert(builds_table).values(projection=live.projection_name, build=1)
    conn.execute(
        bump.on_conflict_do_update(
            index_elements=[builds_table.c.projection],
            set_={"build": builds_table.c.build + 1},
        )
    )


def _position(conn: Connection, projection: str, application_name: str, *, lock: bool) -> int:
    query = select(tracking_table.c.notification_id).where(
        tracking_table.c.projection == projection,
        tracking_table.c.application_name == application_name,
    )
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return int(conn.execute(query).scalar_one_or_none() or 0)


def _set_position(conn: Connection, projection: str, application_name: str, at: int) -> None:
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    row = insert(tracking_table).values(
        projection=projection, application_name=application_name, notification_id=at
    )
    conn.execute(
        row.on_conflict_do_update(
            index_elements=[tracking_table.c.projection, tracking_table.c.application_name],
            set_={"notification_id": at},
        )
    )


def _drop(fresh: SqlView) -> None:
    """Remove a rebuild's tables and position (the live view is not touched)."""
    fresh.tables.metadata.drop_all(fresh.engine)
    with fresh.engine.begin() as conn:
        conn.execute(
            tracking_table.delete().where(tracking_table.c.projection == fresh.projection_name)
        )


@contextmanager
def _only_rebuild(live: SqlView) -> Iterator[None]:
    """On PostgreSQL, refuse a second rebuild of the view while one runs (they would
    share the fresh tables). SQLite serialises writers; one rebuild at a time is for
    the operator to keep there."""
    if not _is_postgres(live.engine):
        yield
        return
    # Per schema: advisory locks are database-wide, and two schemas (two deployments, or
    # two tests) rebuilding their own views must not refuse each other.
    key = func.hashtext(
        func.concat(func.current_schema(), f" chuishao rebuild {live.projection_name}")
    )
    with live.engine.connect() as conn:
        if not conn.execute(select(func.pg_try_advisory_lock(key))).scalar_one():
            raise RebuildRunning(f"a rebuild of {live.projection_name} is already running")
        conn.commit()
        try:
            yield
        finally:
            conn.execute(select(func.pg_advisory_unlock(key)))
            conn.commit()


def _exists(conn: Connection, name: str) -> bool:
    found = conn.execute(text("SELECT to_regclass(:name)"), {"name": f'"{name}"'}).scalar()
    return found is not None


def _is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"
