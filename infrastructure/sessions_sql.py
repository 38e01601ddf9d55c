"""Console sessions and failed sign-ins in SQL tables (the application's SessionStore).

Reads (every console request looks its session up) run on the reader engine, so on
SQLite they never queue behind a writer; changes run on the writer."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, delete, func, or_, select

from application.sessions import SessionRecord
from infrastructure.sql_types import UtcDateTime

metadata = MetaData()
sessions = Table(
    "chuishao_console_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),  # SHA-256 of the cookie's session id
    Column("user_id", String(64), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("last_seen_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
)
failures = Table(
    "chuishao_sign_in_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(300), nullable=False, index=True),  # addr:<ip> or user:<id>
    Column("at", UtcDateTime(), nullable=False),
)


class SqlSessionStore:
    def __init__(self, engine: Engine, *, reader: Engine | None = None) -> None:
        self.engine = engine
        self.reader = reader or engine
        metadata.create_all(engine)

    def add(self, id_hash: str, record: SessionRecord) -> None:
        with self.engine.begin() as conn:
            conn.execute(sessions.insert().values(id_hash=id_hash, **vars(record)))

    def get(self, id_hash: str) -> SessionRecord | None:
        columns = [sessions.c[name] for name in SessionRecord.__dataclass_fields__]
        with self.reader.connect() as conn:
            row = conn.execute(select(*columns).where(sessions.c.id_hash == id_hash)).first()
        return SessionRecord(*row) if row is not None else None

    def touch(self, id_hash: str, at: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                sessions.update().where(sessions.c.id_hash == id_hash).values(last_seen_at=at)
            )

    def remove(self, id_hash: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(sessions).where(sessions.c.id_hash == id_hash))

    def remove_expired(self, now: datetime, idle: timedelta) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                delete(sessions).where(
                    or_(sessions.c.expires_at <= now, sessions.c.last_seen_at <= now - idle)
                )
            )

    def add_failure(self, keys: list[str], at: datetime, forget_before: datetime) -> None:
        with self.engine.begin() as conn:
            # Old failures no longer count: drop them so guessing cannot grow the table.
            conn.execute(delete(failures).where(failures.c.at < forget_before))
            conn.execute(failures.insert(), [{"key": k[:300], "at": at} for k in keys])

    def failures(self, key: str, since: datetime) -> int:
        with self.reader.connect() as conn:
            count = conn.execute(
                select(func.count())
                .select_from(failures)
                .where(failures.c.key == key[:300], failures.c.at >= since)
            ).scalar_one()
        return int(count)

    def clear_failures(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(failures).where(failures.c.key == key[:300]))
