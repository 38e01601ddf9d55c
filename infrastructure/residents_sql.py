"""Residents' contact details in an erasable SQL table (never in the event log)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import Column, Engine, MetaData, String, Table, select

from application.residents import Contact
from infrastructure.sql_types import UtcDateTime

metadata = MetaData()
contacts = Table(
    "chuishao_resident_contacts",
    metadata,
    Column("case_id", String(36), primary_key=True),
    Column("name", String(50)),
    Column("phone", String(20)),
    Column("erased_at", UtcDateTime()),
    Column("erased_by", String(64)),
)


class SqlResidentRegistry:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        metadata.create_all(engine)

    def put(self, contact: Contact) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                contacts.insert().values(
                    case_id=str(contact.case_id), name=contact.name, phone=contact.phone
                )
            )

    def get(self, case_id: UUID) -> Contact | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(contacts).where(contacts.c.case_id == str(case_id))).first()
        if row is None:
            return None
        return Contact(case_id, row.name, row.phone, row.erased_at, row.erased_by)

    def erase(self, case_id: UUID, *, at: datetime, by: str) -> bool:
        # The row stays as a record that erasure happened; the personal data does not.
        with self.engine.begin() as conn:
            result = conn.execute(
                contacts.update()
                .where(contacts.c.case_id == str(case_id))
                .values(name=None, phone=None, erased_at=at, erased_by=by)
            )
        return result.rowcount > 0

    def remove_unreported(self, case_id: UUID) -> None:
        """Drop contacts stored for a report that then failed to be recorded."""
        with self.engine.begin() as conn:
            conn.execute(contacts.delete().where(contacts.c.case_id == str(case_id)))

    def close(self) -> None:
        self.engine.dispose()
