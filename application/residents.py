"""A resident's contact details, kept out of the event stream so they can be erased (PIPL).

The event log is immutable and hash-chained; personal data in it could never be
deleted. So the name and phone live in a separate, erasable store keyed by case,
encrypted under a key of their own (crypto-shredding): erasing destroys that key, and
a ``ResidentContactErased`` event, written in the same transaction, says who erased
it, when and why. Every read of a contact is logged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from domain.errors import InvalidValue
from domain.rules import check_text
from domain.values import Actor

NAME_MAX = 50
PHONE = re.compile(r"^\+?[0-9][0-9 -]{4,19}$")


@dataclass(frozen=True)
class Contact:
    case_id: UUID
    name: str | None
    phone: str | None
    erased_at: datetime | None = None
    erased_by: str | None = None


@dataclass(frozen=True)
class SealedContact:
    """A contact as stored: its own key (wrapped) and the ciphertext, both opaque."""

    case_id: str
    wrapped_key: bytes
    ciphertext: bytes


@dataclass(frozen=True)
class ContactRead:
    """One line of the contact access log: who read which case's contact, when."""

    case_id: UUID
    reader_id: str
    reader_role: str
    read_at: datetime


@dataclass(frozen=True)
class Erasure:
    """One ``ResidentContactErased`` event, as auditors list them."""

    case_id: UUID
    version: int
    position: int
    erased_at: datetime
    operator_id: str
    operator_role: str
    reason: str


class ResidentRegistry(Protocol):
    """The erasable store. Contacts are written and destroyed by the event recorder, in the
    event's transaction (``save(contacts=[sealed])``, ``save(erase_contacts=[case_id])``)."""

    def seal(self, case_id: UUID, name: str | None, phone: str | None) -> SealedContact: ...
    def get(self, case_id: UUID) -> tuple[str | None, str | None] | None: ...
    def has(self, case_id: UUID) -> bool: ...
    def log_read(self, case_id: UUID, reader: Actor, at: datetime) -> None: ...
    def reads(
        self, case_id: UUID | None = None, *, limit: int = 100, offset: int = 0
    ) -> list[ContactRead]: ...
    def after_erasure(self) -> None: ...
    def close(self) -> None: ...


def check_contact(name: str | None, phone: str | None) -> tuple[str | None, str | None]:
    if name is not None:
        name = check_text(
            name,
            field="resident_name",
            field_zh="居民姓名",
            max_len=NAME_MAX,
            required=False,
            multiline=False,
        )
    phone = phone.strip() if phone else None
    if phone is not None and not PHONE.match(phone):
        raise InvalidValue("电话号码格式不正确", "phone must be 5-20 digits, spaces or dashes")
    return name or None, phone or None
