"""A SQL materialised view that records its position in the same transaction as its rows.

It implements the library's ``TrackingRecorder``, so the library's projection
runner (PostgreSQL) and our polling runner (SQLite) drive the same view code.
Processing an event that is already tracked does nothing: each event is applied
exactly once, across restarts and crashes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from eventsourcing.persistence import Tracking, TrackingRecorder
from sqlalchemy import BigInteger, Column, Connection, Engine, MetaData, String, Table, select

tracking_metadata = MetaData()
tracking_table = Table(
    "chuishao_projection_tracking",
    tracking_metadata,
    Column("projection", String(64), primary_key=True),
    Column("application_name", String(64), primary_key=True),
    Column("notification_id", BigInteger, nullable=False),
)


class SqlView(TrackingRecorder):
    """Base of every view: its tables plus one tracking row per (view, application)."""

    metadata: MetaData  # the view's own tables

    def __init__(self, engine: Engine, projection_name: str) -> None:
        self.engine = engine
        self.projection_name = projection_name
        self.create_tables()

    def create_tables(self) -> None:
        tracking_metadata.create_all(self.engine)
        self.metadata.create_all(self.engine)

    @contextmanager
    def transaction(self, tracking: Tracking) -> Iterator[Connection | None]:
        """Yield a connection to change the view, or None if the event was already applied.

        The tracking row is locked and advanced in the same transaction as the view.
        """
        with self.engine.begin() as conn:
            current = self._position(conn, tracking.application_name, lock=True)
            if current is not None and current >= tracking.notification_id:
                yield None
                return
            yield conn
            self._advance(conn, tracking, insert=current is None)

    @contextmanager
    def batch(self, last: Tracking) -> Iterator[tuple[Connection, int]]:
        """Yield (connection, current position); the caller applies only events after it.

        The position then moves to ``last`` in the same transaction as the view rows.
        """
        with self.engine.begin() as conn:
            current = self._position(conn, last.application_name, lock=True)
            yield conn, current or 0
            if current is None or current < last.notification_id:
                self._advance(conn, last, insert=current is None)

    def insert_tracking(self, tracking: Tracking) -> None:
        with self.transaction(tracking):
            pass

    def max_tracking_id(self, application_name: str) -> int | None:
        with self.engine.connect() as conn:
            return self._position(conn, application_name, lock=False)

    def reset(self) -> None:
        """Empty the view and its position (for a rebuild from the event log)."""
        with self.engine.begin() as conn:
            for table in reversed(self.metadata.sorted_tables):
                conn.execute(table.delete())
            conn.execute(
                tracking_table.delete().where(tracking_table.c.projection == self.projection_name)
            )

    def _position(self, conn: Connection, application_name: str, *, lock: bool) -> int | None:
        query = select(tracking_table.c.notification_id).where(
            tracking_table.c.projection == self.projection_name,
            tracking_table.c.application_name == application_name,
        )
        if lock and conn.dialect.name == "postgresql":
            query = query.with_for_update()
        return conn.execute(query).scalar_one_or_none()

    def _advance(self, conn: Connection, tracking: Tracking, *, insert: bool) -> None:
        if insert:
            conn.execute(
                tracking_table.insert().values(
                    projection=self.projection_name,
                    application_name=tracking.application_name,
                    notification_id=tracking.notification_id,
                )
            )
        else:
            conn.execute(
                tracking_table.update()
                .where(
                    tracking_table.c.projection == self.projection_name,
                    tracking_table.c.application_name == tracking.application_name,
                )
                .values(notification_id=tracking.notification_id)
            )
