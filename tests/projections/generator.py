"""A seeded, reproducible generator of realistic case histories, driven through CaseService.

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

import heapq
import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from uuid import UUID
from zoneinfo import ZoneInfo

from application.service import CaseService
from application.views import WriteResult
from domain.values import (
    Actor,
    Channel,
    Level,
    NoteKind,
    PartyKind,
    Role,
    Satisfaction,
    Solved,
    UnitKind,
    Urgency,
)

MICROSECOND = timedelta(microseconds=1)
CST = ZoneInfo("Asia/Shanghai")
US = 1  # offsets are whole microseconds, so instants are exact on every backend
SECOND = 1_000_000 * US
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR

KINDS: dict[str, float] = {
    "grid": 0.42,
    "community": 0.16,
    "street": 0.17,
    "district": 0.03,
    "open": 0.10,
    "withdrawn": 0.06,
    "duplicate": 0.06,
}
SOLVED_WEIGHTS = {Solved.SOLVED: 0.6, Solved.PARTLY: 0.25, Solved.UNSOLVED: 0.15}
SATISFACTION_WEIGHTS = {
    Satisfaction.SATISFIED: 0.5,
    Satisfaction.BASICALLY: 0.3,
    Satisfaction.UNSATISFIED: 0.2,
}
WHISTLE_WINDOWS = (30 * MINUTE, 2 * HOUR, 24 * HOUR)
PARTY_NAMES = {
    PartyKind.GOVERNMENT: "政府补贴",
    PartyKind.PROPERTY_COMPANY: "物业公司出资",
    PartyKind.OWNERS_FUND: "两共基金（业主）",
    PartyKind.ENTERPRISE: "共建企业出资",
    PartyKind.OTHER: "居民自筹",
}


class SettableClock(Protocol):
    now: datetime

    def advance(self, **kwargs: float) -> datetime: ...


@dataclass
class CaseRun:
    """One case while its script runs: what later steps need from earlier ones."""

    index: int
    case_id: UUID
    kind: str
    grid_id: str
    community_id: str
    street_id: str
    category_id: str
    reported_at: datetime
    whistle_ids: list[str] = field(default_factory=list)


Action = Callable[[CaseService, CaseRun, datetime], WriteResult]


@dataclass
class Step:
    offset: int  # microseconds after the case's report time
    name: str
    action: Action
    units: tuple[str, ...] = ()  # the units a whistle step summons


class _Script:
    """The steps of one case, kept strictly increasing in time."""

    def __init__(self) -> None:
        self.cursor = 0
        self.steps: list[Step] = []

    def at(
        self,
        target: int,
        name: str,
        action: Action,
        min_gap: int = SECOND,
        units: tuple[str, ...] = (),
    ) -> int:
        offset = target if not self.steps else max(target, self.cursor + min_gap)
        self.cursor = offset
        self.steps.append(Step(offset, name, action, units))
        return offset

    def then(self, gap: int, name: str, action: Action, units: tuple[str, ...] = ()) -> int:
        return self.at(self.cursor + gap, name, action, units=units)


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
        self.units = sorted(j.units)
        self.units_by_kind: dict[UnitKind, list[str]] = {}
        for unit_id in self.units:
            self.units_by_kind.setdefault(j.units[unit_id].kind, []).append(unit_id)
        self.span = span_days * DAY
        self.stats: Counter[str] = Counter()  # kinds planned and commands issued
        self.results: list[WriteResult] = []
        self.runs: list[CaseRun] = []
        self._queue: list[tuple[datetime, int, int, Step, CaseRun]] = []
        self._plan_all()

    # ----- running -------------------------------------------------------------------

    @property
    def remaining(self) -> int:
        return len(self._queue)

    @property
    def done(self) -> bool:
        return not self._queue

    def commands(self) -> Iterator[WriteResult]:
        """Issue the next command (advancing the clock to its instant) per ``next()``."""
        while self._queue:
            when, _, _, step, run = heapq.heappop(self._queue)
            delta = when - self.clock.now
            if delta < timedelta(0):
                raise AssertionError(f"the timeline went backwards at {step.name}")
            self.clock.advance(microseconds=delta // timedelta(microseconds=1))
            result = step.action(self.service, run, when)
            self.stats[f"cmd:{step.name}"] += 1
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
            run = CaseRun(
                index=i,
                case_id=UUID(int=rng.getrandbits(128) | (1 << 126), version=4),
                kind=kind,
                grid_id=grid_id,
                community_id=placement.community_id,
                street_id=placement.street_id,
                category_id=category_id,
                reported_at=reported_at,
            )
            script = self._plan_case(run)
            self.stats[f"kind:{run.kind}"] += 1
            self.runs.append(run)
            for n, step in enumerate(script.steps):
                when = reported_at + timedelta(microseconds=step.offset)
                heapq.heappush(self._queue, (when, i, n, step, run))

    @staticmethod
    def _month_boundary(at: datetime, rng: random.Random) -> datetime:
        local = at.astimezone(CST)
        year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
        midnight = datetime(year, month, 1, tzinfo=CST).astimezone(UTC)
        nudge = rng.choice((-1, 0, 1, -30 * MINUTE, 30 * MINUTE, -1 * SECOND))
        return midnight + timedelta(microseconds=nudge)

    def _limits(self, run: CaseRun) -> tuple[int, int]:
        """The case's own limits from its report: working days land differently per date."""
        c = self.service.jurisdiction.category(run.category_id)
        calendar = self.service.calendar
        return (
            (c.response.due(run.reported_at, calendar) - run.reported_at) // MICROSECOND,
            (c.resolution.due(run.reported_at, calendar) - run.reported_at) // MICROSECOND,
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

    def _plan_case(self, run: CaseRun) -> _Script:
        rng = self.rng
        s = _Script()
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
                s.at(first, "resolve", self._resolve())
            else:
                resolved = self._deadline_pick(resolution_limit, late_share=0.2, earliest=s.cursor)
                s.at(resolved, "resolve", self._resolve())
            self._plan_after_resolution(run, s, level, resolution_limit)
        return s

    # ----- life-cycle pieces ---------------------------------------------------------

    def _plan_handling(self, run: CaseRun, s: _Script, first: int) -> tuple[Level, bool]:
        """Everything before the first resolution: the level it ends at, and whether the
        resolution is the first action."""
        rng = self.rng
        if rng.random() < 0.08:  # a pledge first: funding is not a response
            s.at(max(1, first // 2), "pledge", self._pledge(run, PartyKind.PROPERTY_COMPANY))
        if run.kind == "grid":
            if rng.random() < 0.15:
                return Level.GRID, True
            s.at(first, "note", self._note(run, rng.choice(list(NoteKind))))
            if rng.random() < 0.3:
                s.then(
                    rng.randrange(MINUTE, 6 * HOUR), "note", self._note(run, NoteKind.HOME_VISIT)
                )
            if rng.random() < 0.1:
                s.then(rng.randrange(MINUTE, HOUR), "pledge", self._pledge(run, self._party_kind()))
            return Level.GRID, False
        if run.kind == "community":
            if rng.random() < 0.3:
                s.at(first, "note", self._note(run, NoteKind.PROGRESS))
                s.then(rng.randrange(MINUTE, 3 * HOUR), "escalate", self._escalate(Level.COMMUNITY))
            else:
                s.at(first, "escalate", self._escalate(Level.COMMUNITY))
            if rng.random() < 0.4:
                s.then(rng.randrange(MINUTE, HOUR), "note", self._note(run, NoteKind.JOINT_MEETING))
            if rng.random() < 0.3:
                self._plan_whistle(run, s, rng.randint(1, 2))
            if rng.random() < 0.3:
                self._plan_pledges(run, s, rng.randint(1, 2))
            return Level.COMMUNITY, False
        # street and district
        if rng.random() < 0.5:
            s.at(first, "escalate", self._escalate(Level.COMMUNITY))
            s.then(rng.randrange(MINUTE, 4 * HOUR), "escalate", self._escalate(Level.STREET))
        else:
            s.at(first, "escalate", self._escalate(Level.STREET))
        self._plan_whistle(run, s, rng.randint(1, 3))
        if rng.random() < 0.7:
            self._plan_pledges(run, s, rng.randint(1, 3))
        if rng.random() < 0.3:
            s.then(rng.randrange(MINUTE, DAY), "note", self._note(run, NoteKind.ONSITE_OFFICE))
        if rng.random() < 0.1:
            self._plan_whistle(run, s, rng.randint(1, 2))
        if run.kind == "district":
            s.then(rng.randrange(HOUR, 2 * DAY), "escalate", self._escalate(Level.DISTRICT))
            return Level.DISTRICT, False
        return Level.STREET, False

    def _plan_whistle(self, run: CaseRun, s: _Script, n_units: int) -> None:
        rng = self.rng
        units = rng.sample(self.units, n_units)
        window = rng.choice(WHISTLE_WINDOWS)
        blown = s.then(
            rng.randrange(MINUTE, 2 * HOUR), "whistle", self._whistle(units, window), tuple(units)
        )
        number = sum(1 for st in s.steps if st.name == "whistle")  # W1, W2 … in this case
        arrivals: list[tuple[int, str]] = []
        for unit_id in units:
            r = rng.random()
            if r < 0.5:
                arrivals.append((blown + rng.randrange(MINUTE, int(window * 0.95)), unit_id))
            elif r < 0.56:
                arrivals.append((blown + window, unit_id))  # exactly on the deadline
            elif r < 0.6:
                arrivals.append((blown + window + 1, unit_id))  # one microsecond late
            elif r < 0.85:
                arrivals.append((blown + window + rng.randrange(MINUTE, 3 * window), unit_id))
            # else: never reports in
        for target, unit_id in sorted(arrivals):
            s.at(target, "report_in", self._report_in(number, unit_id), min_gap=1)
        self.stats["summons"] += len(units)

    def _plan_pledges(self, run: CaseRun, s: _Script, n: int) -> None:
        for _ in range(n):
            s.then(self.rng.randrange(MINUTE, DAY), "pledge", self._pledge(run, self._party_kind()))

    def _plan_unit_scores(self, s: _Script) -> None:
        whistles = [st for st in s.steps if st.name == "whistle"]
        for number, st in enumerate(whistles, start=1):
            for unit_id in st.units:
                if self.rng.random() < 0.8:
                    score = self.rng.randint(0, 100)
                    s.then(
                        self.rng.randrange(MINUTE, HOUR),
                        "score",
                        self._score(number, unit_id, score),
                    )

    def _plan_after_resolution(
        self, run: CaseRun, s: _Script, level: Level, resolution_limit: int
    ) -> None:
        rng = self.rng
        if rng.random() < 0.1:  # a note on a resolved case does not change its status
            s.then(rng.randrange(MINUTE, HOUR), "note", self._note(run, NoteKind.PROGRESS))
        self._plan_unit_scores(s)
        reopenings = 0
        while True:
            if rng.random() >= 0.85:  # no callback
                if rng.random() < 0.35:
                    s.then(rng.randrange(HOUR, 3 * DAY), "close", self._close())
                return
            solved = self._weighted(SOLVED_WEIGHTS)
            satisfaction = self._weighted(SATISFACTION_WEIGHTS)
            s.then(rng.randrange(HOUR, 5 * DAY), "evaluate", self._evaluate(solved, satisfaction))
            if satisfaction is Satisfaction.UNSATISFIED and reopenings < 2 and rng.random() < 0.6:
                reopenings += 1
                s.then(rng.randrange(HOUR, 2 * DAY), "reopen", self._reopen())
                if rng.random() < 0.15:  # reopened and still open
                    return
                s.then(rng.randrange(MINUTE, DAY), "note", self._note(run, NoteKind.PROGRESS))
                if level is not Level.DISTRICT and rng.random() < 0.35:
                    level = Level(list(Level)[level.rank + 1])
                    s.then(rng.randrange(MINUTE, HOUR), "escalate", self._escalate(level))
                    if level in (Level.COMMUNITY, Level.STREET) and rng.random() < 0.5:
                        self._plan_whistle(run, s, rng.randint(1, 2))
                s.then(rng.randrange(HOUR, resolution_limit), "resolve", self._resolve())
                continue
            if rng.random() < 0.75:
                s.then(rng.randrange(HOUR, 3 * DAY), "close", self._close())
            return

    def _plan_withdrawn(self, run: CaseRun, s: _Script, first: int) -> None:
        rng = self.rng
        r = rng.random()
        if r < 0.3:
            s.at(first, "withdraw", self._withdraw())
            return
        s.at(first, "note", self._note(run, NoteKind.PROGRESS))
        if r > 0.6:  # withdrawn after a whistle and a pledge: those count nowhere either
            s.then(rng.randrange(MINUTE, HOUR), "escalate", self._escalate(Level.STREET))
            self._plan_whistle(run, s, rng.randint(1, 3))
            self._plan_pledges(run, s, 1)
            self._plan_unit_scores(s)
        s.then(rng.randrange(MINUTE, 2 * DAY), "withdraw", self._withdraw())

    def _plan_duplicate(self, run: CaseRun, s: _Script, first: int, original: UUID) -> None:
        rng = self.rng
        r = rng.random()
        mark = self._duplicate(original)
        if r < 0.3:
            s.at(first, "duplicate", mark)
            return
        if r < 0.55:
            s.at(first, "note", self._note(run, NoteKind.PROGRESS))
        elif r < 0.75:
            s.at(first, "resolve", self._resolve())
        else:
            s.at(first, "escalate", self._escalate(Level.COMMUNITY))
            self._plan_whistle(run, s, rng.randint(1, 2))
            self._plan_pledges(run, s, 1)
            s.then(rng.randrange(MINUTE, DAY), "resolve", self._resolve())
            s.then(
                rng.randrange(MINUTE, DAY),
                "evaluate",
                self._evaluate(
                    self._weighted(SOLVED_WEIGHTS), self._weighted(SATISFACTION_WEIGHTS)
                ),
            )
        s.then(rng.randrange(MINUTE, DAY), "duplicate", mark)

    def _plan_open(self, run: CaseRun, s: _Script, first: int) -> None:
        rng = self.rng
        r = rng.random()
        if r < 0.3:
            return  # untouched: never responded
        s.at(first, "note", self._note(run, NoteKind.PROGRESS))
        if r < 0.55:
            return
        s.then(rng.randrange(MINUTE, DAY), "escalate", self._escalate(Level.COMMUNITY))
        if r < 0.75:
            return
        s.then(rng.randrange(MINUTE, DAY), "escalate", self._escalate(Level.STREET))
        self._plan_whistle(run, s, rng.randint(1, 3))
        if rng.random() < 0.5:
            self._plan_pledges(run, s, 1)

    # ----- choices -------------------------------------------------------------------

    def _weighted(self, weights: dict[Any, float]) -> Any:
        return self.rng.choices(list(weights), list(weights.values()))[0]

    def _party_kind(self) -> PartyKind:
        return self.rng.choice(list(PartyKind))

    def _pledging_unit(self, kind: PartyKind) -> str | None:
        by = self.units_by_kind
        options: list[str | None] = {
            PartyKind.GOVERNMENT: [*by.get(UnitKind.DEPARTMENT, []), None],
            PartyKind.PROPERTY_COMPANY: list(by.get(UnitKind.PROPERTY_COMPANY, [])),
            PartyKind.OWNERS_FUND: [*by.get(UnitKind.OWNERS_COMMITTEE, []), None],
            PartyKind.ENTERPRISE: list(by.get(UnitKind.ENTERPRISE, [])),
            PartyKind.OTHER: [None],
        }[kind] or [None]
        return self.rng.choice(options)

    # ----- commands (closures over choices already drawn) ----------------------------

    def _report(self, run: CaseRun) -> Action:
        channel = self.rng.choice(list(Channel))
        urgency = self.rng.choice(list(Urgency))
        title = f"生成案件 {run.index:05d}（{run.category_id}）"

        def act(svc: CaseService, r: CaseRun, now: datetime) -> WriteResult:
            return svc.report_case(
                actor=Actor(f"gl-{r.grid_id}", Role.GRID_LEAD),
                grid_id=r.grid_id,
                category_id=r.category_id,
                title=title,
                description="由测试生成器上报",
                channel=channel,
                urgency=urgency,
                case_id=r.case_id,
            )

        return act

    def _note(self, run: CaseRun, kind: NoteKind) -> Action:
        def act(svc: CaseService, r: CaseRun, now: datetime) -> WriteResult:
            return svc.add_note(
                r.case_id, actor=Actor(f"gl-{r.grid_id}", Role.GRID_LEAD), text="进展", kind=kind
            )

        return act

    def _escalate(self, to_level: Level) -> Action:
        def act(svc: CaseService, r: CaseRun, now: datetime) -> WriteResult:
            return svc.escalate(
                r.case_id, actor=_coordinator(r), to_level=to_level, reason="超出本级能力"
            )

        return act

    def _whistle(self, units: list[str], window: int) -> Action:
        def act(svc: CaseService, r: CaseRun, now: datetime) -> WriteResult:
            result = svc.blow_whistle(
                r.case_id,
                actor=_coordinator(r),
                unit_ids=units,
                report_in_deadline=now + timedelta(microseconds=window),
                reason="需要部门联合处置",
            )
            assert result.whistle_id is not None
            r.whistle_ids.append(result.whistle_id)
            return result

        return act

    def _report_in(self, number: int, unit_id: str) -> Action:
        def act(svc: CaseService, r: CaseRun, now: datetime) -> WriteResult:
            return svc.report_in(
                r.case_id,
                actor=Actor(f"li-{unit_id}", Role.LIAISON),
                whistle_id=r.whistle_ids[number - 1],
                unit_id=unit_id,
                note="已到场",
            )

        return act

    def _pledge(self, run: CaseRun, kind: PartyKind) -> Action:
        unit_id = self._pledging_unit(kind)
        amount = self.rng.choice(
            (
                self.rng.randint(1, 99),
                self.rng.randint(100, 10_000_00),
                self.rng.randint(1, 20) * 100_000_00,
            )
        )

        def act(svc: CaseService, r: CaseRun, now: datetime) -> WriteResult:
            return svc.pledge(
                r.case_id,
                actor=_coordinator(r),
                party_kind=kind,
                party_name=PARTY_NAMES[kind],
                amount_fen=amount,
                unit_id=unit_id,
                purpose="维修资金",
            )

        return act

    def _resolve(self) -> Action:
        def act(svc: CaseService, r: CaseRun, now: datetime) -> WriteResult:
            return svc.resolve(r.case_id, actor=_coordinator(r), summary="已处置")

        return act

    def _evaluate(self, solved: Solved, satisfaction: Satisfaction) -> Action:
        def act(svc: CaseService, r: CaseRun, now: datetime) -> WriteResult:
            return svc.evaluate_case(
                r.case_id,
                actor=Actor("callback-12345", Role.COORDINATOR),
                solved=solved,
                satisfaction=satisfaction,
                comment="回访",
            )

        return act

    def _score(self, number: int, unit_id: str, score: int) -> Action:
        def act(svc: CaseService, r: CaseRun, now: datetime) -> WriteResult:
            return svc.evaluate_unit(
                r.case_id,
                actor=Actor(f"co-{r.street_id}", Role.COORDINATOR),
                whistle_id=r.whistle_ids[number - 1],
                unit_id=unit_id,
                score=score,
            )

        return act

    def _reopen(self) -> Action:
        def act(svc: CaseService, r: CaseRun, now: datetime) -> WriteResult:
            return svc.reopen(r.case_id, actor=_coordinator(r), reason="回访不满意，重新办理")

        return act

    def _close(self) -> Action:
        def act(svc: CaseService, r: CaseRun, now: datetime) -> WriteResult:
            return svc.close_case(r.case_id, actor=_coordinator(r), remark="办结")

        return act

    def _withdraw(self) -> Action:
        def act(svc: CaseService, r: CaseRun, now: datetime) -> WriteResult:
            return svc.withdraw(
                r.case_id, actor=Actor(f"gl-{r.grid_id}", Role.GRID_LEAD), reason="居民撤诉"
            )

        return act

    def _duplicate(self, original: UUID) -> Action:
        def act(svc: CaseService, r: CaseRun, now: datetime) -> WriteResult:
            return svc.mark_duplicate(
                r.case_id,
                actor=_coordinator(r),
                original_case_id=original,
                reason="与已受理案件重复",
            )

        return act


def _coordinator(run: CaseRun) -> Actor:
    return Actor(f"co-{run.community_id}", Role.COORDINATOR)
