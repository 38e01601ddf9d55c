"""The vocabulary every seeded history is planned in: time offsets, steps, and their timeline."""

from __future__ import annotations

import heapq
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

START = datetime(2024, 1, 1, tzinfo=UTC)
SECOND = 1_000_000  # offsets are whole microseconds, so instants are exact on every backend
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR


@dataclass(frozen=True)
class Step:
    offset: int  # microseconds after the report
    op: str
    args: tuple[Any, ...] = ()


@dataclass
class PlannedCase:
    """One case of a history: where and when it is reported, and its steps from then on."""

    index: int
    case_id: UUID
    kind: str  # its life cycle: grid, community, street, district, open, withdrawn, duplicate
    grid_id: str
    category_id: str
    community_id: str
    street_id: str
    reported_at: datetime
    steps: list[Step] = field(default_factory=list, repr=False)


class Script:
    """The steps of one case, kept strictly increasing in time."""

    def __init__(self) -> None:
        self.cursor = 0
        self.steps: list[Step] = []

    def at(self, target: int, op: str, args: tuple[Any, ...] = (), min_gap: int = SECOND) -> int:
        offset = target if not self.steps else max(target, self.cursor + min_gap)
        self.cursor = offset
        self.steps.append(Step(offset, op, args))
        return offset

    def then(self, gap: int, op: str, args: tuple[Any, ...] = ()) -> int:
        return self.at(self.cursor + gap, op, args)


class SimClock:
    """A clock the loader sets to each planned instant before the command runs.

    Thread-local: each loader thread follows its own cases' timeline, all sharing one
    service (and so one group-commit writer).
    """

    def __init__(self) -> None:
        self._local = threading.local()

    @property
    def now(self) -> datetime:
        return getattr(self._local, "now", START)

    @now.setter
    def now(self, value: datetime) -> None:
        self._local.now = value

    def __call__(self) -> datetime:
        return self.now


def timeline(plans: Iterable[PlannedCase]) -> Iterator[tuple[datetime, PlannedCase, Step]]:
    """Every step of the given cases, in time order."""
    heap: list[tuple[datetime, int, int, PlannedCase, Step]] = []
    for p in plans:
        for n, step in enumerate(p.steps):
            heap.append((p.reported_at + timedelta(microseconds=step.offset), p.index, n, p, step))
    heapq.heapify(heap)
    while heap:
        when, _, _, p, step = heapq.heappop(heap)
        yield when, p, step
