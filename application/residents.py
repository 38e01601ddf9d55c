"""A resident's contact details, kept out of the event stream so they can be erased (PIPL).

The event log is immutable and hash-chained; personal data in it could never be
deleted. So the name and phone live in a separate, erasable store keyed by case,
and erasing them leaves the case's history whole and verifiable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from domain.errors import InvalidValue
from domain.rules import check_text

NAME_MAX = 50
PHONE = re.compile(r"^\+?[0-9][0-9 -]{4,19}$")


@dataclass(frozen=True)
class Contact:
    case_id: UUID
    name: str | None
    phone: str | None
    erased_at: datetime | None = None
    erased_by: str | None = None


class ResidentRegistry(Protocol):
    def put(self, contact: Contact) -> None: ...
    def get(self, case_id: UUID) -> Contact | None: ...
    def erase(self, case_id: UUID, *, at: datetime, by: str) -> bool: ...
    def remove_unreported(self, case_id: UUID) -> None: ...
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
