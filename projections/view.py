"""A SQL materialised view that records its position in the same transaction as its rows.

It implements the library's ``TrackingRecorder``, so the library's projection
runner (PostgreSQL) and our polling runner (SQLite) drive the same view code.
Processing an event that is already tracked does nothing: each event is applied
exactly once, across restarts and crashes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from functools import cache, cached_property

from eventsourcing.persistence import Tracking, TrackingRecorder
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    Update,
    bindparam,
    func,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import quoted_name

from infrastructure.sql import AutocommitReads
from projections.pipeline import (
    NOT_QUEUED,
    commit_in_one_trip,
    fetch_queued,
    reads_follow,
    take_queue_wish,
    writes_follow,
)

tracking_metadata = MetaData()
tracking_table = Table(
    "chuishao_projection_tracking",
    tracking_metadata,
    Column("projection", String(64), primary_key=True),
    Column("application_name", String(64), primary_key=True),
    Column("notification_id", BigInteger, nullable=False),
)
versions_table = Table(  # which shape of its tables each view was built with
    "chuishao_view_versions",
    tracking_metadata,
    Column("projection", String(64), primary_key=True),
    Column("version", Integer, nullable=False),
)
builds_table = Table(  # how many times a rebuild swapped fresh tables in (0: never)
    "chuishao_view_builds",
    tracking_metadata,
    Column("projection", String(64), primary_key=True),
    Column("build", Integer, nullable=False),
)


@dataclass(frozen=True, eq=False)
class ViewTables:
    """A view's tables: the live ones, or a fresh copy (same columns, every name ending in
    ``suffix``) that a rebuild fills before swapping it in. Writers look their tables up
    here by the live table, so one code path fills either."""

    metadata: MetaData
    suffix: str = ""

    def __getitem__(self, live: Table) -> Table:
        return self.metadata.tables[live.name + self.suffix]

    def fresh(self, suffix: str, *, indexes: bool) -> ViewTables:
        """A copy under new names. Index names are schema-wide (PostgreSQL) or file-wide
        (SQLite), so they get the suffix too, or are left out (``indexes=False``)."""
        copy = MetaData()
        for table in self.metadata.sorted_tables:
            fresh = table.to_metadata(copy, name=table.name + suffix)
            for index in list(fresh.indexes):
                if indexes:
                    index.name = quoted_name(f"{index.name}{suffix}", None)
                else:
                    fresh.indexes.discard(index)
        return ViewTables(copy, suffix)

    @cached_property
    def live_names(self) -> list[str]:
        """The live name of each table, dependencies first."""
        return [t.name.removesuffix(self.suffix) for t in self.metadata.sorted_tables]


@cache
def live_tables(metadata: MetaData) -> ViewTables:
    """The one ViewTables of a view's live tables (write statements are cached per
    ViewTables)."""
    return ViewTables(metadata)


@dataclass
class Locked:
    conn: Connection
    application_name: str
    position: int  # the view holds every event up to here
    build: int = 0  # which rebuild's tables these are
    advanced_to: int = 0

    def advance(self, notification_id: int) -> None:
        self.advanced_to = max(self.advanced_to, notification_id)

    @property
    def done(self) -> int:
        """The last event the view holds once this transaction commits."""
        return max(self.position, self.advanced_to)


class SqlView(TrackingRecorder):
    """Base of every view: its tables plus one tracking row per (view, application)."""

    metadata: MetaData  # the view's own tables
    # Bump when the tables or what is folded into them change: a view built with another
    # version is dropped and rebuilt from the event log (the log is the truth; views are not).
    schema_version: int = 1

    def __init__(
        self,
        engine: Engine,
        projection_name: str,
        reader: Engine | None = None,
        *,
        tables: ViewTables | None = None,
    ) -> None:
        self.engine = engine
        self.reader = reader or engine  # SQLite: an engine whose reads take no write lock
        self._reads = AutocommitReads()  # one-statement reads: no BEGIN, no ROLLBACK
        self._ensured: set[str] = set()
        self.projection_name = projection_name
        if tables is None:  # the live tables, created or migrated here
            self.tables = live_tables(self.metadata)
            self.create_tables()
        else:  # a rebuild's fresh tables, which the rebuild creates
            self.tables = tables

    def create_tables(self) -> None:
        tracking_metadata.create_all(self.engine)
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":  # one starting process migrates at a time
                conn.execute(select(func.pg_advisory_xact_lock(func.hashtext(versions_table.name))))
            built = conn.execute(
                select(versions_table.c.version).where(
                    versions_table.c.projection == self.projection_name
                )
            ).scalar_one_or_none()
            if built == self.schema_version:
                self.metadata.create_all(conn)
                return
            self.metadata.drop_all(conn)
            self.metadata.create_all(conn)
            conn.execute(
                tracking_table.update()
                .where(tracking_table.c.projection == self.projection_name)
                .values(notification_id=0)
            )
            conn.execute(
                versions_table.delete().where(versions_table.c.projection == self.projection_name)
            )
            conn.execute(
                versions_table.insert().values(
                    projection=self.projection_name, version=self.schema_version
                )
            )

    @contextmanager
    def batch(self, last: Tracking) -> Iterator[tuple[Connection, int]]:
        """Yield (connection, current position); the caller applies only events after it.

        The position then moves to ``last`` in the same transaction as the view rows.
        """
        with self.locked(last.application_name) as tx:
            yield tx.conn, tx.position
            tx.advance(last.notification_id)

    @contextmanager
    def locked(self, application_name: str) -> Iterator[Locked]:
        """A transaction holding this view's position row (other projectors wait): the
        caller writes rows after ``position`` and says how far with ``advance``.
        Opened inside ``pipeline.queue_next()``: on PostgreSQL the BEGIN and the lock go
        out in one round trip, and the writes with the COMMIT in another; the caller then
        reads on the connection only after ``pipeline.reads_follow``."""
        queued = take_queue_wish()
        self.ensure_tracking_row(application_name)
        with self.engine.begin() as conn:
            with commit_in_one_trip(conn, queue_now=True) if queued else nullcontext():
                tx = self.hold(conn, application_name)
                yield tx
                writes_follow(conn)
                self.settle(tx)

    def hold(self, conn: Connection, application_name: str) -> Locked:
        """Lock this view's position row in ``conn``'s transaction (several views may
        share one: the projector applies a page to all of them at once). The position
        row must exist (``ensure_tracking_row``)."""
        query = _hold_query(self.projection_name, conn.dialect.name == "postgresql")
        row = fetch_queued(conn, query, {"k_app": application_name})  # behind the BEGIN
        if row is NOT_QUEUED:
            row = conn.execute(query, {"k_app": application_name}).one_or_none()
        if row is None:
            reads_follow(conn)
            return Locked(conn, application_name, 0, self._build(conn))
        return Locked(conn, application_name, int(row[0] or 0), int(row[1] or 0))

    def settle(self, tx: Locked) -> None:
        """Move the position to where ``tx`` advanced it, in the same transaction (once:
        the position row then says so)."""
        if tx.advanced_to > tx.position:
            self._advance(tx.conn, Tracking(tx.application_name, tx.advanced_to))
            tx.position = tx.advanced_to

    def ensure_tracking_row(self, application_name: str) -> None:
        """Create the position row (at 0) once, so there is always a row to lock:
        two projectors starting on an empty view then queue instead of colliding."""
        if application_name in self._ensured:
            return
        with self.engine.connect() as conn:
            if self._position(conn, application_name, lock=False) is not None:
                self._ensured.add(application_name)
                return
        insert = postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert
        with self.engine.begin() as conn:
            conn.execute(
                insert(tracking_table)
                .on_conflict_do_nothing()
                .values(
                    projection=self.projection_name,
                    application_name=application_name,
                    notification_id=0,
                )
            )
        self._ensured.add(application_name)

    def swapped_in(self, conn: Connection) -> None:
        """Called in the transaction that renamed a rebuild's tables to the live names:
        whatever hangs on the live tables besides indexes is set up again here."""

    def analyze(self) -> None:
        """Refresh the planner's statistics (and PostgreSQL's visibility map, for index-only
        counts) after bulk work such as a rebuild; autovacuum would get there later."""
        names = [table.name for table in self.tables.metadata.sorted_tables]
        if self.engine.dialect.name != "postgresql":
            with self.engine.begin() as conn:
                for name in names:
                    conn.exec_driver_sql(f'ANALYZE "{name}"')
            return
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for name in names:  # VACUUM cannot run inside a transaction
                conn.exec_driver_sql(f'VACUUM (ANALYZE) "{name}"')

    def insert_tracking(self, tracking: Tracking) -> None:
        with self.batch(tracking):
            pass

    def max_tracking_id(self, application_name: str) -> int | None:
        with self.reader.connect() as conn:
            return self._position(conn, application_name, lock=False) or None

    def mark(self, application_name: str) -> tuple[int, int]:
        """(build, position), read together: what the view's rows are a function of.
        A rebuild may swap in tables at the position the old ones had, so the position
        alone does not say the rows are the same. One statement, so no transaction of
        its own (every dashboard request, a kept answer too, asks this first)."""
        with self._reads.of(self.reader).connect() as conn:
            return self.mark_on(conn, application_name)

    def mark_on(self, conn: Connection, application_name: str) -> tuple[int, int]:
        """``mark`` read on ``conn`` (a hot standby's, to know what its copy holds)."""
        position = (
            select(tracking_table.c.notification_id)
            .where(
                tracking_table.c.projection == self.projection_name,
                tracking_table.c.application_name == application_name,
            )
            .scalar_subquery()
        )
        build = (
            select(builds_table.c.build)
            .where(builds_table.c.projection == self.projection_name)
            .scalar_subquery()
        )
        row = conn.execute(select(build, position)).one()
        return int(row[0] or 0), int(row[1] or 0)

    def _build(self, conn: Connection) -> int:
        build = conn.execute(
            select(builds_table.c.build).where(builds_table.c.projection == self.projection_name)
        ).scalar_one_or_none()
        return int(build or 0)

    def reset(self) -> None:
        """Empty the view and its position (for a rebuild from the event log)."""
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":  # wait for, then block, any projector
                conn.execute(
                    select(tracking_table)
                    .where(tracking_table.c.projection == self.projection_name)
                    .with_for_update()
                )
            for table in reversed(self.tables.metadata.sorted_tables):
                conn.execute(table.delete())
            # Back to 0, not deleted: the row stays there for projectors to lock.
            conn.execute(
                tracking_table.update()
                .where(tracking_table.c.projection == self.projection_name)
                .values(notification_id=0)
            )

    def _position(self, conn: Connection, application_name: str, *, lock: bool) -> int | None:
        query = select(tracking_table.c.notification_id).where(
            tracking_table.c.projection == self.projection_name,
            tracking_table.c.application_name == application_name,
        )
        if lock and conn.dialect.name == "postgresql":
            query = query.with_for_update()
        return conn.execute(query).scalar_one_or_none()

    def _advance(self, conn: Connection, tracking: Tracking) -> None:
        conn.execute(
            _advance_statement(self.projection_name),
            {"k_app": tracking.application_name, "k_position": tracking.notification_id},
        )


# The live projector runs these once per page: built once (building a statement costs
# about as much CPU as executing it).
@cache
def _hold_query(projection: str, lock: bool) -> Select[int, int]:
    """The view's position and build; ``lock``: the position row locked (PostgreSQL;
    SQLite's BEGIN IMMEDIATE locked the file)."""
    build = (
        select(builds_table.c.build)
        .where(builds_table.c.projection == projection)
        .scalar_subquery()
    )
    query = select(tracking_table.c.notification_id, build).where(
        tracking_table.c.projection == projection,
        tracking_table.c.application_name == bindparam("k_app"),
    )
    return query.with_for_update(of=tracking_table) if lock else query


@cache
def _advance_statement(projection: str) -> Update:
    return (
        tracking_table.update()
        .where(
            tracking_table.c.projection == projection,
            tracking_table.c.application_name == bindparam("k_app"),
        )
        .values(notification_id=bindparam("k_position"))
    )
