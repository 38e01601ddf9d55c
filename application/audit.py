"""Reading the log as an auditor does: histories, chain verification, sealed heads.

A mixin of ``CaseService`` so the command module stays about commands. Sealing
records each case's head hash in a store apart from the events, so a later
``verify`` also catches a case whose newest events were cut off.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from functools import partial
from typing import Any, Protocol, TypeVar
from uuid import UUID

from eventsourcing.persistence import InterfaceError, OperationalError

from application.errors import CaseNotFound, StorageUnavailable
from application.integrity import GENESIS, check_next, open_envelope
from application.views import ChainProblem, EventRecord, VerifyReport

T = TypeVar("T")
VERIFY_PAGE = 1000
_ENVELOPE_FIELDS = {"originator_id", "originator_version", "timestamp", "originator_topic"}
_ACTOR_FIELDS = {"actor_id", "actor_role"}


class SealStore(Protocol):
    """Where sealed case heads are kept, apart from the event rows (infrastructure)."""

    def seal(self, heads: dict[UUID, tuple[int, str]], position: int, at: datetime) -> str: ...
    def heads(self) -> dict[UUID, tuple[int, str]]: ...
    def last_position(self) -> int: ...


class AuditMixin:
    recorder: Any
    mapper: Any
    seals: SealStore | None
    clock: Callable[[], datetime]

    def history(self, case_id: UUID) -> list[EventRecord]:
        """Every event of the case in order, with its actor, data and chain hashes."""
        stored_events = self._guard(lambda: list(self.recorder.select_events(case_id)))
        if not stored_events:
            raise CaseNotFound(case_id)
        return [self._record_of(s) for s in stored_events]

    def verify(self, progress: Callable[[int, int], None] | None = None) -> VerifyReport:
        """Recompute every case's hash chain; name the first broken event of each case.

        Cases sealed earlier must still reach their sealed head with the same hash.
        """
        report = VerifyReport()
        sealed = self._guard(self.seals.heads) if self.seals is not None else {}
        heads: dict[UUID, tuple[int, str]] = {}
        at_seal: dict[UUID, str] = {}
        broken: set[UUID] = set()
        total = self._guard(self.recorder.max_notification_id) or 0
        for n in self._notifications():
            report.events += 1
            case_id = n.originator_id
            if case_id in broken:
                continue
            last_version, prev = heads.get(case_id, (0, GENESIS))
            problem, digest = check_next(n, last_version, prev)
            if problem is not None:
                broken.add(case_id)
                report.problems.append(
                    ChainProblem(
                        case_id, n.originator_version, n.topic.rsplit(":", 1)[-1], n.id, problem
                    )
                )
            heads[case_id] = (n.originator_version, digest)
            if sealed.get(case_id, (0, ""))[0] == n.originator_version:
                at_seal[case_id] = digest
            if progress is not None:
                progress(n.id, total)
        report.cases = len(heads)
        self._check_sealed(report, sealed, heads, at_seal, broken)
        return report

    def verify_case(self, case_id: UUID) -> ChainProblem | None:
        """Recompute one case's chain; the first broken event, or None if intact."""
        stored_events = self._guard(lambda: list(self.recorder.select_events(case_id)))
        if not stored_events:
            raise CaseNotFound(case_id)
        last_version, prev = 0, GENESIS
        for s in stored_events:
            problem, prev = check_next(s, last_version, prev)
            if problem is not None:
                return ChainProblem(
                    case_id, s.originator_version, s.topic.rsplit(":", 1)[-1], 0, problem
                )
            last_version = s.originator_version
        return None

    def case_ids(self) -> list[UUID]:
        """Ids of all cases in the order they were reported (for tools, not dashboards)."""
        return [n.originator_id for n in self._notifications() if n.originator_version == 1]

    def _notifications(self, start: int = 1, topics: Sequence[str] = ()) -> Iterator[Any]:
        while True:
            page = self._guard(
                partial(self.recorder.select_notifications, start, VERIFY_PAGE, topics=topics)
            )
            yield from page
            if len(page) < VERIFY_PAGE:
                return
            start = page[-1].id + 1

    def _record_of(self, stored: Any) -> EventRecord:
        link = open_envelope(stored.state)
        event = self.mapper.to_domain_event(stored)
        state = vars(event)
        data = {k: v for k, v in state.items() if k not in _ENVELOPE_FIELDS | _ACTOR_FIELDS}
        return EventRecord(
            version=stored.originator_version,
            type=type(event).__name__,
            at=state["timestamp"],
            actor_id=state["actor_id"],
            actor_role=state["actor_role"],
            data=data,
            hash=link.hash,
            prev_hash=link.prev_hash,
        )

    def seal(self) -> tuple[int, str]:
        """Record the head (version, hash) of every case changed since the last seal.

        Returns (cases sealed, seal digest)."""
        if self.seals is None:
            raise StorageUnavailable("no seal store configured")
        heads: dict[UUID, tuple[int, str]] = {}
        position = self._guard(self.seals.last_position)
        for n in self._notifications(position + 1):
            heads[n.originator_id] = (n.originator_version, open_envelope(n.state).hash)
            position = n.id
        return len(heads), self.seals.seal(heads, position, self.clock())

    @staticmethod
    def _check_sealed(
        report: VerifyReport,
        sealed: dict[UUID, tuple[int, str]],
        heads: dict[UUID, tuple[int, str]],
        at_seal: dict[UUID, str],
        broken: set[UUID],
    ) -> None:
        for case_id, (version, digest) in sealed.items():
            if case_id in broken:
                continue
            last = heads.get(case_id, (0, ""))[0]
            if last < version:
                problem = f"sealed at version {version} but the log ends at version {last}"
            elif at_seal.get(case_id) != digest:
                problem = "does not match its sealed hash (chain rewritten)"
            else:
                continue
            report.problems.append(ChainProblem(case_id, version, "SealedHead", 0, problem))

    @staticmethod
    def _guard(call: Callable[[], T]) -> T:
        """Translate the database being unreachable into one application error."""
        try:
            return call()
        except (OperationalError, InterfaceError) as e:
            raise StorageUnavailable(type(e).__name__) from e
