"""Residents' contacts, encrypted per contact, and the append-only log of who read them.

The recorders write and destroy the contact rows inside the event transaction
(infrastructure/contact_rows.py); this module reads them and keeps the access log.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg
from sqlalchemy import (
    BigInteger,
    Column,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    inspect,
    select,
)

from application.residents import ContactRead, SealedContact
from domain.values import Actor
from infrastructure.contact_cipher import ContactCipher
from infrastructure.contact_rows import KEYS, SEALED
from infrastructure.sql_types import UtcDateTime

REFUSAL = "chuishao: the contact access log is append-only"
REWRITE_LOCK_WAIT = "2s"
LEGACY_TABLE = "chuishao_resident_contacts"  # plaintext, before contacts were encrypted

stored = MetaData()  # created by the recorders, with the events
keys = Table(
    KEYS, stored, Column("case_id", String, primary_key=True), Column("wrapped_key", LargeBinary)
)
sealed = Table(
    SEALED, stored, Column("case_id", String, primary_key=True), Column("ciphertext", LargeBinary)
)

metadata = MetaData()
reads = Table(
    "chuishao_contact_reads",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("case_id", String(36), nullable=False),
    Column("reader_id", String(64), nullable=False),
    Column("reader_role", String(32), nullable=False),
    Column("read_at", UtcDateTime(), nullable=False),
)

_SQLITE_GUARDS = [
    f"CREATE TRIGGER IF NOT EXISTS {reads.name}_no_{op.lower()} BEFORE {op} ON {reads.name} "
    f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
    for op in ("UPDATE", "DELETE")
]
_POSTGRES_GUARDS = [
    "CREATE OR REPLACE FUNCTION chuishao_refuse_log_change() RETURNS trigger LANGUAGE plpgsql "
    f"AS $$ BEGIN RAISE EXCEPTION '{REFUSAL}' USING ERRCODE = 'insufficient_privilege'; END $$",
    f"CREATE OR REPLACE TRIGGER chuishao_append_only BEFORE UPDATE OR DELETE ON {reads.name} "
    "FOR EACH ROW EXECUTE FUNCTION chuishao_refuse_log_change()",
    f"CREATE OR REPLACE TRIGGER chuishao_no_truncate BEFORE TRUNCATE ON {reads.name} "
    "FOR EACH STATEMENT EXECUTE FUNCTION chuishao_refuse_log_change()",
]


class SqlResidentRegistry:
    def __init__(self, engine: Engine, cipher: ContactCipher, *, install: bool = True) -> None:
        """``install=False`` when the tables' owner set them up (`chuishao db setup`): the
        service's role then runs no DDL on them."""
        self.engine = engine
        self.cipher = cipher
        if install:
            metadata.create_all(engine)
            guards = _SQLITE_GUARDS if self._is_sqlite else _POSTGRES_GUARDS
            with engine.begin() as conn:
                for statement in guards:
                    conn.exec_driver_sql(statement)

    @property
    def _is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def seal(self, case_id: UUID, name: str | None, phone: str | None) -> SealedContact:
        return self.cipher.seal(str(case_id), name, phone)

    def get(self, case_id: UUID) -> tuple[str | None, str | None] | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(keys.c.wrapped_key, sealed.c.ciphertext)
                .join(sealed, sealed.c.case_id == keys.c.case_id)
                .where(keys.c.case_id == str(case_id))
            ).first()
        if row is None:
            return None
        return self.cipher.open(str(case_id), bytes(row[0]), bytes(row[1]))

    def has(self, case_id: UUID) -> bool:
        """Whether a contact (its key) is stored, without decrypting it."""
        with self.engine.connect() as conn:
            found = conn.execute(select(keys.c.case_id).where(keys.c.case_id == str(case_id)))
            return found.first() is not None

    def log_read(self, case_id: UUID, reader: Actor, at: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                reads.insert().values(
                    case_id=str(case_id),
                    reader_id=reader.user_id,
                    reader_role=reader.role.value,
                    read_at=at,
                )
            )

    def reads(
        self, case_id: UUID | None = None, *, limit: int = 100, offset: int = 0
    ) -> list[ContactRead]:
        query = select(reads).order_by(reads.c.id.desc()).limit(limit).offset(offset)
        if case_id is not None:
            query = query.where(reads.c.case_id == str(case_id))
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            ContactRead(UUID(r.case_id), r.reader_id, r.reader_role, _aware(r.read_at))
            for r in rows
        ]

    def after_erasure(self) -> None:
        """Push the destroyed rows out of the files that may still hold them.

        SQLite: secure_delete zeroed the freed space; a TRUNCATE checkpoint copies the
        WAL into the database and empties it. PostgreSQL: the deleted key row lingers in
        a dead tuple (and, after a plain VACUUM, in the page's free space); VACUUM FULL
        rewrites the small keys table without it. It locks that table for the rewrite
        (reports with a contact wait), which erasures are rare enough to afford.
        """
        raw = self.engine.raw_connection()
        try:
            dbapi: Any = raw.driver_connection
            if self._is_sqlite:
                dbapi.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            else:
                raw.commit()  # VACUUM cannot run inside a transaction
                dbapi.autocommit = True
                try:
                    self._vacuum_keys(dbapi)
                    dbapi.execute(f"VACUUM {SEALED}")
                finally:
                    dbapi.autocommit = False
        finally:
            raw.close()

    @staticmethod
    def _vacuum_keys(dbapi: Any) -> None:
        # Writers that store a contact wait behind the rewrite's lock while holding the
        # event log's; a long reader (a backup) must not freeze them: give up after a
        # moment and leave the dead row to a plain VACUUM (docs/reliability.md).
        dbapi.execute(f"SET lock_timeout = '{REWRITE_LOCK_WAIT}'")
        try:
            dbapi.execute(f"VACUUM FULL {KEYS}")
        except psycopg.errors.LockNotAvailable:
            with contextlib.suppress(psycopg.errors.LockNotAvailable):
                dbapi.execute(f"VACUUM {KEYS}")
        finally:
            dbapi.execute("RESET lock_timeout")

    def migrate_plaintext(self) -> int:
        """Encrypt the contacts an earlier release kept in plaintext, then drop that table.

        Runs at start-up once the recorder has created the contact tables; returns how many
        contacts were moved. Records of erasures made before (no event) go with the table.
        """
        if LEGACY_TABLE not in inspect(self.engine).get_table_names():
            return 0
        legacy = Table(LEGACY_TABLE, MetaData(), autoload_with=self.engine)
        with self.engine.begin() as conn:
            rows = conn.execute(
                select(legacy.c.case_id, legacy.c.name, legacy.c.phone).where(
                    (legacy.c.name.is_not(None)) | (legacy.c.phone.is_not(None))
                )
            ).all()
            taken = set(conn.execute(select(keys.c.case_id)).scalars())
            moved = [
                self.cipher.seal(r.case_id, r.name, r.phone) for r in rows if r.case_id not in taken
            ]
            for m in moved:
                conn.execute(keys.insert().values(case_id=m.case_id, wrapped_key=m.wrapped_key))
                conn.execute(sealed.insert().values(case_id=m.case_id, ciphertext=m.ciphertext))
            conn.execute(legacy.delete())  # zeroed under secure_delete before the drop
            legacy.drop(conn)
        if self._is_sqlite:
            self.after_erasure()
        return len(moved)

    def close(self) -> None:
        self.engine.dispose()


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)
