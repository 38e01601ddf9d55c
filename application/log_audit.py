"""Checking the log against its signed rows, as an auditor does (pure).

``LogAuditor`` first checks the signed rows themselves (their own chain, keys and
signatures), then is fed every event in log order and checks that each one is covered
by a signature and that the log's head equals every signed head. What it cannot see:
the newest events cut together with their signed rows by someone who can bypass the
database's guards — an anchor kept elsewhere (``check_anchor``) closes that gap.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import datetime

from application.log_chain import (
    CHECKPOINT,
    COVERING,
    GENESIS,
    KINDS,
    ROTATE,
    LogSignature,
    SignatureCheck,
    key_id_of,
    next_head,
)

PINNED = "pinned"  # keys the auditor brought (--public-key)
KEYRING = "keyring"  # this installation's own public keys
FIRST_KEY = "first-key"  # nothing to compare with: the first row's key is taken on trust


@dataclass(frozen=True)
class LogProblem:
    position: int  # log position concerned (0: none)
    seq: int  # signed row concerned (0: none)
    problem: str
    problem_zh: str


@dataclass
class LogReport:
    signatures: int = 0
    signed_position: int = 0
    trust: str = FIRST_KEY
    keys: list[str] = field(default_factory=list)
    newest_checkpoint: LogSignature | None = None
    adopted_position: int = 0  # events vouched for on first signing (trust on first use)
    anchor: str = ""  # the outcome of checking an anchor, if one was given
    problems: list[LogProblem] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems

    def checkpoint_age(self, now: datetime) -> float | None:
        if self.newest_checkpoint is None:
            return None
        return (now - datetime.fromisoformat(self.newest_checkpoint.signed_at)).total_seconds()


class LogAuditor:
    def __init__(
        self,
        rows: list[LogSignature],
        *,
        check: SignatureCheck,
        trusted: dict[str, str] | None = None,
        trust: str = KEYRING,
        anchor: LogSignature | None = None,
    ) -> None:
        self.check = check
        self.anchor = anchor
        self._anchor_head: str | None = None
        self.report = LogReport(signatures=len(rows), trust=trust if trusted else FIRST_KEY)
        self._trusted = dict(trusted or {})
        self._rows = rows
        self._good: list[LogSignature] = []
        self._check_rows()
        # Heads to compare, by position; covering ranges, sorted.
        self._heads: dict[int, list[LogSignature]] = {}
        for row in self._good:
            self._heads.setdefault(row.position, []).append(row)
        self._ranges = sorted(
            (r.first_position, r.position) for r in self._good if r.kind in COVERING
        )
        self._starts = [a for a, _ in self._ranges]
        self._head = GENESIS
        self._last_position = 0
        self._seen: set[int] = set()

    # ----- the signed rows ----------------------------------------------------------

    def _problem(self, position: int, seq: int, en: str, zh: str) -> None:
        self.report.problems.append(LogProblem(position, seq, en, zh))

    def _check_rows(self) -> None:
        prev_digest, last_position, last_batch_end = GENESIS, 0, 0
        for i, row in enumerate(self._rows, start=1):
            if row.seq != i:
                self._problem(
                    0,
                    row.seq,
                    f"signed row {i} is missing or out of order",
                    f"签名记录 {i} 缺失或顺序被改动",
                )
                return  # everything after depends on the order
            if row.prev != prev_digest:
                self._problem(
                    0,
                    row.seq,
                    "does not chain from the signed row before it "
                    "(a signed row was altered, removed or inserted)",
                    "与前一条签名记录不相连（签名记录被改动、删除或插入）",
                )
            if not self._signature_ok(row):
                prev_digest = row.digest()
                continue
            if (
                row.kind not in KINDS
                or row.position < last_position
                or (row.kind in COVERING and row.first_position <= last_batch_end)
            ):
                self._problem(
                    row.position, row.seq, "signed positions go backwards", "签名记录的日志位置倒退"
                )
            last_position = max(last_position, row.position)
            if row.kind in COVERING:
                last_batch_end = row.position
            if row.kind == "adopt":
                self.report.adopted_position = max(self.report.adopted_position, row.position)
            if row.kind == CHECKPOINT:
                self.report.newest_checkpoint = row
            prev_digest = row.digest()
            self._good.append(row)
        self.report.signed_position = last_position
        self.report.keys = sorted({r.key_id for r in self._good})

    def _signature_ok(self, row: LogSignature) -> bool:
        if key_id_of(row.public_key) != row.key_id:
            self._problem(0, row.seq, "key id does not match its public key", "密钥编号与公钥不符")
            return False
        if not self.check(row.public_key, row.message(), row.signature):
            self._problem(
                row.position,
                row.seq,
                "signature does not verify (row forged or altered)",
                "签名校验失败（记录被伪造或改动）",
            )
            return False
        known = self._trusted.get(row.key_id)
        if known is None and not self._trusted:  # first use: nothing to compare with
            self._trusted[row.key_id] = row.public_key
            return True
        if known is None and row.kind == ROTATE and self._endorsed(row):
            self._trusted[row.key_id] = row.public_key
            return True
        if known != row.public_key:
            self._problem(
                row.position,
                row.seq,
                f"signed by key {row.key_id}, which is not trusted "
                "(not given, and not endorsed by a trusted key)",
                f"由不受信任的密钥 {row.key_id} 签名（未提供该公钥，也无受信密钥背书）",
            )
            return False
        return True

    def _endorsed(self, row: LogSignature) -> bool:
        endorser = self._trusted.get(row.endorsed_by)
        return endorser is not None and self.check(endorser, row.message(), row.endorsement)

    # ----- the events ---------------------------------------------------------------

    def covered(self, position: int) -> bool:
        i = bisect.bisect_right(self._starts, position) - 1
        return i >= 0 and self._ranges[i][0] <= position <= self._ranges[i][1]

    def feed(self, position: int, event_hash: str) -> str:
        """Fold one event (in log order) in; returns the head after it."""
        self._head = next_head(self._head, position, event_hash)
        self._last_position = position
        self._seen.add(position)
        if self.anchor is not None and position == self.anchor.position:
            self._anchor_head = self._head
        if not self.covered(position):
            self._problem(
                position,
                0,
                "no signature covers this event (inserted around the service: forged)",
                "该事件不在任何签名范围内（绕过系统插入：伪造）",
            )
        for row in self._heads.get(position, ()):
            if row.head != self._head:
                self._problem(
                    position,
                    row.seq,
                    "the log up to here differs from what was signed "
                    "(events altered, removed, inserted or reordered)",
                    "截至此处的日志与签名时不同（事件被改动、删除、插入或重排）",
                )
        return self._head

    def finish(self) -> LogReport:
        for position, rows in sorted(self._heads.items()):
            if position > self._last_position:
                self._problem(
                    position,
                    rows[0].seq,
                    f"signed up to position {position} but the log ends at "
                    f"{self._last_position} (newest events cut)",
                    f"签名覆盖到位置 {position}，日志却止于 {self._last_position}（最新事件被截断）",
                )
                break
            if position and position not in self._seen:
                self._problem(
                    position,
                    rows[0].seq,
                    "a signed position has no event (removed)",
                    "签名记录的位置上没有事件（已被删除）",
                )
        if self.anchor is not None:
            self._check_anchor(self.anchor, self._anchor_head)
        return self.report

    def _check_anchor(self, anchor: LogSignature, head_at: str | None) -> None:
        """Compare an anchor kept elsewhere with the log (``head_at``: the log's head at its
        position, None if the log does not reach it) and with the stored row."""
        if not self.check(anchor.public_key, anchor.message(), anchor.signature) or (
            key_id_of(anchor.public_key) != anchor.key_id
        ):
            self.report.anchor = "invalid"
            self._problem(
                anchor.position,
                anchor.seq,
                "the anchor's own signature does not verify",
                "锚点本身的签名校验失败",
            )
            return
        if self._trusted and self._trusted.get(anchor.key_id) not in (None, anchor.public_key):
            self.report.anchor = "untrusted"
            self._problem(
                anchor.position,
                anchor.seq,
                "the anchor is signed by another key",
                "锚点由其他密钥签名",
            )
            return
        stored = next((r for r in self._rows if r.seq == anchor.seq), None)
        if head_at is None:
            self.report.anchor = "cut"
            self._problem(
                anchor.position,
                anchor.seq,
                f"the anchor vouches for position {anchor.position}; the log ends "
                f"before it (events cut)",
                f"锚点覆盖到位置 {anchor.position}，日志在此之前就结束了（事件被截断）",
            )
        elif head_at != anchor.head:
            self.report.anchor = "differs"
            self._problem(
                anchor.position,
                anchor.seq,
                "the log differs from the anchor (history rewritten)",
                "日志与锚点不符（历史被改写）",
            )
        elif stored is None or stored.digest() != anchor.digest():
            self.report.anchor = "row-missing"
            self._problem(
                anchor.position,
                anchor.seq,
                "the anchor's signed row is missing or changed in the database",
                "数据库中与锚点对应的签名记录缺失或被改动",
            )
        else:
            self.report.anchor = "ok"
