"""Looking up idempotency keys (written with the events by infrastructure/recorders.py)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Engine, Integer, MetaData, String, Table, select

from application.requests import KeyedWrite
from infrastructure.recorders import TABLE

metadata = MetaData()
keys = Table(
    TABLE,
    metadata,
    Column("user_id", String, primary_key=True),
    Column("key", String, primary_key=True),
    Column("request_hash", String, nullable=False),
    Column("case_id", String, nullable=False),
    Column("version", Integer, nullable=False),
    Column("position", BigInteger, nullable=False),
)


class SqlIdempotencyStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get(self, user_id: str, key: str) -> KeyedWrite | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(keys.c.request_hash, keys.c.case_id, keys.c.version, keys.c.position).where(
                    keys.c.user_id == user_id, keys.c.key == key
                )
            ).first()
        return KeyedWrite(row[0], row[1], row[2], row[3]) if row is not None else None
