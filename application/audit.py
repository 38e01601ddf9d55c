"""Reading the log as an auditor does: histories, chain and signature verification.

A mixin of ``CaseService`` so the command module stays about commands. Three checks
run in one pass over the log: each case's own hash chain (``integrity.py``), the
whole log against its signed rows (``log_audit.py``: every event covered by a
signature, every signed head reproduced), and each event against the domain (it
must decode and apply to its case; nothing may follow a final state).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any, Protocol, TypeVar
from uuid import UUID

from eventsourcing.persistence import InterfaceError, OperationalError

from application.errors import CaseNotFound, KeyMismatch, StorageUnavailable
from application.integrity import GENESIS, BrokenEnvelope, check_next, event_hash, open_envelope
from application.log_audit import KEYRING, LogAuditor
from application.log_chain import (
    ADOPT,
    CHECKPOINT,
    ROTATE,
    LogSignature,
    SignatureCheck,
    Signer,
    next_head,
)
from application.views import ChainProblem, EventRecord, VerifyReport
from domain.events import EvidenceAttached
from domain.values import Status

T = TypeVar("T")
VERIFY_PAGE = 1000
_ENVELOPE_FIELDS = {"originator_id", "originator_version", "timestamp", "originator_topic"}
_ACTOR_FIELDS = {"actor_id", "actor_role"}
INVALID = "InvalidEvent"


class SignatureStore(Protocol):
    """The signed rows beside the events (infrastructure/log_signatures.py)."""

    def rows(self) -> list[LogSignature]: ...
    def last(self) -> LogSignature | None: ...
    def case_positions(self, case_id: UUID) -> list[int]: ...
    def covering(self, position: int) -> tuple[LogSignature | None, LogSignature | None]: ...
    def append(
        self, kind: str, signer: Signer, *, endorser: Signer | None = None, covering: bool = False
    ) -> LogSignature: ...


class AuditMixin:
    recorder: Any
    mapper: Any
    signatures: SignatureStore | None
    signer: Signer | None
    check_signature: SignatureCheck | None
    trusted_keys: dict[str, str]
    clock: Callable[[], datetime]
    files: Any  # EvidenceFiles | None: referenced files are checked too

    # ----- histories --------------------------------------------------------------------

    def history(self, case_id: UUID) -> list[EventRecord]:
        """Every event of the case in order, with its actor, data and chain hashes.

        An event that does not decode or apply to its case is shown marked, not hidden."""
        stored_events = self._guard(lambda: list(self.recorder.select_events(case_id)))
        if not stored_events:
            raise CaseNotFound(case_id)
        records, case = [], None
        for s in stored_events:
            record, case = self._record_of(s, case)
            records.append(record)
        return records

    def _record_of(self, stored: Any, case: Any) -> tuple[EventRecord, Any]:
        try:
            link = open_envelope(stored.state)
            link_hash, prev_hash = link.hash, link.prev_hash
        except BrokenEnvelope:
            link_hash, prev_hash = "", ""
        try:
            event = self.mapper.to_domain_event(stored)
            case = self._apply(case, event)
        except Exception as e:  # noqa: BLE001 - any failure marks the event, never the reader
            return (
                EventRecord(
                    version=stored.originator_version,
                    type=INVALID,
                    at=None,
                    actor_id="",
                    actor_role="",
                    data={"topic": stored.topic, "error": _reason(e)},
                    hash=link_hash,
                    prev_hash=prev_hash,
                    invalid=_reason(e),
                ),
                case,
            )
        state = vars(event)
        data = {k: v for k, v in state.items() if k not in _ENVELOPE_FIELDS | _ACTOR_FIELDS}
        return (
            EventRecord(
                version=stored.originator_version,
                type=type(event).__name__,
                at=state["timestamp"],
                actor_id=state["actor_id"],
                actor_role=state["actor_role"],
                data=data,
                hash=link_hash,
                prev_hash=prev_hash,
            ),
            case,
        )

    @staticmethod
    def _apply(case: Any, event: Any) -> Any:
        """Apply one event as replay would, refusing what the domain never records."""
        if case is not None and case.status.is_final:
            if not getattr(event, "after_final", False):
                raise ValueError(f"recorded after the case was {case.status.value}")
            if isinstance(case, _FinalCase):
                return case
        return event.mutate(case)

    # ----- verification -----------------------------------------------------------------

    def verify(
        self,
        progress: Callable[[int, int], None] | None = None,
        *,
        trusted: dict[str, str] | None = None,
        anchor: LogSignature | None = None,
    ) -> VerifyReport:
        """Check every case's chain, every event against the domain, and the whole log
        against its signed rows. ``trusted``: public keys an auditor brought (else this
        installation's keyring); ``anchor``: a checkpoint kept outside the system."""
        report = VerifyReport()
        auditor = self._log_auditor(trusted, anchor)
        heads: dict[UUID, tuple[int, str]] = {}
        broken: set[UUID] = set()
        cases: dict[UUID, Any] = {}  # open cases' state; final ones keep only their state
        total = self._guard(self.recorder.max_notification_id) or 0
        for n in self._notifications():
            report.events += 1
            case_id = n.originator_id
            if auditor is not None:
                auditor.feed(
                    n.id, event_hash(case_id, n.originator_version, n.topic, bytes(n.state))
                )
            if progress is not None:
                progress(n.id, total)
            if case_id in broken:
                continue
            last_version, prev = heads.get(case_id, (0, GENESIS))
            problem, digest = check_next(n, last_version, prev)
            heads[case_id] = (n.originator_version, digest)
            if problem is None:
                problem = self._domain_problem(cases, n)
            if problem is not None:
                broken.add(case_id)
                cases.pop(case_id, None)
                report.problems.append(
                    ChainProblem(
                        case_id, n.originator_version, n.topic.rsplit(":", 1)[-1], n.id, problem
                    )
                )
        report.cases = len(heads)
        if auditor is not None:
            report.log = auditor.finish()
            report.checked_at = datetime.now(UTC)  # signatures carry real time, not the clock's
        return report

    def _domain_problem(self, cases: dict[UUID, Any], n: Any) -> str | None:
        try:
            event = self.mapper.to_domain_event(n)
            case = self._apply(cases.get(n.originator_id), event)
            # A final case takes no more events: keep its state, not the whole aggregate.
            cases[n.originator_id] = _FinalCase(case.status) if case.status.is_final else case
        except Exception as e:  # noqa: BLE001 - whatever it is, the event is not valid
            return f"domain-invalid event: {_reason(e)}"
        return self._evidence_problem(event)

    def _evidence_problem(self, event: Any) -> str | None:
        """A file an event references must be in the store and hash to its name: the
        chain covers the hash, this covers the bytes."""
        if not isinstance(event, EvidenceAttached) or self.files is None:
            return None
        for sha256 in (event.sha256, event.thumbnail_sha256):
            problem = self._guard(partial(self.files.problem, sha256)) if sha256 else None
            if problem is not None:
                return str(problem)
        return None

    def _log_auditor(
        self, trusted: dict[str, str] | None, anchor: LogSignature | None
    ) -> LogAuditor | None:
        if self.signatures is None or self.check_signature is None:
            return None
        rows = self._guard(self.signatures.rows)
        keys = trusted if trusted is not None else self.trusted_keys
        return LogAuditor(
            rows,
            check=self.check_signature,
            trusted=keys,
            trust="pinned" if trusted is not None else KEYRING,
            anchor=anchor,
        )

    def verify_case(self, case_id: UUID) -> ChainProblem | None:
        """One case: its chain, its events against the domain, and each event against the
        signed row covering it (the log between that row and the one before is refolded)."""
        stored_events = self._guard(lambda: list(self.recorder.select_events(case_id)))
        if not stored_events:
            raise CaseNotFound(case_id)
        last_version, prev, case = 0, GENESIS, None
        for s in stored_events:
            problem, prev = check_next(s, last_version, prev)
            if problem is None:
                try:
                    event = self.mapper.to_domain_event(s)
                    case = self._apply(case, event)
                except Exception as e:  # noqa: BLE001
                    problem = f"domain-invalid event: {_reason(e)}"
                else:
                    problem = self._evidence_problem(event)
            if problem is not None:
                return ChainProblem(
                    case_id, s.originator_version, s.topic.rsplit(":", 1)[-1], 0, problem
                )
            last_version = s.originator_version
        return self._case_signatures(case_id, stored_events)

    def _case_signatures(self, case_id: UUID, stored_events: list[Any]) -> ChainProblem | None:
        if self.signatures is None or self.check_signature is None:
            return None
        positions = self._guard(partial(self.signatures.case_positions, case_id))
        for version, position in enumerate(positions, start=1):
            row, before = self._guard(partial(self.signatures.covering, position))
            problem = None
            if row is None:
                problem = "no signature covers this event (inserted around the service: forged)"
            elif not all(self._trusted_row(r) for r in (row, before) if r is not None):
                problem = "the signature covering this event does not verify with a trusted key"
            elif (before is None and row.seq != 1) or not self._refold(before, row):
                problem = "differs from what was signed (row altered, removed or inserted)"
            if problem is not None:
                topic = stored_events[version - 1].topic if version <= len(stored_events) else ""
                return ChainProblem(case_id, version, topic.rsplit(":", 1)[-1], position, problem)
        return None

    def _trusted_row(self, row: LogSignature) -> bool:
        assert self.check_signature is not None
        return self.trusted_keys.get(row.key_id) == row.public_key and self.check_signature(
            row.public_key, row.message(), row.signature
        )

    def _refold(self, before: LogSignature | None, row: LogSignature) -> bool:
        head = before.head if before else GENESIS
        start = (before.position if before else 0) + 1
        page = self._guard(
            partial(
                self.recorder.select_notifications,
                start,
                row.position - start + 1,
                stop=row.position,
            )
        )
        for n in page:
            head = next_head(
                head, n.id, event_hash(n.originator_id, n.originator_version, n.topic, n.state)
            )
        return head == row.head

    # ----- signing ------------------------------------------------------------------------

    def checkpoint(self) -> LogSignature:
        """A signed checkpoint of the log's head now, to keep or publish elsewhere."""
        return self._guard(partial(self._signatures().append, CHECKPOINT, self._signer()))

    def log_position(self) -> int:
        """The newest event's log position (0 for an empty log)."""
        return int(self._guard(self.recorder.max_notification_id) or 0)

    def checkpoints(self) -> list[LogSignature]:
        return [r for r in self._guard(self._signatures().rows) if r.kind != "batch"]

    def prepare_signing(self, *, rotate_from: Signer | None = None, force: bool = False) -> str:
        """At start: adopt a log written before signing, and refuse a key the log does not
        know. Returns what was done ('', 'adopted', 'rotated')."""
        store, signer = self._signatures(), self._signer()
        last = self._guard(store.last)
        if rotate_from is not None or (force and last is not None and last.key_id != signer.key_id):
            self._guard(partial(store.append, ROTATE, signer, endorser=rotate_from))
            return "rotated"
        if last is None:
            if self._guard(self.recorder.max_notification_id):
                self._guard(partial(store.append, ADOPT, signer, covering=True))
                return "adopted"
            return ""
        if last.key_id != signer.key_id:
            raise KeyMismatch(last.key_id, signer.key_id)
        return ""

    def rotate_key(self, new: Signer, *, endorser: Signer | None) -> LogSignature:
        """Hand signing over to ``new``: a rotation row signed by it and, when the old key is
        at hand, endorsed by the old one (so auditors holding only the old key follow)."""
        self.signer = new
        self.recorder.batch_signer = None  # nothing else is written in this process
        return self._guard(partial(self._signatures().append, ROTATE, new, endorser=endorser))

    def _signatures(self) -> SignatureStore:
        if self.signatures is None:
            raise StorageUnavailable("no signature store configured")
        return self.signatures

    def _signer(self) -> Signer:
        if self.signer is None:
            raise StorageUnavailable("no signing key configured")
        return self.signer

    # ----- plumbing ---------------------------------------------------------------------

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

    @staticmethod
    def _guard(call: Callable[[], T]) -> T:
        """Translate the database being unreachable into one application error."""
        try:
            return call()
        except (OperationalError, InterfaceError) as e:
            raise StorageUnavailable(type(e).__name__) from e


@dataclass(frozen=True)
class _FinalCase:
    status: Status


def _reason(e: BaseException) -> str:
    return f"{type(e).__name__}: {e}"[:300]
