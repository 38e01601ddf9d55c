"""A second signed log beside the cases': signing and verifying the 双报到 roster's log.

The roster's events (members' hours, units' service records: the 反馈卡 that goes to
employers) are their own log, with their own chain of signed rows (the same rows, key
and checks as the case log's, ``log_chain.py`` / ``log_audit.py``). This module does for
that log what ``audit.py`` does for the cases: adopt a log written before signing, refuse
a key the log does not know, write checkpoints and rotations, and verify every
aggregate's hash chain and the whole log against its signatures.

A roster log written before signing existed is adopted at the first start with a key
(an ``adopt`` row: trust on first use, as the case log was); ``verify`` reports the
adopted prefix as such (``LogReport.adopted_position``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.persistence import InterfaceError, OperationalError

from application.audit import SignatureStore
from application.errors import KeyMismatch, StorageUnavailable
from application.integrity import GENESIS, check_next, event_hash
from application.log_audit import KEYRING, PINNED, LogAuditor, LogReport
from application.log_chain import ADOPT, CHECKPOINT, ROTATE, LogSignature, SignatureCheck, Signer
from application.views import ChainProblem

T = TypeVar("T")
PAGE = 1000
ROSTER = "roster"
ROSTER_LABEL = "双报到名册日志"  # its units, members, needs and hours
CASES = "cases"
CASES_LABEL = "案件日志"


@dataclass(frozen=True)
class LoggedCheckpoint:
    """A checkpoint, adoption or rotation, with the log it belongs to: an anchor given to
    the wrong log's check fails, so listings say whose each one is."""

    log: str  # CASES | ROSTER
    label: str  # what officials read: 案件日志 | 双报到名册日志
    row: LogSignature


def checkpoints_of_logs(
    cases: list[LogSignature], others: list[SignedLog]
) -> list[LoggedCheckpoint]:
    """Every log's checkpoints, newest first within each log: the case log's first (as
    they were listed before the roster log had any), then each other log's."""
    listed = [LoggedCheckpoint(CASES, CASES_LABEL, r) for r in reversed(cases)]
    for log in others:
        listed += [LoggedCheckpoint(log.name, log.label, r) for r in reversed(log.checkpoints())]
    return listed


@dataclass
class LogVerifyReport:
    """One log's check: every aggregate's chain and the whole log against its signatures."""

    name: str
    label: str
    aggregates: int = 0
    events: int = 0
    problems: list[ChainProblem] = field(default_factory=list)
    log: LogReport | None = None
    checked_at: datetime | None = None

    @property
    def intact(self) -> bool:
        return not self.problems and (self.log is None or self.log.intact)


class SignedLog:
    """Signing and verifying one log (its recorder, mapper and signature rows)."""

    def __init__(
        self,
        recorder: Any,
        mapper: Any,
        signatures: SignatureStore,
        *,
        name: str = ROSTER,
        label: str = ROSTER_LABEL,
        signer: Signer | None,
        check_signature: SignatureCheck,
        trusted_keys: dict[str, str],
    ) -> None:
        self.recorder = recorder
        self.mapper = mapper
        self.signatures = signatures
        self.name = name
        self.label = label
        self.signer = signer
        self.check_signature = check_signature
        self.trusted_keys = trusted_keys

    # ----- signing ------------------------------------------------------------------------

    def prepare_signing(self) -> str:
        """At start: adopt a log written before signing ('adopted'), refuse a key the log
        does not know (``KeyMismatch``)."""
        signer = self._signer()
        last = self._guard(self.signatures.last)
        if last is None:
            if self.log_position():
                self._guard(partial(self.signatures.append, ADOPT, signer, covering=True))
                return "adopted"
            return ""
        if last.key_id != signer.key_id:
            raise KeyMismatch(last.key_id, signer.key_id)
        return ""

    def checkpoint(self) -> LogSignature:
        return self._guard(partial(self.signatures.append, CHECKPOINT, self._signer()))

    def checkpoints(self) -> list[LogSignature]:
        return [r for r in self._guard(self.signatures.rows) if r.kind != "batch"]

    def rotate_key(self, new: Signer, *, endorser: Signer | None) -> LogSignature:
        """The same hand-over as the case log's (``chuishao keys rotate`` does both)."""
        self.signer = new
        return self._guard(partial(self.signatures.append, ROTATE, new, endorser=endorser))

    def log_position(self) -> int:
        return int(self._guard(self.recorder.max_notification_id) or 0)

    # ----- verification -----------------------------------------------------------------

    def verify(
        self, *, trusted: dict[str, str] | None = None, anchor: LogSignature | None = None
    ) -> LogVerifyReport:
        """Every aggregate's chain (and that each event decodes), and the whole log against
        its signed rows. ``trusted``: keys an auditor brought; ``anchor``: one of this
        log's checkpoints kept outside the system."""
        report = LogVerifyReport(self.name, self.label)
        keys = trusted if trusted is not None else self.trusted_keys
        auditor = LogAuditor(
            self._guard(self.signatures.rows),
            check=self.check_signature,
            trusted=keys,
            trust=PINNED if trusted is not None else KEYRING,
            anchor=anchor,
        )
        heads: dict[UUID, tuple[int, str]] = {}
        broken: set[UUID] = set()
        for n in self._notifications():
            report.events += 1
            auditor.feed(
                n.id, event_hash(n.originator_id, n.originator_version, n.topic, bytes(n.state))
            )
            if n.originator_id in broken:
                continue
            last_version, prev = heads.get(n.originator_id, (0, GENESIS))
            problem, digest = check_next(n, last_version, prev)
            heads[n.originator_id] = (n.originator_version, digest)
            if problem is None:
                problem = self._decode_problem(n)
            if problem is not None:
                broken.add(n.originator_id)
                report.problems.append(
                    ChainProblem(
                        n.originator_id,
                        n.originator_version,
                        n.topic.rsplit(":", 1)[-1],
                        n.id,
                        problem,
                    )
                )
        report.aggregates = len(heads)
        report.log = auditor.finish()
        report.checked_at = datetime.now(UTC)
        return report

    def _decode_problem(self, n: Any) -> str | None:
        try:
            self.mapper.to_domain_event(n)
        except Exception as e:  # noqa: BLE001 - whatever it is, the event is not valid
            return f"event does not decode: {type(e).__name__}: {e}"[:300]
        return None

    def _notifications(self) -> Iterator[Any]:
        start = 1
        while True:
            page = self._guard(partial(self.recorder.select_notifications, start, PAGE))
            yield from page
            if len(page) < PAGE:
                return
            start = page[-1].id + 1

    def _signer(self) -> Signer:
        if self.signer is None:
            raise StorageUnavailable("no signing key configured")
        return self.signer

    @staticmethod
    def _guard(call: Callable[[], T]) -> T:
        try:
            return call()
        except (OperationalError, InterfaceError) as e:
            raise StorageUnavailable(type(e).__name__) from e
