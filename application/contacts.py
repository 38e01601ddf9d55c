"""The resident-contact use cases of ``CaseService``: read (logged), erase (recorded), audit.

A mixin so the command module stays about commands on a case. Contacts are written by
``report_case`` in the event transaction; see application/residents.py for the store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from eventsourcing.utils import get_topic

from application.requests import NO_CONTEXT
from application.residents import Contact, ContactRead, Erasure, ResidentRegistry
from application.views import WriteResult
from domain import events as ev
from domain.case import Case
from domain.values import Actor

T = TypeVar("T")
ERASED_TOPIC = get_topic(ev.ResidentContactErased)


class ContactsMixin:
    residents: ResidentRegistry | None
    mapper: Any
    clock: Callable[[], datetime]
    _load: Callable[[UUID], Case]
    _save: Callable[..., WriteResult]
    _notifications: Callable[..., Iterator[Any]]

    if TYPE_CHECKING:  # AuditMixin's

        @staticmethod
        def _guard(call: Callable[[], T]) -> T: ...

    def resident_contact(self, case_id: UUID, *, reader: Actor) -> Contact | None:
        """The resident's contact details (None if none were given); every read is logged
        before the contact is decrypted, so no read goes unrecorded."""
        case = self._load(case_id)
        if case.contact_erased_at is not None:
            return Contact(case_id, None, None, case.contact_erased_at, case.contact_erased_by)
        residents = self.residents
        if residents is None:
            return None
        self._guard(lambda: residents.log_read(case_id, reader, self.clock()))
        found = self._guard(lambda: residents.get(case_id))
        return Contact(case_id, *found) if found is not None else None

    def forget_resident(self, case_id: UUID, *, actor: Actor, reason: str) -> bool:
        """Erase the resident's name and phone (PIPL): destroy the contact's key and
        ciphertext and record ``ResidentContactErased`` (operator, role, reason, time) in
        one transaction. False if there was nothing to erase. The history stays whole."""
        case, residents = self._load(case_id), self.residents
        if case.contact_erased_at is not None or residents is None:
            return False
        if not self._guard(lambda: residents.has(case_id)):
            return False
        case.erase_contact(actor=actor, at=max(self.clock(), case.modified_on), reason=reason)
        self._save(case, NO_CONTEXT, erase_contacts=[str(case_id)])
        self._guard(residents.after_erasure)
        return True

    def erasures(self) -> list[Erasure]:
        """Every erasure of a contact, oldest first, read from the event log."""
        out = []
        for n in self._notifications(topics=[ERASED_TOPIC]):
            e = self.mapper.to_domain_event(n)
            out.append(
                Erasure(
                    n.originator_id,
                    n.originator_version,
                    n.id,
                    e.timestamp,
                    e.actor_id,
                    e.actor_role,
                    e.reason,
                )
            )
        return out

    def contact_reads(
        self, case_id: UUID | None = None, *, limit: int = 100, offset: int = 0
    ) -> list[ContactRead]:
        """The contact access log, newest first."""
        residents = self.residents
        if residents is None:
            return []
        return self._guard(lambda: residents.reads(case_id, limit=limit, offset=offset))
