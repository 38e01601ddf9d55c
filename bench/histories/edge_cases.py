"""The seeded history generator the projection tests drive: its edge-case mix, run in slices.

All random choices are drawn when the generator is built (``edge_case_scripts``), so the
same seed gives the same commands at the same instants whatever the caller does between
commands (run everything, run in slices, or interleave with projection runs).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Protocol
from uuid import UUID

from application.service import CaseService
from application.views import WriteResult
from bench.histories.commands import EDGE_CASES, execute
from bench.histories.edge_case_scripts import KINDS, EdgeCaseScripts
from bench.histories.steps import DAY, MINUTE, SECOND, PlannedCase, timeline
from domain.times import BEIJING


class SettableClock(Protocol):
    now: datetime

    def advance(self, **kwargs: float) -> datetime: ...


class HistoryGenerator:
    """Build with a seed and a size, then ``run()`` (all at once or in slices)."""

    def __init__(
        self,
        service: CaseService,
        clock: SettableClock,
        *,
        n_cases: int,
        seed: int = 20240301,
        span_days: int = 120,
        start: datetime | None = None,
    ) -> None:
        self.service = service
        self.clock = clock
        self.rng = random.Random(seed)
        self.n_cases = n_cases
        self.start = start or clock.now
        if self.start < clock.now:
            raise ValueError("the history cannot start before the clock")
        j = service.jurisdiction
        self.grids = sorted(j.grids)
        self.categories = sorted(j.categories)
        self.span = span_days * DAY
        self.stats: Counter[str] = Counter()  # kinds planned and commands issued
        self.results: list[WriteResult] = []
        self.runs: list[PlannedCase] = []
        self._scripts = EdgeCaseScripts(j, self.rng, self.stats, self.runs, service.calendar)
        self._plan_all()
        self._left = sum(len(run.steps) for run in self.runs)
        self._timeline = timeline(self.runs)

    # ----- running -------------------------------------------------------------------

    @property
    def remaining(self) -> int:
        return self._left

    @property
    def done(self) -> bool:
        return self._left == 0

    def commands(self) -> Iterator[WriteResult]:
        """Issue the next command (advancing the clock to its instant) per ``next()``."""
        while self._left:
            when, run, step = next(self._timeline)
            self._left -= 1
            delta = when - self.clock.now
            if delta < timedelta(0):
                raise AssertionError(f"the timeline went backwards at {step.op}")
            self.clock.advance(microseconds=delta // timedelta(microseconds=1))
            result = execute(self.service, run, step, when, EDGE_CASES)
            self.stats[f"cmd:{step.op}"] += 1
            self.results.append(result)
            yield result

    def run(self, limit: int | None = None) -> int:
        """Issue up to ``limit`` commands (all that remain by default); returns how many."""
        issued = 0
        it = self.commands()
        while limit is None or issued < limit:
            if next(it, None) is None:
                break
            issued += 1
        return issued

    # ----- planning --------------------------------------------------------------------

    def _plan_all(self) -> None:
        rng = self.rng
        j = self.service.jurisdiction
        slot = self.span // max(self.n_cases, 1)
        kinds = list(KINDS)
        weights = [KINDS[k] for k in kinds]
        for i in range(self.n_cases):
            offset = i * slot + rng.randrange(max(slot, 1))
            reported_at = self.start + timedelta(microseconds=offset)
            if i % 37 == 5:  # right on a month boundary in Beijing time
                reported_at = max(self.start, self._month_boundary(reported_at, rng))
            grid_id = self.grids[i % len(self.grids)] if i < 64 else rng.choice(self.grids)
            category_id = (
                self.categories[(i // len(self.grids)) % len(self.categories)]
                if i < 64
                else rng.choice(self.categories)
            )
            kind = rng.choices(kinds, weights)[0]
            placement = j.placement(grid_id)
            run = PlannedCase(
                index=i,
                case_id=UUID(int=rng.getrandbits(128) | (1 << 126), version=4),
                kind=kind,
                grid_id=grid_id,
                community_id=placement.community_id,
                street_id=placement.street_id,
                category_id=category_id,
                reported_at=reported_at,
            )
            run.steps = self._scripts.plan_case(run).steps
            self.stats[f"kind:{run.kind}"] += 1
            self.runs.append(run)

    @staticmethod
    def _month_boundary(at: datetime, rng: random.Random) -> datetime:
        local = at.astimezone(BEIJING)
        year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
        midnight = datetime(year, month, 1, tzinfo=BEIJING).astimezone(UTC)
        nudge = rng.choice((-1, 0, 1, -30 * MINUTE, 30 * MINUTE, -1 * SECOND))
        return midnight + timedelta(microseconds=nudge)
