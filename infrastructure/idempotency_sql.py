"""Idempotency keys and the first answer given to each, in a SQL table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, Engine, Integer, MetaData, String, Table, Text, select
from sqlalchemy.exc import IntegrityError

metadata = MetaData()
keys = Table(
    "chuishao_idempotency",
    metadata,
    Column("user_id", String(64), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer),  # NULL while the first request is in flight
    Column("body", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


class SqlIdempotencyStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        metadata.create_all(engine)

    def get(self, user_id: str, key: str) -> tuple[str, int | None, str | None] | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(keys.c.request_hash, keys.c.status_code, keys.c.body).where(
                    keys.c.user_id == user_id, keys.c.key == key
                )
            ).first()
        return (row[0], row[1], row[2]) if row is not None else None

    def reserve(self, user_id: str, key: str, request_hash: str, now: datetime) -> bool:
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    keys.insert().values(
                        user_id=user_id, key=key, request_hash=request_hash, created_at=now
                    )
                )
        except IntegrityError:
            return False
        return True

    def complete(self, user_id: str, key: str, status_code: int, body: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                keys.update()
                .where(keys.c.user_id == user_id, keys.c.key == key)
                .values(status_code=status_code, body=body)
            )

    def release(self, user_id: str, key: str) -> None:
        """Forget a key whose request was refused: it wrote nothing, so a retry may run."""
        with self.engine.begin() as conn:
            conn.execute(keys.delete().where(keys.c.user_id == user_id, keys.c.key == key))
