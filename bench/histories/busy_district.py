"""The busy-district mix the benchmark loads: seeded case life cycles, one random stream per case.

Case ``i`` is planned from its own random stream (``Random(f"{seed}:{i}")``), so any
process can plan any slice of cases and the history does not depend on how many
processes load it. Cases fall in ``LANES`` lanes (``i % LANES``); a duplicate always
points at an earlier case of its own lane, so a loader that keeps each lane in one
process never references a case another process has not written yet.

The mix (rough shares): most cases are handled and resolved in the grid after a few
notes; some are escalated to the community, a smaller share to the street (where
whistles summon 1–4 units, who report in on time, late or never), a few to the
district; pledges of every party kind; unit scores; 回访 evaluations, reopenings after
an unsatisfied answer; closings; some left open, withdrawn or marked duplicate.
About ten events per case on average.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import timedelta
from typing import Any
from uuid import UUID

from bench.histories import mixes
from bench.histories.commands import pledging_units
from bench.histories.steps import DAY, HOUR, MINUTE, SECOND, START, PlannedCase, Step
from domain.jurisdiction import Jurisdiction
from domain.values import (
    Channel,
    Level,
    NoteKind,
    PartyKind,
    Satisfaction,
    UnitKind,
    Urgency,
)

LANES = 64
CASES_PER_DAY = 560  # ~100,000 cases in six months: a busy district

KINDS = mixes.life_cycles(mixes.BUSY_DISTRICT)
SOLVED = mixes.solved(mixes.BUSY_DISTRICT)
SATISFACTION = mixes.satisfaction(mixes.BUSY_DISTRICT)


class Planner:
    """Plans case ``i`` of a district, the same whoever asks."""

    def __init__(
        self,
        jurisdiction: Jurisdiction,
        seed: int = 7,
        category_weights: dict[str, float] | None = None,
    ) -> None:
        self.j = jurisdiction
        self.seed = seed
        self.grids = sorted(jurisdiction.grids)
        self.categories = sorted(jurisdiction.categories)
        weights = category_weights or {}
        self.category_weights = [weights.get(c, 1.0) for c in self.categories]
        self.units = sorted(jurisdiction.units)
        self.units_by_kind: dict[UnitKind, list[str]] = {}
        for unit_id, unit in sorted(jurisdiction.units.items()):
            self.units_by_kind.setdefault(unit.kind, []).append(unit_id)
        # Grids get uneven load: some neighbourhoods report far more than others.
        rng = random.Random(f"{seed}:grids")
        self.grid_weights = [rng.paretovariate(2.0) for _ in self.grids]
        self._kinds = list(KINDS)
        self._kind_weights = list(KINDS.values())

    def _rng(self, i: int) -> random.Random:
        return random.Random(f"{self.seed}:{i}")

    def kind_of(self, i: int) -> str:
        return self._rng(i).choices(self._kinds, self._kind_weights)[0]

    def plan(self, i: int) -> PlannedCase:
        rng = self._rng(i)
        kind = rng.choices(self._kinds, self._kind_weights)[0]  # first draw: see kind_of
        slot = DAY // CASES_PER_DAY
        reported_at = START + timedelta(microseconds=i * slot + rng.randrange(slot))
        grid_id = rng.choices(self.grids, self.grid_weights)[0]
        category_id = rng.choices(self.categories, self.category_weights)[0]
        placement = self.j.placement(grid_id)
        p = PlannedCase(
            i,
            UUID(int=rng.getrandbits(128) | (1 << 126), version=4),
            kind,
            grid_id,
            category_id,
            placement.community_id,
            placement.street_id,
            reported_at,
        )
        _Script(self, p, rng).build()
        return p

    def original_for(self, i: int) -> int | None:
        """An earlier, non-duplicate case of the same lane."""
        j = i - LANES
        while j >= 0:
            if self.kind_of(j) != "duplicate":
                return j
            j -= LANES
        return None


class _Script:
    def __init__(self, planner: Planner, plan: PlannedCase, rng: random.Random) -> None:
        self.p = planner
        self.plan = plan
        self.rng = rng
        self.cursor = 0
        self.whistles: list[list[str]] = []
        c = planner.j.category(plan.category_id)
        self.response = c.response_limit // timedelta(microseconds=1)
        self.resolution = c.resolution_limit // timedelta(microseconds=1)

    def at(self, target: int, op: str, *args: Any) -> None:
        self.cursor = max(target, self.cursor + SECOND)
        self.plan.steps.append(Step(self.cursor, op, args))

    def then(self, low: int, high: int, op: str, *args: Any) -> None:
        self.at(self.cursor + self.rng.randrange(low, high), op, *args)

    def due(self, limit: int, late_share: float) -> int:
        """An offset mostly inside ``limit``, sometimes exactly on it or late."""
        r = self.rng.random()
        if r < 0.03:
            return limit
        if r < 0.03 + late_share:
            return limit + int(limit * self.rng.uniform(0.05, 1.5))
        return max(self.cursor + SECOND, int(limit * self.rng.uniform(0.05, 0.9)))

    def build(self) -> None:
        rng, kind = self.rng, self.plan.kind
        self.plan.steps.append(
            Step(0, "report", (rng.choice(list(Channel)), rng.choice(list(Urgency))))
        )
        first = self.due(self.response, 0.08)
        if kind == "duplicate":
            original = self.p.original_for(self.plan.index)
            if original is None:
                kind = self.plan.kind = "grid"
            else:
                if rng.random() < 0.5:
                    self.at(first, "note", NoteKind.PROGRESS)
                self.then(MINUTE, DAY, "duplicate", self.p.plan(original).case_id)
                return
        if kind == "withdrawn":
            self.at(first, "note", NoteKind.PROGRESS)
            self.then(MINUTE, 2 * DAY, "withdraw")
            return
        if kind == "open":
            if rng.random() < 0.4:
                return
            self.at(first, "note", NoteKind.PROGRESS)
            if rng.random() < 0.5:
                self.then(MINUTE, DAY, "escalate", Level.COMMUNITY)
            return
        level = self.handle(kind, first)
        self.at(max(self.cursor + MINUTE, self.due(self.resolution, 0.1)), "resolve")
        self.after_resolution(level)

    def notes(
        self, n: int, kinds: Iterable[NoteKind] = (NoteKind.PROGRESS, NoteKind.HOME_VISIT)
    ) -> None:
        options = list(kinds)
        for _ in range(n):
            self.then(MINUTE, 6 * HOUR, "note", self.rng.choice(options))

    def handle(self, kind: str, first: int) -> Level:
        rng = self.rng
        if kind == "grid":
            self.at(first, "note", NoteKind.PROGRESS)
            self.notes(rng.randint(2, 7))
            if rng.random() < 0.05:
                self.then(MINUTE, HOUR, "pledge", self.party())
            return Level.GRID
        self.at(first, "note", NoteKind.PROGRESS)
        self.notes(rng.randint(0, 3))
        self.then(MINUTE, 3 * HOUR, "escalate", Level.COMMUNITY)
        if kind == "community":
            self.notes(rng.randint(1, 3), (NoteKind.JOINT_MEETING, NoteKind.PROGRESS))
            if rng.random() < 0.35:
                self.whistle(rng.randint(1, 2))
            if rng.random() < 0.25:
                self.pledges(rng.randint(1, 2))
            return Level.COMMUNITY
        self.then(MINUTE, 4 * HOUR, "escalate", Level.STREET)
        self.whistle(rng.randint(2, 4))
        self.notes(rng.randint(1, 3), (NoteKind.ONSITE_OFFICE, NoteKind.JOINT_MEETING))
        if rng.random() < 0.7:
            self.pledges(rng.randint(1, 3))
        if rng.random() < 0.15:
            self.whistle(rng.randint(1, 2))
        if kind == "district":
            self.then(HOUR, 2 * DAY, "escalate", Level.DISTRICT)
            self.notes(rng.randint(1, 3))
            return Level.DISTRICT
        return Level.STREET

    def whistle(self, n_units: int) -> None:
        rng = self.rng
        units = rng.sample(self.p.units, n_units)
        window = rng.choice((30 * MINUTE, 2 * HOUR, 24 * HOUR))
        self.then(MINUTE, 2 * HOUR, "whistle", tuple(units), window)
        self.whistles.append(units)
        number = len(self.whistles)
        blown = self.cursor
        for target, unit_id in mixes.report_ins(rng, units, blown, window, mixes.BUSY_DISTRICT):
            self.at(target, "report_in", number, unit_id)

    def party(self) -> tuple[PartyKind, str | None, int]:
        kind = self.rng.choice(list(PartyKind))
        options = pledging_units(self.p.units_by_kind, kind)
        amount = self.rng.choice(
            (
                self.rng.randint(100, 99_999),
                self.rng.randint(100_000, 5_000_000),
                self.rng.randint(1, 20) * 10_000_000,
            )
        )
        return kind, self.rng.choice(options), amount

    def pledges(self, n: int) -> None:
        for _ in range(n):
            self.then(MINUTE, DAY, "pledge", self.party())

    def after_resolution(self, level: Level) -> None:
        rng = self.rng
        for number, units in enumerate(self.whistles, start=1):
            for unit_id in units:
                if rng.random() < 0.8:
                    self.then(MINUTE, HOUR, "score", number, unit_id, rng.randint(40, 100))
        reopenings = 0
        while True:
            if rng.random() >= 0.85:  # no callback
                if rng.random() < 0.4:
                    self.then(HOUR, 3 * DAY, "close")
                return
            satisfaction = _weighted(rng, SATISFACTION)
            self.then(HOUR, 5 * DAY, "evaluate", _weighted(rng, SOLVED), satisfaction)
            if satisfaction is Satisfaction.UNSATISFIED and reopenings < 2 and rng.random() < 0.6:
                reopenings += 1
                self.then(HOUR, 2 * DAY, "reopen")
                if rng.random() < 0.1:
                    return  # reopened and still open
                self.notes(rng.randint(1, 3))
                if level is Level.GRID and rng.random() < 0.3:
                    level = Level.COMMUNITY
                    self.then(MINUTE, HOUR, "escalate", level)
                self.then(HOUR, 3 * DAY, "resolve")
                continue
            if rng.random() < 0.8:
                self.then(HOUR, 3 * DAY, "close")
            return


def _weighted(rng: random.Random, weights: dict[Any, float]) -> Any:
    return rng.choices(list(weights), list(weights.values()))[0]
