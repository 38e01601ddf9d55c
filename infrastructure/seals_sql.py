"""Sealed case heads, kept apart from the event rows.

Each seal records the heads (version, hash) of the cases changed since the last
seal, and a digest over them;
print the digest somewhere else too (a ticket, a notary) and even a rewrite of both
tables is caught by comparing it.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    func,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite

from infrastructure.sql_types import UtcDateTime

metadata = MetaData()
seals = Table(
    "chuishao_seals",
    metadata,
    Column("seal_id", Integer, primary_key=True, autoincrement=True),
    Column("sealed_at", UtcDateTime(), nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("cases", Integer, nullable=False),
    Column("digest", String(64), nullable=False),
)
heads = Table(
    "chuishao_sealed_heads",
    metadata,
    Column("case_id", String(36), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
)


class SqlSealStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        metadata.create_all(engine)

    def seal(self, case_heads: dict[UUID, tuple[int, str]], position: int, at: datetime) -> str:
        digest = hashlib.sha256(
            "".join(
                f"{c}:{v}:{h}\n"
                for c, (v, h) in sorted(case_heads.items(), key=lambda kv: str(kv[0]))
            ).encode()
        ).hexdigest()
        rows = [{"case_id": str(c), "version": v, "hash": h} for c, (v, h) in case_heads.items()]
        with self.engine.begin() as conn:
            if rows:
                insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
                stmt = insert(heads)
                conn.execute(
                    stmt.on_conflict_do_update(
                        index_elements=["case_id"],
                        set_={"version": stmt.excluded.version, "hash": stmt.excluded.hash},
                    ),
                    rows,
                )
            conn.execute(
                seals.insert().values(
                    sealed_at=at, position=position, cases=len(rows), digest=digest
                )
            )
        return digest

    def last_position(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.max(seals.c.position))).scalar_one() or 0)

    def heads(self) -> dict[UUID, tuple[int, str]]:
        with self.engine.connect() as conn:
            return {UUID(r.case_id): (r.version, r.hash) for r in conn.execute(select(heads))}
