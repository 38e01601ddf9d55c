"""An independent recount of every dashboard measure, in plain Python, from the raw events.

Nothing here imports ``projections``: the definitions are re-implemented from
../shared/DOMAIN.md ("Measures") and the contract stated in projections/measures.py's
docstring, one case at a time, by replaying each case's events:

* Withdrawn and duplicate cases count nowhere (not in counts, units or funding); nor does a
  12345 work order whose 退单 the platform accepted.
* 12345 work orders: 签收 is the order's response; it sets the resolution deadline that
  counts (and the grid, if the order came without one); an approved 延期 replaces that
  deadline, a refused one leaves it; 退单, 延期 requests, 督办 and 反馈 change no figure.
* Cohort = the month of reporting, ``YYYY-MM`` in Asia/Shanghai time.
* reported: every counted case.
* resolved: current status resolved, evaluated or closed.
* resolved_on_time: resolved, and the *first* resolution at or before ``resolution_due``.
* responded_on_time: the first action (note, escalation, whistle or resolution; not a
  report-in, a pledge or a score) at or before ``response_due``.
* callbacks: cases with an evaluation; solved / partly_solved / satisfied /
  basically_satisfied / unsatisfied read the *latest* evaluation (it survives a reopening).
* whistled: at least one whistle.
* resolved_in_grid / resolved_in_community: resolved, and the level recorded in the
  case's latest ``CaseResolved`` is grid / grid-or-community.
* left_grid: the case's current level is above the grid.
* units: per summons (case × whistle × unit): whistles received, reported in, on time
  (reported in at or before the deadline), delay = report-in minus whistle in minutes
  (median), scores (mean).
* funding: pledged fen and number of pledges per community × party kind.
* as of an instant T (default: after the last event): only events stamped at or before
  T happened. An item is *due* once its deadline is before T (exactly on it, it is not).
  open_not_due: open (reported / in progress) and resolution_due >= T; unanswered_not_due:
  no first action and response_due >= T (cases still open); next_*: the earliest such
  deadline. A unit's summons is not due while it has no report-in and deadline >= T.
* rates: 办结率 resolved/(reported − open_not_due), 按期办结率 resolved_on_time/(reported −
  open_not_due), 响应率 responded_on_time/(reported − unanswered_not_due), 解决率 solved/callbacks, 部分解决率 partly/callbacks, 满意率
  (satisfied + w × basically)/callbacks, 不满意率 unsatisfied/callbacks, 吹哨率
  whistled/reported, 小事不出网格率 resolved_in_grid/resolved, 大事不出社区率
  resolved_in_community/resolved, 综合得分 w_r × 响应率 + w_s × 解决率 + w_sat × 满意率
  (None when any part is None). A rate over zero is None.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")
COUNT_FIELDS = (
    "reported",
    "resolved",
    "resolved_on_time",
    "responded_on_time",
    "callbacks",
    "solved",
    "partly_solved",
    "satisfied",
    "basically_satisfied",
    "unsatisfied",
    "whistled",
    "resolved_in_grid",
    "resolved_in_community",
    "left_grid",
    "open_not_due",
    "unanswered_not_due",
    "next_resolution_due",
    "next_response_due",
)
EARLIEST = ("next_resolution_due", "next_response_due")  # min, not sum, over a group
RATE_FIELDS = (
    "resolution_rate",
    "on_time_rate",
    "response_rate",
    "solved_rate",
    "partly_solved_rate",
    "satisfaction_rate",
    "unsatisfied_rate",
    "whistle_rate",
    "grid_rate",
    "community_rate",
    "composite",
)
GROUP_ATTRS = {
    "street": "street_id",
    "community": "community_id",
    "grid": "grid_id",
    "category": "category_id",
    "month": "month",
}
RESPONSES = {"ProgressNoted", "CaseEscalated", "WhistleBlown", "CaseResolved", "WorkOrderAccepted"}
RESOLVED_STATUSES = {"resolved", "evaluated", "closed"}
EXCLUDED_STATUSES = {"withdrawn", "duplicate", "returned"}
NO_FIGURE = {"EvidenceAttached", "WorkOrderReturned", "ExtensionRequested"}
NO_FIGURE |= {"WorkOrderSupervised", "FeedbackSent"}


@dataclass
class Summons:
    blown_at: datetime
    deadline: datetime
    level: str
    reported_in_at: datetime | None = None
    late_flag: bool | None = None
    score: int | None = None
    unanswered: bool = False  # still not reported in when the case was resolved


@dataclass
class Pledged:
    party_kind: str
    party_name: str
    unit_id: str | None
    amount_fen: int
    at: datetime


@dataclass
class CaseFacts:
    case_id: str
    street_id: str
    community_id: str
    grid_id: str
    category_id: str
    reported_at: datetime
    month: str
    response_due: datetime
    resolution_due: datetime
    status: str = "reported"
    level: str = "grid"
    round: int = 1
    events: int = 1
    first_response_at: datetime | None = None
    first_resolved_at: datetime | None = None
    resolved_level: str | None = None
    whistles: int = 0
    solved: str | None = None
    satisfaction: str | None = None
    reopened: int = 0
    summons: dict[tuple[str, str], Summons] = field(default_factory=dict)
    pledges: list[Pledged] = field(default_factory=list)

    @property
    def counted(self) -> bool:
        return self.status not in EXCLUDED_STATUSES

    @property
    def involved_units(self) -> set[str]:
        return {u for _, u in self.summons} | {p.unit_id for p in self.pledges if p.unit_id}

    def flags(self, as_of: datetime) -> dict[str, Any]:
        resolved = self.status in RESOLVED_STATUSES
        is_open = self.status in ("reported", "in_progress")
        open_not_due = is_open and self.resolution_due >= as_of
        unanswered_not_due = (
            is_open and self.first_response_at is None and self.response_due >= as_of
        )
        return {
            "reported": 1,
            "resolved": int(resolved),
            "resolved_on_time": int(
                resolved
                and self.first_resolved_at is not None
                and self.first_resolved_at <= self.resolution_due
            ),
            "responded_on_time": int(
                self.first_response_at is not None and self.first_response_at <= self.response_due
            ),
            "callbacks": int(self.satisfaction is not None),
            "solved": int(self.solved == "solved"),
            "partly_solved": int(self.solved == "partly_solved"),
            "satisfied": int(self.satisfaction == "satisfied"),
            "basically_satisfied": int(self.satisfaction == "basically_satisfied"),
            "unsatisfied": int(self.satisfaction == "unsatisfied"),
            "whistled": int(self.whistles > 0),
            "resolved_in_grid": int(resolved and self.resolved_level == "grid"),
            "resolved_in_community": int(resolved and self.resolved_level in ("grid", "community")),
            "left_grid": int(self.level != "grid"),
            "open_not_due": int(open_not_due),
            "unanswered_not_due": int(unanswered_not_due),
            "next_resolution_due": self.resolution_due if open_not_due else None,
            "next_response_due": self.response_due if unanswered_not_due else None,
        }


def read_log(service: Any, upto: int | None = None) -> list[tuple[int, Any]]:
    """(notification id, domain event) for the whole log, or up to and including ``upto``."""
    out: list[tuple[int, Any]] = []
    start = 1
    while True:
        page = service.recorder.select_notifications(start, 1000)
        for n in page:
            if upto is not None and n.id > upto:
                return out
            out.append((n.id, service.mapper.to_domain_event(n)))
        if len(page) < 1000:
            return out
        start = page[-1].id + 1


def replay(events: Iterable[Any]) -> dict[str, CaseFacts]:
    """Fold the events, in log order, into one CaseFacts per case."""
    cases: dict[str, CaseFacts] = {}
    for e in events:
        name = type(e).__name__
        case_id = str(e.originator_id)
        if name in ("CaseReported", "WorkOrderReceived"):
            assert case_id not in cases, f"case {case_id} reported twice"
            cases[case_id] = CaseFacts(
                level=getattr(e, "level", "grid"),
                case_id=case_id,
                street_id=e.street_id,
                community_id=e.community_id,
                grid_id=e.grid_id,
                category_id=e.category_id,
                reported_at=e.timestamp,
                month=e.timestamp.astimezone(BEIJING).strftime("%Y-%m"),
                response_due=e.response_due,
                resolution_due=e.resolution_due,
            )
            continue
        f = cases[case_id]
        f.events += 1
        assert e.originator_version == f.events, f"case {case_id}: versions out of order"
        if name in RESPONSES and f.first_response_at is None:
            f.first_response_at = e.timestamp
        if name == "ProgressNoted":
            if f.status == "reported":
                f.status = "in_progress"
        elif name == "CaseEscalated":
            f.level = e.to_level
            f.status = "in_progress"
        elif name == "WhistleBlown":
            f.whistles += 1
            f.status = "in_progress"
            for unit_id in e.unit_ids:
                f.summons[(e.whistle_id, unit_id)] = Summons(
                    blown_at=e.timestamp, deadline=e.report_in_deadline, level=e.level
                )
        elif name == "UnitReportedIn":
            s = f.summons[(e.whistle_id, e.unit_id)]
            s.reported_in_at = e.timestamp
            s.late_flag = e.late
        elif name == "FundingPledged":
            f.pledges.append(
                Pledged(e.party_kind, e.party_name, e.unit_id, e.amount_fen, e.timestamp)
            )
        elif name == "CaseResolved":
            f.status = "resolved"
            f.resolved_level = e.level
            if f.first_resolved_at is None:
                f.first_resolved_at = e.timestamp
            for item in e.unanswered:
                f.summons[(item["whistle_id"], item["unit_id"])].unanswered = True
        elif name == "CaseEvaluated":
            f.status = "evaluated"
            f.solved = e.solved
            f.satisfaction = e.satisfaction
        elif name == "UnitEvaluated":
            f.summons[(e.whistle_id, e.unit_id)].score = e.score
        elif name == "CaseReopened":
            f.status = "in_progress"
            f.round = e.round
            f.reopened += 1
            f.resolved_level = None
        elif name == "CaseClosed":
            f.status = "closed"
        elif name == "CaseWithdrawn":
            f.status = "withdrawn"
        elif name in ("CaseMarkedDuplicate", "CaseMergedInto"):  # 合并到: counts nowhere
            f.status = "duplicate"
        elif name == "CallersMerged":
            pass  # the original gains callers (来电人数) but still counts once
        elif name == "EvidenceAttached":
            pass  # documents a step: no status, response or measure changes
        elif name == "WorkOrderAccepted":
            f.status = "in_progress"
            f.resolution_due = e.resolution_due
            f.community_id, f.grid_id, f.level = e.community_id, e.grid_id, e.level
        elif name == "WorkOrderReturnDecided":
            if e.accepted:
                f.status = "returned"
        elif name == "ExtensionDecided":
            if e.approved:
                f.resolution_due = e.resolution_due
        elif name in NO_FIGURE:
            pass  # no status, response or measure changes
        else:  # pragma: no cover - a new event type must be added to the recount
            raise AssertionError(f"unknown event {name}")
    return cases


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


def _add(bucket: dict[str, Any], flags: dict[str, Any]) -> None:
    for name, value in flags.items():
        if name in EARLIEST:
            if value is not None and (bucket[name] is None or value < bucket[name]):
                bucket[name] = value
        else:
            bucket[name] += value


def _empty() -> dict[str, Any]:
    return {name: None if name in EARLIEST else 0 for name in COUNT_FIELDS}


class Recount:
    """Every measure, recounted from events (all of them, or a prefix of the log), as of
    an instant: events stamped after ``as_of`` have not happened yet."""

    def __init__(self, events: Iterable[Any], as_of: datetime | None = None) -> None:
        happened = list(events)
        if as_of is not None:
            happened = [e for e in happened if e.timestamp <= as_of]
        self.cases = replay(happened)
        latest = max((e.timestamp for e in happened), default=datetime.min.replace(tzinfo=UTC))
        self.as_of = as_of if as_of is not None else latest

    @classmethod
    def of(cls, service: Any, upto: int | None = None, as_of: datetime | None = None) -> Recount:
        return cls((e for _, e in read_log(service, upto)), as_of)

    def counted(self, where: Callable[[CaseFacts], bool] | None = None) -> list[CaseFacts]:
        return [f for f in self.cases.values() if f.counted and (where is None or where(f))]

    def counts_by(
        self, group: str, where: Callable[[CaseFacts], bool] | None = None
    ) -> dict[str, dict[str, Any]]:
        attr = GROUP_ATTRS[group]
        out: dict[str, dict[str, Any]] = {}
        for f in self.counted(where):
            _add(out.setdefault(getattr(f, attr), _empty()), f.flags(self.as_of))
        return out

    def total(self, where: Callable[[CaseFacts], bool] | None = None) -> dict[str, Any]:
        out = _empty()
        for f in self.counted(where):
            _add(out, f.flags(self.as_of))
        return out

    def units(self, where: Callable[[CaseFacts], bool] | None = None) -> dict[str, dict[str, Any]]:
        raw: dict[str, dict[str, Any]] = {}
        for f in self.counted(where):
            for (_, unit_id), s in f.summons.items():
                u = raw.setdefault(
                    unit_id,
                    {
                        "whistles": 0,
                        "reported_in": 0,
                        "on_time": 0,
                        "unanswered": 0,
                        "delays": [],
                        "scores": [],
                        "waiting": [],
                    },
                )
                u["whistles"] += 1
                u["unanswered"] += int(s.unanswered)
                if s.reported_in_at is None and not s.unanswered and s.deadline >= self.as_of:
                    u["waiting"].append(s.deadline)
                if s.reported_in_at is not None:
                    u["reported_in"] += 1
                    on_time = s.reported_in_at <= s.deadline
                    assert s.late_flag is (not on_time), "the event's late flag disagrees"
                    u["on_time"] += int(on_time)
                    u["delays"].append((s.reported_in_at - s.blown_at).total_seconds() / 60)
                if s.score is not None:
                    u["scores"].append(s.score)
        return {
            unit_id: {
                "whistles": u["whistles"],
                "reported_in": u["reported_in"],
                "on_time": u["on_time"],
                "unanswered": u["unanswered"],
                "median_delay_minutes": _median(u["delays"]) if u["delays"] else None,
                "mean_score": sum(u["scores"]) / len(u["scores"]) if u["scores"] else None,
                "not_due": len(u["waiting"]),
                "next_deadline": min(u["waiting"], default=None),
            }
            for unit_id, u in sorted(raw.items())
        }

    def funding(
        self, where: Callable[[CaseFacts], bool] | None = None
    ) -> dict[tuple[str, str], dict[str, int]]:
        out: dict[tuple[str, str], dict[str, int]] = {}
        for f in self.counted(where):
            for p in f.pledges:
                bucket = out.setdefault(
                    (f.community_id, p.party_kind), {"amount_fen": 0, "pledges": 0}
                )
                bucket["amount_fen"] += p.amount_fen
                bucket["pledges"] += 1
        return dict(sorted(out.items()))

    def coverage(self) -> dict[str, int]:
        """How much of the model the history exercises (for asserting the generator's reach)."""
        c: dict[str, int] = {}

        def bump(key: str) -> None:
            c[key] = c.get(key, 0) + 1

        for f in self.cases.values():
            bump(f"status:{f.status}")
            bump(f"level:{f.level}")
            if f.resolved_level:
                bump(f"resolved_level:{f.resolved_level}")
            if f.satisfaction:
                bump(f"callback:{f.solved}/{f.satisfaction}")
            if f.reopened:
                bump(f"reopened:{f.reopened}")
            if f.first_response_at is None:
                bump("never_responded")
            elif f.first_response_at == f.response_due:
                bump("responded_exactly_on_due")
            elif f.first_response_at > f.response_due:
                bump("responded_late")
            if f.first_resolved_at is not None:
                if f.first_resolved_at == f.resolution_due:
                    bump("resolved_exactly_on_due")
                elif f.first_resolved_at > f.resolution_due:
                    bump("resolved_late")
            local = f.reported_at.astimezone(BEIJING)
            if local.strftime("%Y-%m") != f.reported_at.astimezone(UTC).strftime("%Y-%m"):
                bump("month_differs_in_utc")
            for p in f.pledges:
                bump(f"party:{p.party_kind}")
            for s in f.summons.values():
                bump(f"whistle_level:{s.level}")
                if s.reported_in_at is None:
                    bump("summons:never")
                elif s.reported_in_at == s.deadline:
                    bump("summons:exactly_on_deadline")
                elif s.reported_in_at > s.deadline:
                    bump("summons:late")
                else:
                    bump("summons:on_time")
                if s.score is not None:
                    bump("summons:scored")
        return c


def rates(counts: dict[str, Any], weights: Any) -> dict[str, float | None]:
    """The rates from counts, with the dashboard's configurable weights (unrounded)."""

    def ratio(part: float, whole: int) -> float | None:
        return part / whole if whole else None

    due_for_resolution = counts["reported"] - counts["open_not_due"]
    response = ratio(counts["responded_on_time"], counts["reported"] - counts["unanswered_not_due"])
    solved = ratio(counts["solved"], counts["callbacks"])
    satisfaction = ratio(
        counts["satisfied"] + weights.basically_satisfied * counts["basically_satisfied"],
        counts["callbacks"],
    )
    composite = (
        None
        if response is None or solved is None or satisfaction is None
        else weights.response * response
        + weights.solved * solved
        + weights.satisfaction * satisfaction
    )
    return {
        "resolution_rate": ratio(counts["resolved"], due_for_resolution),
        "on_time_rate": ratio(counts["resolved_on_time"], due_for_resolution),
        "response_rate": response,
        "solved_rate": solved,
        "partly_solved_rate": ratio(counts["partly_solved"], counts["callbacks"]),
        "satisfaction_rate": satisfaction,
        "unsatisfied_rate": ratio(counts["unsatisfied"], counts["callbacks"]),
        "whistle_rate": ratio(counts["whistled"], counts["reported"]),
        "grid_rate": ratio(counts["resolved_in_grid"], counts["resolved"]),
        "community_rate": ratio(counts["resolved_in_community"], counts["resolved"]),
        "composite": composite,
    }
