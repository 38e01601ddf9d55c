"""The edge-case mix of the seeded history generator: every boundary the projections must count right.

The tests' generator (``tests/projections/generator.py`` re-exports it); the bench loads
``bench.lifecycle``'s busy-district mix. Both plan ``Step``s run by ``bench.case_commands``.

Nothing here inserts rows: every event is the result of a CaseService command, issued
at a time set on the (fake) clock. All random choices are drawn when the generator is
built, so the same seed gives the same commands at the same instants whatever the
caller does between commands (run everything, run in slices, or interleave with
projection runs).

How a history is laid out:

* ``n_cases`` cases are reported across every grid and category of the jurisdiction,
  spread over ``span_days`` (several months, so they fall into different reporting
  months, Beijing time). Some are put right on a month boundary in Beijing time
  (one microsecond before, exactly on, or shortly after midnight CST).
* Each case gets a scripted life cycle of a few commands, with offsets from its report
  time. Offsets are chosen against the category's time limits so that some first
  actions and resolutions are on time, some exactly on the deadline, some late (also
  by one microsecond).
* The steps of all cases are merged into one timeline and executed in time order; the
  clock is advanced to each step's instant before its command runs.

Life cycles (probabilities are rough): resolved in the grid; escalated to the community
(some with a community whistle); escalated to the street with whistles summoning 1–3
units that report in on time, exactly at the deadline, late or never, pledges of every
party kind, unit scores; escalated on to the district; evaluations of every
solved × satisfaction pair; reopenings after unsatisfied evaluations (once or twice,
some left open after reopening); withdrawn; duplicates (also after resolution, with
whistles and pledges); left open (untouched, noted, escalated, whistled).
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta
from typing import Any
from uuid import UUID

from bench.histories import mixes
from bench.histories.commands import pledging_units
from bench.histories.steps import DAY, HOUR, MINUTE, SECOND, PlannedCase, Script
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
from domain.working_days import WorkingDayCalendar

KINDS = mixes.life_cycles(mixes.EDGE_CASES)
SOLVED_WEIGHTS = mixes.solved(mixes.EDGE_CASES)
SATISFACTION_WEIGHTS = mixes.satisfaction(mixes.EDGE_CASES)
WHISTLE_WINDOWS = (30 * MINUTE, 2 * HOUR, 24 * HOUR)


MICROSECOND = timedelta(microseconds=1)


class EdgeCaseScripts:
    """Plans each case's life from one seeded stream shared with the case layout."""

    def __init__(
        self,
        j: Jurisdiction,
        rng: random.Random,
        stats: Counter[str],
        runs: list[PlannedCase],
        calendar: WorkingDayCalendar | None = None,
    ) -> None:
        self.j = j
        self.calendar = calendar
        self.rng = rng
        self.stats = stats
        self.runs = runs  # the cases planned so far: a duplicate's original is one of them
        self.units = sorted(j.units)
        self.units_by_kind: dict[UnitKind, list[str]] = {}
        for unit_id in self.units:
            self.units_by_kind.setdefault(j.units[unit_id].kind, []).append(unit_id)

    def _limits(self, run: PlannedCase) -> tuple[int, int]:
        """The case's own limits from its report: working days land differently per date."""
        c = self.j.category(run.category_id)
        at = run.reported_at
        return (
            (c.response.due(at, self.calendar) - at) // MICROSECOND,
            (c.resolution.due(at, self.calendar) - at) // MICROSECOND,
        )

    def _deadline_pick(self, limit: int, *, late_share: float, earliest: int = 0) -> int:
        """An offset before, exactly on, a microsecond after, or well after a limit."""
        r = self.rng.random()
        if r < 0.05:
            return limit
        if r < 0.08:
            return limit + 1
        if r < 0.08 + late_share:
            return limit + int(limit * self.rng.uniform(0.05, 2.0)) + self.rng.randrange(SECOND)
        low = max(earliest, int(limit * 0.05))
        high = max(low + 1, int(limit * 0.95))
        return self.rng.randrange(low, high)

    def plan_case(self, run: PlannedCase) -> Script:
        """The steps of one case, drawn from the generator's one stream."""
        rng = self.rng
        s = Script()
        s.at(0, "report", self._report(run))
        response_limit, resolution_limit = self._limits(run)
        first = self._deadline_pick(response_limit, late_share=0.15, earliest=SECOND)
        if run.kind == "duplicate":
            originals = [
                r for r in self.runs if r.kind != "duplicate" and r.reported_at < run.reported_at
            ]
            if not originals:
                run.kind = "grid"
            else:
                self._plan_duplicate(run, s, first, rng.choice(originals).case_id)
                return s
        if run.kind == "withdrawn":
            self._plan_withdrawn(run, s, first)
        elif run.kind == "open":
            self._plan_open(run, s, first)
        else:
            level, quick = self._plan_handling(run, s, first)
            if quick:  # fixed on the spot: the resolution is the first action
                s.at(first, "resolve")
            else:
                resolved = self._deadline_pick(resolution_limit, late_share=0.2, earliest=s.cursor)
                s.at(resolved, "resolve")
            self._plan_after_resolution(run, s, level, resolution_limit)
        return s

    # ----- life-cycle pieces ---------------------------------------------------------

    def _plan_handling(self, run: PlannedCase, s: Script, first: int) -> tuple[Level, bool]:
        """Everything before the first resolution: the level it ends at, and whether the
        resolution is the first action."""
        rng = self.rng
        if rng.random() < 0.08:  # a pledge first: funding is not a response
            s.at(max(1, first // 2), "pledge", self._pledge(run, PartyKind.PROPERTY_COMPANY))
        if run.kind == "grid":
            if rng.random() < 0.15:
                return Level.GRID, True
            s.at(first, "note", (rng.choice(list(NoteKind)),))
            if rng.random() < 0.3:
                s.then(rng.randrange(MINUTE, 6 * HOUR), "note", (NoteKind.HOME_VISIT,))
            if rng.random() < 0.1:
                s.then(rng.randrange(MINUTE, HOUR), "pledge", self._pledge(run, self._party_kind()))
            return Level.GRID, False
        if run.kind == "community":
            if rng.random() < 0.3:
                s.at(first, "note", (NoteKind.PROGRESS,))
                s.then(rng.randrange(MINUTE, 3 * HOUR), "escalate", (Level.COMMUNITY,))
            else:
                s.at(first, "escalate", (Level.COMMUNITY,))
            if rng.random() < 0.4:
                s.then(rng.randrange(MINUTE, HOUR), "note", (NoteKind.JOINT_MEETING,))
            if rng.random() < 0.3:
                self._plan_whistle(run, s, rng.randint(1, 2))
            if rng.random() < 0.3:
                self._plan_pledges(run, s, rng.randint(1, 2))
            return Level.COMMUNITY, False
        # street and district
        if rng.random() < 0.5:
            s.at(first, "escalate", (Level.COMMUNITY,))
            s.then(rng.randrange(MINUTE, 4 * HOUR), "escalate", (Level.STREET,))
        else:
            s.at(first, "escalate", (Level.STREET,))
        self._plan_whistle(run, s, rng.randint(1, 3))
        if rng.random() < 0.7:
            self._plan_pledges(run, s, rng.randint(1, 3))
        if rng.random() < 0.3:
            s.then(rng.randrange(MINUTE, DAY), "note", (NoteKind.ONSITE_OFFICE,))
        if rng.random() < 0.1:
            self._plan_whistle(run, s, rng.randint(1, 2))
        if run.kind == "district":
            s.then(rng.randrange(HOUR, 2 * DAY), "escalate", (Level.DISTRICT,))
            return Level.DISTRICT, False
        return Level.STREET, False

    def _plan_whistle(self, run: PlannedCase, s: Script, n_units: int) -> None:
        rng = self.rng
        units = rng.sample(self.units, n_units)
        window = rng.choice(WHISTLE_WINDOWS)
        blown = s.then(rng.randrange(MINUTE, 2 * HOUR), "whistle", (tuple(units), window))
        number = sum(1 for st in s.steps if st.op == "whistle")  # W1, W2 … in this case
        for target, unit_id in mixes.report_ins(rng, units, blown, window, mixes.EDGE_CASES):
            s.at(target, "report_in", (number, unit_id), min_gap=1)
        self.stats["summons"] += len(units)

    def _plan_pledges(self, run: PlannedCase, s: Script, n: int) -> None:
        for _ in range(n):
            s.then(self.rng.randrange(MINUTE, DAY), "pledge", self._pledge(run, self._party_kind()))

    def _plan_unit_scores(self, s: Script) -> None:
        whistles = [st for st in s.steps if st.op == "whistle"]
        for number, st in enumerate(whistles, start=1):
            for unit_id in st.args[0]:
                if self.rng.random() < 0.8:
                    score = self.rng.randint(0, 100)
                    s.then(
                        self.rng.randrange(MINUTE, HOUR),
                        "score",
                        (number, unit_id, score),
                    )

    def _plan_after_resolution(
        self, run: PlannedCase, s: Script, level: Level, resolution_limit: int
    ) -> None:
        rng = self.rng
        if rng.random() < 0.1:  # a note on a resolved case does not change its status
            s.then(rng.randrange(MINUTE, HOUR), "note", (NoteKind.PROGRESS,))
        self._plan_unit_scores(s)
        reopenings = 0
        while True:
            if rng.random() >= 0.85:  # no callback
                if rng.random() < 0.35:
                    s.then(rng.randrange(HOUR, 3 * DAY), "close")
                return
            solved = self._weighted(SOLVED_WEIGHTS)
            satisfaction = self._weighted(SATISFACTION_WEIGHTS)
            s.then(rng.randrange(HOUR, 5 * DAY), "evaluate", (solved, satisfaction))
            if satisfaction is Satisfaction.UNSATISFIED and reopenings < 2 and rng.random() < 0.6:
                reopenings += 1
                s.then(rng.randrange(HOUR, 2 * DAY), "reopen")
                if rng.random() < 0.15:  # reopened and still open
                    return
                s.then(rng.randrange(MINUTE, DAY), "note", (NoteKind.PROGRESS,))
                if level is not Level.DISTRICT and rng.random() < 0.35:
                    level = Level(list(Level)[level.rank + 1])
                    s.then(rng.randrange(MINUTE, HOUR), "escalate", (level,))
                    if level in (Level.COMMUNITY, Level.STREET) and rng.random() < 0.5:
                        self._plan_whistle(run, s, rng.randint(1, 2))
                s.then(rng.randrange(HOUR, resolution_limit), "resolve")
                continue
            if rng.random() < 0.75:
                s.then(rng.randrange(HOUR, 3 * DAY), "close")
            return

    def _plan_withdrawn(self, run: PlannedCase, s: Script, first: int) -> None:
        rng = self.rng
        r = rng.random()
        if r < 0.3:
            s.at(first, "withdraw")
            return
        s.at(first, "note", (NoteKind.PROGRESS,))
        if r > 0.6:  # withdrawn after a whistle and a pledge: those count nowhere either
            s.then(rng.randrange(MINUTE, HOUR), "escalate", (Level.STREET,))
            self._plan_whistle(run, s, rng.randint(1, 3))
            self._plan_pledges(run, s, 1)
            self._plan_unit_scores(s)
        s.then(rng.randrange(MINUTE, 2 * DAY), "withdraw")

    def _plan_duplicate(self, run: PlannedCase, s: Script, first: int, original: UUID) -> None:
        rng = self.rng
        r = rng.random()
        mark = (original,)
        if r < 0.3:
            s.at(first, "duplicate", mark)
            return
        if r < 0.55:
            s.at(first, "note", (NoteKind.PROGRESS,))
        elif r < 0.75:
            s.at(first, "resolve")
        else:
            s.at(first, "escalate", (Level.COMMUNITY,))
            self._plan_whistle(run, s, rng.randint(1, 2))
            self._plan_pledges(run, s, 1)
            s.then(rng.randrange(MINUTE, DAY), "resolve")
            s.then(
                rng.randrange(MINUTE, DAY),
                "evaluate",
                (self._weighted(SOLVED_WEIGHTS), self._weighted(SATISFACTION_WEIGHTS)),
            )
        s.then(rng.randrange(MINUTE, DAY), "duplicate", mark)

    def _plan_open(self, run: PlannedCase, s: Script, first: int) -> None:
        rng = self.rng
        r = rng.random()
        if r < 0.3:
            return  # untouched: never responded
        s.at(first, "note", (NoteKind.PROGRESS,))
        if r < 0.55:
            return
        s.then(rng.randrange(MINUTE, DAY), "escalate", (Level.COMMUNITY,))
        if r < 0.75:
            return
        s.then(rng.randrange(MINUTE, DAY), "escalate", (Level.STREET,))
        self._plan_whistle(run, s, rng.randint(1, 3))
        if rng.random() < 0.5:
            self._plan_pledges(run, s, 1)

    # ----- choices -------------------------------------------------------------------

    def _weighted(self, weights: dict[Any, float]) -> Any:
        return self.rng.choices(list(weights), list(weights.values()))[0]

    def _party_kind(self) -> PartyKind:
        return self.rng.choice(list(PartyKind))

    def _pledging_unit(self, kind: PartyKind) -> str | None:
        return self.rng.choice(pledging_units(self.units_by_kind, kind))

    # ----- the arguments of each command, drawn while planning ------------------------

    def _report(self, run: PlannedCase) -> tuple[Any, ...]:
        channel = self.rng.choice(list(Channel))
        urgency = self.rng.choice(list(Urgency))
        return channel, urgency

    def _pledge(self, run: PlannedCase, kind: PartyKind) -> tuple[Any, ...]:
        unit_id = self._pledging_unit(kind)
        amount = self.rng.choice(
            (
                self.rng.randint(1, 99),
                self.rng.randint(100, 10_000_00),
                self.rng.randint(1, 20) * 100_000_00,
            )
        )
        return ((kind, unit_id, amount),)
