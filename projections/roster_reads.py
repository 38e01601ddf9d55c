"""What the console pages and the exports read from the roster view: lists in a caller's
scope, a member's service record (活动记录), the feedback sheet for the employer (反馈卡)
and a unit's contribution. Pure functions of a refreshed ``RosterView``; the caller has
checked access to the member or unit, and passes the communities a list may show.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from domain.values import Assessment, ClaimantKind, NeedState
from projections.roster import MemberRow, NeedRow, RosterView, SeatRow

Communities = Collection[str] | None  # None: every community


def in_period(at: datetime | None, start: datetime | None, end: datetime | None) -> bool:
    """``start`` ≤ at < ``end`` (either bound open when None)."""
    return at is not None and (start is None or at >= start) and (end is None or at < end)


def seats(
    view: RosterView,
    *,
    communities: Communities = None,
    unit_id: str | None = None,
    active_only: bool = True,
) -> list[SeatRow]:
    out = []
    for seat in view.seats.values():
        if active_only and not seat.active:
            continue
        if unit_id is not None and seat.unit_id != unit_id:
            continue
        if communities is not None and not _seat_in(seat, communities, view):
            continue
        out.append(seat)
    return sorted(out, key=lambda s: (s.street_id, s.place_id, s.unit_id))


def _seat_in(seat: SeatRow, communities: Collection[str], view: RosterView) -> bool:
    if seat.level == "community":
        return seat.place_id in communities
    # a street seat shows to whoever sees a community of that street
    return any(
        m.street_id == seat.place_id for m in view.members.values() if m.community_id in communities
    ) or any(
        n.street_id == seat.place_id for n in view.needs.values() if n.community_id in communities
    )


def members(
    view: RosterView,
    *,
    communities: Communities = None,
    unit_id: str | None = None,
    active_only: bool = True,
) -> list[MemberRow]:
    out = [
        m
        for m in view.members.values()
        if (not active_only or m.active)
        and (communities is None or m.community_id in communities)
        and (unit_id is None or m.unit_id == unit_id)
    ]
    return sorted(out, key=lambda m: (m.community_id, m.registered_at))


def needs(
    view: RosterView,
    *,
    communities: Communities = None,
    state: str | None = None,
    case_id: str | None = None,
    claimant_id: str | None = None,
    unit_id: str | None = None,
) -> list[NeedRow]:
    out = [
        n
        for n in view.needs.values()
        if (communities is None or n.community_id in communities)
        and (state is None or n.state == state)
        and (case_id is None or n.case_id == case_id)
        and (claimant_id is None or n.claimant_id == claimant_id)
        and (unit_id is None or n.claimant_unit_id == unit_id)
    ]
    return sorted(out, key=lambda n: n.posted_at, reverse=True)


@dataclass(frozen=True)
class ServiceItem:
    """One need a member or unit took on, as its record shows it."""

    need_id: str
    community_id: str
    kind: str
    title: str
    state: str
    claimed_at: datetime | None
    done_at: datetime | None
    hours: float
    result: str
    assessment: str | None
    comment: str
    case_id: str | None

    @classmethod
    def of(cls, n: NeedRow) -> ServiceItem:
        return cls(
            n.need_id,
            n.community_id,
            n.kind,
            n.title,
            n.state,
            n.claimed_at,
            n.done_at,
            n.hours,
            n.result,
            n.assessment,
            n.comment,
            n.case_id,
        )


@dataclass(frozen=True)
class ServiceRecord:
    """活动记录: every need the member claimed (open ones too), newest first; the hours
    count confirmed work only."""

    member: MemberRow
    items: list[ServiceItem]
    confirmed_hours: float
    confirmed: int


def member_record(
    view: RosterView, member_id: str, *, start: datetime | None = None, end: datetime | None = None
) -> ServiceRecord:
    member = view.members[member_id]
    mine = [
        n
        for n in view.needs.values()
        if n.claimant_kind == ClaimantKind.MEMBER.value
        and n.claimant_id == member_id
        and (start is None and end is None or in_period(n.done_at or n.claimed_at, start, end))
    ]
    mine.sort(key=lambda n: n.claimed_at or n.posted_at, reverse=True)
    confirmed = [n for n in mine if n.state == NeedState.CONFIRMED.value]
    return ServiceRecord(
        member,
        [ServiceItem.of(n) for n in mine],
        sum(n.minutes for n in confirmed) / 60,
        len(confirmed),
    )


@dataclass(frozen=True)
class FeedbackSheet:
    """反馈卡 for the member's employer over one period: the confirmed work done in it,
    the hours, and the community's assessments (each count and the overall one: the
    most frequent, the lower on a tie)."""

    member: MemberRow
    start: datetime
    end: datetime
    items: list[ServiceItem]
    hours: float
    assessments: dict[str, int]
    overall: str | None


def feedback_sheet(
    view: RosterView, member_id: str, *, start: datetime, end: datetime
) -> FeedbackSheet:
    member = view.members[member_id]
    done = [
        n
        for n in view.needs.values()
        if n.claimant_kind == ClaimantKind.MEMBER.value
        and n.claimant_id == member_id
        and n.state == NeedState.CONFIRMED.value
        and in_period(n.done_at, start, end)
    ]
    done.sort(key=lambda n: n.done_at or n.posted_at)
    counts = Counter(n.assessment for n in done if n.assessment)
    order = [a.value for a in Assessment]
    overall = max(counts, key=lambda a: (counts[a], order.index(a))) if counts else None
    return FeedbackSheet(
        member,
        start,
        end,
        [ServiceItem.of(n) for n in done],
        sum(n.minutes for n in done) / 60,
        {a: counts[a] for a in order if counts[a]},
        overall,
    )


@dataclass(frozen=True)
class UnitContribution:
    """A unit's part in its communities over a period: its seats, the needs it took on
    itself, and the confirmed hours of the members it employs."""

    unit_id: str
    seats: list[SeatRow]
    items: list[ServiceItem]
    unit_hours: float
    members: int
    member_hours: float
    by_community: dict[str, float]  # community → confirmed hours (unit and members)


def unit_contribution(
    view: RosterView, unit_id: str, *, start: datetime | None = None, end: datetime | None = None
) -> UnitContribution:
    own = [
        n
        for n in view.needs.values()
        if n.claimant_kind == ClaimantKind.UNIT.value
        and n.claimant_unit_id == unit_id
        and (start is None and end is None or in_period(n.done_at or n.claimed_at, start, end))
    ]
    staff = {m.member_id for m in view.members.values() if m.unit_id == unit_id}
    staff_work = [
        n
        for n in view.needs.values()
        if n.claimant_kind == ClaimantKind.MEMBER.value
        and n.claimant_id in staff
        and n.state == NeedState.CONFIRMED.value
        and in_period(n.done_at, start, end)
    ]
    confirmed_own = [n for n in own if n.state == NeedState.CONFIRMED.value]
    by_community: dict[str, float] = {}
    for n in (*confirmed_own, *staff_work):
        by_community[n.community_id] = by_community.get(n.community_id, 0) + n.minutes / 60
    return UnitContribution(
        unit_id,
        seats(view, unit_id=unit_id, active_only=False),
        [ServiceItem.of(n) for n in sorted(own, key=lambda n: n.posted_at, reverse=True)],
        sum(n.minutes for n in confirmed_own) / 60,
        sum(1 for m in view.members.values() if m.unit_id == unit_id and m.active),
        sum(n.minutes for n in staff_work) / 60,
        dict(sorted(by_community.items())),
    )
