"""Reads from PostgreSQL hot standbys: which one may answer, and how far behind each is.

Events and views are written on the primary only; a standby is a byte-for-byte copy that
replays the primary's WAL, so its views' positions (the tracking rows) say exactly which
log positions its rows include. A read that asks for ``min_position`` goes to a standby
whose views have reached it, and only while that standby's replay is within the lag
bound; otherwise (or when none answers) the caller reads the primary. Probes are kept
for ``probe_seconds``, so a busy service asks each standby about once a second.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Connection, Engine, text

Marks = dict[str, tuple[int, int]]  # view -> (build, position), as projections/view.py
MarksReader = Callable[[Connection], Marks]

PROBE_SECONDS = 1.0
RETRY_SECONDS = 5.0  # an unreachable standby is not asked again before this

_PRIMARY = text("SELECT pg_current_wal_lsn()::text, clock_timestamp()")
# The lag in seconds is measured on the primary's clock (the replay timestamp is the
# primary's commit time), so the two machines' clocks need not agree. Caught up in bytes
# means no lag, however long ago the last commit was (an idle primary).
_STANDBY = text(
    "SELECT pg_is_in_recovery(),"
    " pg_wal_lsn_diff(CAST(:lsn AS pg_lsn), pg_last_wal_replay_lsn()),"
    " EXTRACT(EPOCH FROM CAST(:at AS timestamptz) - pg_last_xact_replay_timestamp())"
)


@dataclass(frozen=True)
class ReplicaState:
    """One standby as last probed. ``name`` is ``replica-N`` (never the URL: it may
    hold a password); ``problem`` says why it is not used, if it is not."""

    name: str
    healthy: bool
    lag_bytes: int | None = None
    lag_seconds: float | None = None
    marks: Marks = field(default_factory=dict)
    problem: str = ""
    probed_at: float = 0.0

    @property
    def position(self) -> int | None:
        """The log position every view of this standby has reached."""
        return min((p for _, p in self.marks.values()), default=None)


class ReadReplicas:
    """Chooses a standby for each read; ``lag`` reports every standby (for metrics)."""

    def __init__(
        self,
        primary: Engine,
        replicas: Sequence[Engine],
        marks: MarksReader,
        *,
        max_lag_seconds: float,
        probe_seconds: float = PROBE_SECONDS,
        retry_seconds: float = RETRY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.primary = primary
        self.engines = list(replicas)
        self.names = [f"replica-{i + 1}" for i in range(len(self.engines))]
        self.marks = marks
        self.max_lag_seconds = max_lag_seconds
        self.probe_seconds, self.retry_seconds = probe_seconds, retry_seconds
        self._clock = clock
        self._states: list[ReplicaState | None] = [None] * len(self.engines)
        self._locks = [threading.Lock() for _ in self.engines]
        self._turn = itertools.count()

    def choose(self, min_position: int = 0) -> tuple[int, ReplicaState] | None:
        """A standby (index, state) whose views hold ``min_position`` and whose lag is
        within the bound, taking turns among those that qualify; ``None``: read the
        primary."""
        n = len(self.engines)
        if not n:
            return None
        start = next(self._turn) % n
        for i in [(start + k) % n for k in range(n)]:
            state = self._state(i)
            if self._usable(state) and (state.position or 0) < min_position:
                state = self._state(i, fresh=True)  # the probe may predate the write
            if self._usable(state) and (state.position or 0) >= min_position:
                return i, state
        return None

    def lag(self) -> list[ReplicaState]:
        """Every standby probed now: healthy or why not, lag in bytes and seconds, and
        the log position its views have reached."""
        return [self._state(i, fresh=True, wait=True) for i in range(len(self.engines))]

    def dispose(self) -> None:
        for engine in self.engines:
            engine.dispose()

    def _usable(self, state: ReplicaState) -> bool:
        return (
            state.healthy
            and state.lag_seconds is not None
            and state.lag_seconds <= self.max_lag_seconds
        )

    def _state(self, i: int, *, fresh: bool = False, wait: bool = False) -> ReplicaState:
        """The kept probe while it is recent (``fresh``: unless it is healthy), else a new
        one. One probe at a time per standby: without ``wait`` a request does not queue
        behind another's probe (a standby that black-holes connections would hold it for
        the connect timeout) and takes the kept state, or none (not usable)."""
        kept = self._states[i]
        now = self._clock()
        if kept is not None:
            age = now - kept.probed_at
            if not kept.healthy and age < self.retry_seconds:
                return kept  # an unreachable standby costs a connect timeout: not often
            if kept.healthy and not fresh and age < self.probe_seconds:
                return kept
        lock = self._locks[i]
        if not lock.acquire(blocking=wait):
            return kept or ReplicaState(self.names[i], False, problem="not probed yet")
        try:
            if self._states[i] is not kept and not fresh:  # probed while this one waited
                return self._states[i] or self._probe_and_keep(i)
            return self._probe_and_keep(i)
        finally:
            lock.release()

    def _probe_and_keep(self, i: int) -> ReplicaState:
        state = self._probe(i)
        self._states[i] = state
        return state

    def _probe(self, i: int) -> ReplicaState:
        name, now = self.names[i], self._clock()
        try:
            with self.primary.connect() as conn:
                lsn, at = conn.execute(_PRIMARY).one()
        except Exception as e:  # no primary to compare with: no standby is known current
            return ReplicaState(name, False, problem=f"primary: {type(e).__name__}", probed_at=now)
        try:
            with self.engines[i].connect() as conn:
                recovering, behind, seconds = conn.execute(_STANDBY, {"lsn": lsn, "at": at}).one()
                if not recovering:  # promoted, or not a standby at all
                    return ReplicaState(name, False, problem="not a standby", probed_at=now)
                marks = self.marks(conn)
        except Exception as e:  # whatever it is, this standby does not answer reads now
            return ReplicaState(name, False, problem=type(e).__name__, probed_at=now)
        return ReplicaState(
            name,
            True,
            lag_bytes=max(0, int(behind)),
            lag_seconds=_lag_seconds(int(behind), seconds),
            marks=marks,
            probed_at=now,
        )


def _lag_seconds(behind: int, seconds: Decimal | float | None) -> float | None:
    """0 when the standby has replayed everything the primary had written; else the age
    of its last replayed commit (None: nothing replayed since it started)."""
    if behind <= 0:
        return 0.0
    if seconds is None:
        return None
    return max(0.0, float(seconds))
