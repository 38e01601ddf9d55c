"""Looking up idempotency keys (written with the events by infrastructure/recorders.py).

A record lives ``ttl`` (CHUISHAO_IDEMPOTENCY_TTL_HOURS, default 24 h): after that its
key counts as new, and expired records are deleted: on lookup, and by a sweep of the
whole table at most once per ``SWEEP_EVERY`` of lookups' time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import BigInteger, Column, Engine, Float, Integer, MetaData, String, Table, select

from application.requests import KeyedWrite
from infrastructure.recorders import TABLE
from infrastructure.sql import AutocommitReads

SWEEP_EVERY = timedelta(minutes=10)

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
    Column("created_at", Float, nullable=False),  # seconds since the epoch, server clock
)


class SqlIdempotencyStore:
    def __init__(self, engine: Engine, *, ttl: timedelta, clock: Callable[[], datetime]) -> None:
        self.engine = engine
        self._reads = AutocommitReads()  # a keyed write's look-up: one round trip
        self.ttl = ttl
        self.clock = clock
        self._last_sweep: float | None = None
        self._sweep_lock = threading.Lock()

    def get(self, user_id: str, key: str) -> KeyedWrite | None:
        """The live record of (user, key); an expired one is deleted and counts as absent."""
        cutoff = self._cutoff()
        self._maybe_sweep(cutoff)
        mine = (keys.c.user_id == user_id, keys.c.key == key)
        with self._reads.of(self.engine).connect() as conn:
            row = conn.execute(
                select(
                    keys.c.request_hash,
                    keys.c.case_id,
                    keys.c.version,
                    keys.c.position,
                    keys.c.created_at,
                ).where(*mine)
            ).first()
        if row is None:
            return None
        if row.created_at < cutoff:
            with self.engine.begin() as conn:  # a new write under this key must not collide
                conn.execute(keys.delete().where(*mine, keys.c.created_at < cutoff))
            return None
        return KeyedWrite(row[0], row[1], row[2], row[3])

    def sweep(self) -> int:
        """Delete every expired record; returns how many."""
        cutoff = self._cutoff()
        with self.engine.begin() as conn:
            return conn.execute(keys.delete().where(keys.c.created_at < cutoff)).rowcount

    def _cutoff(self) -> float:
        return (self.clock() - self.ttl).timestamp()

    def _maybe_sweep(self, cutoff: float) -> None:
        now = cutoff + self.ttl.total_seconds()
        with self._sweep_lock:
            due = self._last_sweep is None or now - self._last_sweep >= SWEEP_EVERY.total_seconds()
            if due:
                self._last_sweep = now
        if due:
            self.sweep()
