"""Tamper evidence: every case's stored events form a SHA-256 hash chain.

Each stored event's bytes are an envelope around the library's own encoding:

    {"chain":["<prev hash>","<hash>"],"event":<event JSON>}

where ``hash = sha256(originator_id, version, topic, prev hash, event JSON bytes)``
and the first event of a case chains from ``GENESIS``. Hashing the exact stored
bytes (not the decoded event) keeps the chain valid across upcasting, and lets
``verify`` name the first event whose row was altered, reordered or re-linked.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import EventStore, Mapper, Notification, Recording, StoredEvent

GENESIS = "0" * 64
_HEAD = b'{"chain":["'
_MID = b'","'
_TAIL = b'"],"event":'
_INNER_START = len(_HEAD) + 64 + len(_MID) + 64 + len(_TAIL)


class BrokenEnvelope(ValueError):
    """A stored event's bytes are not a chain envelope at all."""


@dataclass(frozen=True)
class Link:
    prev_hash: str
    hash: str
    inner: bytes


def chain_hash(originator_id: UUID | str, version: int, topic: str, prev: str, inner: bytes) -> str:
    h = hashlib.sha256()
    for part in (str(originator_id), str(version), topic, prev):
        h.update(part.encode())
        h.update(b"\x1f")  # unit separator: no field can run into the next
    h.update(inner)
    return h.hexdigest()


def event_hash(originator_id: UUID | str, version: int, topic: str, state: bytes) -> str:
    """The hash the whole-log chain folds for one stored event: recomputed from its
    content (so a signature over the log binds the content, whatever the envelope
    claims), or of the raw row if it is not an envelope at all."""
    try:
        link = open_envelope(state)
    except BrokenEnvelope:
        h = hashlib.sha256(b"broken\x1f")
        h.update(f"{originator_id}\x1f{version}\x1f{topic}\x1f".encode())
        h.update(bytes(state))
        return h.hexdigest()
    return chain_hash(originator_id, version, topic, link.prev_hash, link.inner)


def seal(stored: StoredEvent, prev: str) -> tuple[StoredEvent, str]:
    """Wrap a stored event's state in its chain envelope; returns it and its hash."""
    digest = chain_hash(
        stored.originator_id, stored.originator_version, stored.topic, prev, stored.state
    )
    state = _HEAD + prev.encode() + _MID + digest.encode() + _TAIL + stored.state + b"}"
    return (
        StoredEvent(stored.originator_id, stored.originator_version, stored.topic, state),
        digest,
    )


def open_envelope(state: bytes) -> Link:
    """Split an envelope into its link and the inner event bytes (no checking)."""
    state = bytes(state)
    if not (state.startswith(_HEAD) and state.endswith(b"}") and len(state) > _INNER_START):
        raise BrokenEnvelope("not a chain envelope")
    prev = state[len(_HEAD) : len(_HEAD) + 64]
    digest = state[len(_HEAD) + 64 + len(_MID) : len(_HEAD) + 128 + len(_MID)]
    if (
        state[len(_HEAD) + 64 : len(_HEAD) + 64 + len(_MID)] != _MID
        or not state[len(_HEAD) + 128 + len(_MID) : _INNER_START] == _TAIL
    ):
        raise BrokenEnvelope("malformed chain envelope")
    try:
        return Link(prev.decode("ascii"), digest.decode("ascii"), state[_INNER_START:-1])
    except UnicodeDecodeError:
        raise BrokenEnvelope("malformed chain hashes") from None


def check_link(stored: StoredEvent, expected_prev: str) -> tuple[str | None, str]:
    """Check one stored event against the hash before it.

    Returns (problem or None, the hash the next event must chain from).
    """
    try:
        link = open_envelope(stored.state)
    except BrokenEnvelope as e:
        return str(e), ""
    actual = chain_hash(
        stored.originator_id, stored.originator_version, stored.topic, link.prev_hash, link.inner
    )
    if actual != link.hash:
        return "content does not match its hash (row altered)", link.hash
    if link.prev_hash != expected_prev:
        return "does not chain from the event before it (row replaced, removed or reordered)", (
            link.hash
        )
    return None, link.hash


def check_next(stored: StoredEvent, last_version: int, prev: str) -> tuple[str | None, str]:
    """``check_link`` plus: the event's version must follow the one before it."""
    problem, digest = check_link(stored, prev)
    if problem is None and stored.originator_version != last_version + 1:
        problem = f"version {stored.originator_version} follows {last_version} (events missing)"
    return problem, digest


class ChainMapper(Mapper[UUID]):
    """Reads events out of their envelope; writing is sealed by ``ChainedEventStore``."""

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        return self.from_inner(stored_event, open_envelope(stored_event.state).inner)

    def from_inner(self, stored_event: StoredEvent, inner: bytes) -> DomainEventProtocol[UUID]:
        """The event whose envelope the caller has opened already (``inner``: its bytes)."""
        return super().to_domain_event(
            StoredEvent(
                stored_event.originator_id,
                stored_event.originator_version,
                stored_event.topic,
                inner,
            )
        )


class ChainedEventStore(EventStore[UUID]):
    """Seals each new event onto its case's chain as it is stored.

    The previous hash comes from this batch, from a small cache of rows this
    process has read or written (the command path reads a case before it writes,
    so this saves a query), or else from the store. Rows never change once
    written, so a cached hash is never stale.
    """

    HEAD_CACHE_SIZE = 10_000

    def __init__(self, mapper: Mapper[UUID], recorder: Any) -> None:
        super().__init__(mapper, recorder)
        self._heads: OrderedDict[tuple[UUID | str, int], str] = OrderedDict()

    def put(
        self, domain_events: Sequence[DomainEventProtocol[UUID]], **kwargs: Any
    ) -> list[Recording[UUID]]:
        batch_heads: dict[UUID | str, str] = {}
        sealed: list[StoredEvent] = []
        for event in domain_events:
            plain = self.mapper.to_stored_event(event)
            prev = batch_heads.get(plain.originator_id) or self._head_before(plain)
            stored, batch_heads[plain.originator_id] = seal(plain, prev)
            sealed.append(stored)
        notification_ids = self.recorder.insert_events(sealed, **kwargs)
        for stored in sealed:
            self._remember(
                stored.originator_id, stored.originator_version, open_envelope(stored.state).hash
            )
        return self._recordings(domain_events, sealed, notification_ids)

    def get(self, originator_id: UUID, **kwargs: Any) -> Any:
        mapper = self.mapper
        # Each envelope opened once: for the head cache and for the event inside it.
        decode = (
            mapper.from_inner
            if isinstance(mapper, ChainMapper)
            else lambda stored, _: mapper.to_domain_event(stored)
        )
        for stored in self.recorder.select_events(originator_id=originator_id, **kwargs):
            link = open_envelope(stored.state)
            self._remember(stored.originator_id, stored.originator_version, link.hash)
            yield decode(stored, link.inner)

    def _head_before(self, stored: StoredEvent) -> str:
        if stored.originator_version == 1:
            return GENESIS
        key = (stored.originator_id, stored.originator_version - 1)
        if key in self._heads:
            return self._heads[key]
        last = self.recorder.select_events(
            originator_id=stored.originator_id,
            lte=stored.originator_version - 1,
            desc=True,
            limit=1,
        )
        return open_envelope(last[0].state).hash if last else GENESIS

    def _remember(self, originator_id: UUID | str, version: int, digest: str) -> None:
        self._heads[(originator_id, version)] = digest
        self._heads.move_to_end((originator_id, version))
        while len(self._heads) > self.HEAD_CACHE_SIZE:
            self._heads.popitem(last=False)

    @staticmethod
    def _recordings(
        domain_events: Sequence[DomainEventProtocol[UUID]],
        sealed: list[StoredEvent],
        notification_ids: Sequence[int] | None,
    ) -> list[Recording[UUID]]:
        if not notification_ids:
            return []
        return [
            Recording(
                d,
                Notification(
                    originator_id=s.originator_id,
                    originator_version=s.originator_version,
                    topic=s.topic,
                    state=s.state,
                    id=n,
                ),
            )
            for d, s, n in zip(domain_events, sealed, notification_ids, strict=True)
        ]
