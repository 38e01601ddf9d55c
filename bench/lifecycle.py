"""Seeded case life cycles, executed only through ``CaseService`` commands.

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

import heapq
import random
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from application.service import CaseService
from application.views import WriteResult
from domain.jurisdiction import Jurisdiction
from domain.values import (
    Actor,
    Channel,
    Level,
    NoteKind,
    PartyKind,
    Role,
    Satisfaction,
    Solved,
    Urgency,
)

LANES = 64
START = datetime(2024, 1, 1, tzinfo=UTC)
CASES_PER_DAY = 560  # ~100,000 cases in six months: a busy district
SECOND = 1_000_000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR

KINDS = {
    "grid": 0.56,
    "community": 0.16,
    "street": 0.11,
    "district": 0.02,
    "open": 0.07,
    "withdrawn": 0.04,
    "duplicate": 0.04,
}
SOLVED = {Solved.SOLVED: 0.7, Solved.PARTLY: 0.2, Solved.UNSOLVED: 0.1}
SATISFACTION = {
    Satisfaction.SATISFIED: 0.6,
    Satisfaction.BASICALLY: 0.25,
    Satisfaction.UNSATISFIED: 0.15,
}
PARTIES = {
    PartyKind.GOVERNMENT: "政府补贴",
    PartyKind.PROPERTY_COMPANY: "物业公司出资",
    PartyKind.OWNERS_FUND: "两共基金（业主）",
    PartyKind.ENTERPRISE: "共建企业出资",
    PartyKind.OTHER: "居民自筹",
}


@dataclass(frozen=True)
class Step:
    offset: int  # microseconds after the report
    op: str
    args: tuple[Any, ...] = ()


@dataclass
class Plan:
    index: int
    case_id: UUID
    kind: str
    grid_id: str
    category_id: str
    community_id: str
    street_id: str
    reported_at: datetime
    steps: list[Step] = field(default_factory=list)

    @property
    def lane(self) -> int:
        return self.index % LANES


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
        self.units_by_kind: dict[str, list[str]] = {}
        for unit_id, unit in sorted(jurisdiction.units.items()):
            self.units_by_kind.setdefault(unit.kind.value, []).append(unit_id)
        # Grids get uneven load: some neighbourhoods report far more than others.
        rng = random.Random(f"{seed}:grids")
        self.grid_weights = [rng.paretovariate(2.0) for _ in self.grids]
        self._kinds = list(KINDS)
        self._kind_weights = list(KINDS.values())

    def _rng(self, i: int) -> random.Random:
        return random.Random(f"{self.seed}:{i}")

    def kind_of(self, i: int) -> str:
        return self._rng(i).choices(self._kinds, self._kind_weights)[0]

    def plan(self, i: int) -> Plan:
        rng = self._rng(i)
        kind = rng.choices(self._kinds, self._kind_weights)[0]  # first draw: see kind_of
        slot = DAY // CASES_PER_DAY
        reported_at = START + timedelta(microseconds=i * slot + rng.randrange(slot))
        grid_id = rng.choices(self.grids, self.grid_weights)[0]
        category_id = rng.choices(self.categories, self.category_weights)[0]
        placement = self.j.placement(grid_id)
        p = Plan(
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
    def __init__(self, planner: Planner, plan: Plan, rng: random.Random) -> None:
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
                self.then(MINUTE, DAY, "duplicate", original)
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
        arrivals = []
        for unit_id in units:
            r = rng.random()
            if r < 0.7:
                arrivals.append((blown + rng.randrange(MINUTE, int(window * 0.95)), unit_id))
            elif r < 0.75:
                arrivals.append((blown + window, unit_id))  # exactly on the deadline
            elif r < 0.92:
                arrivals.append((blown + window + rng.randrange(MINUTE, 3 * window), unit_id))
            # else: never reports in
        for target, unit_id in sorted(arrivals):
            self.at(target, "report_in", number, unit_id)

    def party(self) -> tuple[PartyKind, str | None, int]:
        kind = self.rng.choice(list(PartyKind))
        options: list[str | None] = {
            PartyKind.GOVERNMENT: [*self.p.units_by_kind.get("department", []), None],
            PartyKind.PROPERTY_COMPANY: self.p.units_by_kind.get("property_company", []),
            PartyKind.OWNERS_FUND: [*self.p.units_by_kind.get("owners_committee", []), None],
            PartyKind.ENTERPRISE: self.p.units_by_kind.get("enterprise", []),
            PartyKind.OTHER: [None],
        }[kind] or [None]
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


# ----- executing ------------------------------------------------------------------------


def _coordinator(p: Plan) -> Actor:
    return Actor(f"co-{p.community_id}", Role.COORDINATOR)


def _grid_lead(p: Plan) -> Actor:
    return Actor(f"gl-{p.grid_id}", Role.GRID_LEAD)


def execute(
    svc: CaseService,
    p: Plan,
    step: Step,
    now: datetime,
    planner: Planner,
    original: UUID | None = None,
) -> WriteResult:
    """Issue one planned step as a CaseService command at ``now``.

    ``original`` overrides the planned original of a duplicate (writers that do not
    follow the planned lanes point at a case they wrote themselves)."""
    a = step.args
    match step.op:
        case "report":
            return svc.report_case(
                actor=_grid_lead(p),
                grid_id=p.grid_id,
                category_id=p.category_id,
                title=f"合成案件 {p.index:06d}（{p.category_id}）",
                description="基准测试生成的案件：居民反映的问题及现场情况说明。",
                channel=a[0],
                urgency=a[1],
                case_id=p.case_id,
            )
        case "note":
            return svc.add_note(
                p.case_id, actor=_grid_lead(p), text="入户走访，已与居民沟通处置方案。", kind=a[0]
            )
        case "escalate":
            return svc.escalate(
                p.case_id, actor=_coordinator(p), to_level=a[0], reason="超出本级处置能力"
            )
        case "whistle":
            return svc.blow_whistle(
                p.case_id,
                actor=_coordinator(p),
                unit_ids=list(a[0]),
                report_in_deadline=now + timedelta(microseconds=a[1]),
                reason="需要多部门联合处置",
            )
        case "report_in":
            return svc.report_in(
                p.case_id,
                actor=Actor(f"li-{a[1]}", Role.LIAISON),
                whistle_id=f"W{a[0]}",
                unit_id=a[1],
                note="已到场",
            )
        case "pledge":
            kind, unit_id, amount = a[0]
            return svc.pledge(
                p.case_id,
                actor=_coordinator(p),
                party_kind=kind,
                party_name=PARTIES[kind],
                amount_fen=amount,
                unit_id=unit_id,
                purpose="维修资金",
            )
        case "resolve":
            return svc.resolve(p.case_id, actor=_coordinator(p), summary="已现场处置完毕")
        case "score":
            return svc.evaluate_unit(
                p.case_id,
                actor=Actor(f"co-{p.street_id}", Role.COORDINATOR),
                whistle_id=f"W{a[0]}",
                unit_id=a[1],
                score=a[2],
            )
        case "evaluate":
            return svc.evaluate_case(
                p.case_id,
                actor=Actor("callback-12345", Role.COORDINATOR),
                solved=a[0],
                satisfaction=a[1],
                comment="电话回访",
            )
        case "reopen":
            return svc.reopen(p.case_id, actor=_coordinator(p), reason="回访不满意，重新办理")
        case "close":
            return svc.close_case(p.case_id, actor=_coordinator(p), remark="办结")
        case "withdraw":
            return svc.withdraw(p.case_id, actor=_grid_lead(p), reason="居民撤诉")
        case "duplicate":
            return svc.mark_duplicate(
                p.case_id,
                actor=_coordinator(p),
                original_case_id=original or planner.plan(a[0]).case_id,
                reason="与已受理案件重复",
            )
    raise ValueError(step.op)


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


def timeline(plans: Iterable[Plan]) -> Iterator[tuple[datetime, Plan, Step]]:
    """Every step of the given cases, in time order."""
    heap: list[tuple[datetime, int, int, Plan, Step]] = []
    for p in plans:
        for n, step in enumerate(p.steps):
            heap.append((p.reported_at + timedelta(microseconds=step.offset), p.index, n, p, step))
    heapq.heapify(heap)
    while heap:
        when, _, _, p, step = heapq.heappop(heap)
        yield when, p, step


def run_simulated(
    svc: CaseService,
    clock: SimClock,
    planner: Planner,
    indices: Iterable[int],
    on_command: Callable[[WriteResult | None], None] | None = None,
    errors: dict[str, int] | None = None,
) -> int:
    """Issue every step of the given cases in time order on the simulated clock.

    A command the service refuses is counted in ``errors`` (by step and error type)
    and the run goes on; a correct plan has none.
    """
    n = 0
    for when, p, step in timeline(planner.plan(i) for i in indices):
        clock.now = max(clock.now, when)
        result: WriteResult | None = None
        try:
            result = execute(svc, p, step, clock.now, planner)
            n += 1
        except Exception as e:
            if errors is None:
                raise
            key = f"{step.op}:{type(e).__name__}"
            errors[key] = errors.get(key, 0) + 1
        if on_command is not None:
            on_command(result)
    return n
