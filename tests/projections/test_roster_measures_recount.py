"""The 双报到 measures agree with an independent recount from the roster's events, on both
backends: a month with members joining, moving and leaving, needs met, late, cancelled and
still open, a unit's work and work confirmed only after the instant asked about."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from application.access import User
from application.roster import RosterService
from domain import needs as nd
from domain import roster as rs
from domain.values import Assessment, ClaimantKind, Level, NeedKind, Role
from infrastructure.settings import Settings
from interfaces.bootstrap import build_case_service, build_roster_service
from projections.roster import RosterView
from projections.roster_measures import roster_measures
from tests.support.clock import FakeClock

COORD = User("co", "co", Role.COORDINATOR, frozenset({"street:jianshe", "street:xiguan"}))
A, B = "yili-jinwei", "yuehe"
STREET_OF = {A: "jianshe", B: "xiguan", "shengli-xi": "xiguan", "fengxiang-danwei": "fengxiang"}


@pytest.fixture
def roster(settings: Settings, clock: FakeClock) -> Iterator[RosterService]:
    with build_case_service(settings, clock=clock) as cases:
        r = build_roster_service(settings, cases)
        try:
            yield r
        finally:
            r.close()


def _member(roster: RosterService, community: str, name: str) -> UUID:
    return roster.register_member(
        COORD, community_id=community, name=name, unit_id="yili-group"
    ).case_id


def _need(roster: RosterService, community: str, title: str) -> UUID:
    return roster.post_need(
        COORD, community_id=community, kind=NeedKind.HOME_VISIT, title=title
    ).case_id


def _work(roster: RosterService, need: UUID, kind: ClaimantKind, who: UUID, hours: float) -> None:
    roster.claim_need(COORD, need, claimant_kind=kind, claimant_id=str(who))
    roster.complete_need(COORD, need, hours=hours, result="完成")


def _story(roster: RosterService, clock: FakeClock) -> tuple[datetime, datetime, datetime]:
    seat = roster.join_council(
        COORD, unit_id="yljw-property", level=Level.COMMUNITY, place_id=A
    ).case_id
    roster.join_council(COORD, unit_id="jianshe-police", level=Level.STREET, place_id="xiguan")
    m1, m2, m3 = (_member(roster, A, n) for n in ("甲", "乙", "丙"))
    m4 = _member(roster, B, "丁")
    start = clock.advance(days=1)
    n1 = _need(roster, A, "走访一")
    clock.advance(hours=5)
    _work(roster, n1, ClaimantKind.MEMBER, m1, 2)
    roster.confirm_need(COORD, n1, assessment=Assessment.GOOD)
    n2 = _need(roster, A, "走访二")
    _work(roster, n2, ClaimantKind.UNIT, seat, 40)
    clock.advance(days=2)
    roster.confirm_need(COORD, n2, assessment=Assessment.EXCELLENT)
    n3 = _need(roster, B, "巡逻")
    clock.advance(hours=1)
    _work(roster, n3, ClaimantKind.MEMBER, m4, 3.5)
    roster.confirm_need(COORD, n3, assessment=Assessment.FAIR)
    n4 = _need(roster, A, "取消的")
    roster.cancel_need(COORD, n4, reason="不再需要")
    n5 = _need(roster, A, "尚未认领")
    del n5
    roster.move_member(COORD, m3, community_id=B)
    roster.leave_member(COORD, m2, reason="调离")
    n6 = _need(roster, B, "确认在截止之后")
    _work(roster, n6, ClaimantKind.MEMBER, m3, 1.5)
    end = clock.advance(days=3)
    as_of = clock.advance(hours=1)
    clock.advance(hours=1)
    roster.confirm_need(COORD, n6, assessment=Assessment.GOOD)  # after as_of: not counted
    clock.advance(days=1)
    n7 = _need(roster, A, "下个月")  # after the period
    _work(roster, n7, ClaimantKind.MEMBER, m1, 1)
    roster.confirm_need(COORD, n7, assessment=Assessment.GOOD)
    return start, end, as_of


def recount(
    events: list[Any], start: datetime, end: datetime, as_of: datetime
) -> dict[str, dict[str, Any]]:
    """The figures from the events alone, by straightforward replay."""
    place: dict[str, str] = {}
    gone: set[str] = set()
    claims: dict[str, tuple[str, str, str | None]] = {}
    need_place: dict[str, str] = {}
    posted_at: dict[str, datetime] = {}
    done: dict[str, tuple[datetime, int]] = {}
    confirmed: dict[str, datetime] = {}
    cancelled: dict[str, datetime] = {}
    for e in events:
        k = str(e.originator_id)
        if isinstance(e, rs.MemberRegistered | rs.MemberMoved) and e.timestamp < end:
            place[k] = e.community_id
        elif isinstance(e, rs.MemberLeft) and e.timestamp < end:
            gone.add(k)
        elif isinstance(e, nd.NeedPosted):
            need_place[k], posted_at[k] = e.community_id, e.timestamp
        elif isinstance(e, nd.NeedClaimed):
            claims[k] = (e.claimant_kind, e.claimant_id, e.unit_id)
        elif isinstance(e, nd.NeedDone):
            done[k] = (e.timestamp, e.minutes)
        elif isinstance(e, nd.NeedConfirmed) and e.timestamp <= as_of:
            confirmed[k] = e.timestamp
        elif isinstance(e, nd.NeedCancelled) and e.timestamp <= as_of:
            cancelled[k] = e.timestamp
    out: dict[str, dict[str, Any]] = defaultdict(lambda: defaultdict(int))
    minutes_of: dict[str, int] = defaultdict(int)
    for need, (at, minutes) in done.items():
        if need in confirmed and start <= at < end:
            kind, who, _ = claims[need]
            if kind == "member":
                minutes_of[who] += minutes
            else:
                out[need_place[need]]["unit_minutes"] += minutes
    for member, community in place.items():
        if member in gone:
            continue
        out[community]["members"] += 1
        out[community]["member_minutes"] += minutes_of[member]
        out[community]["served"] += 1 if minutes_of[member] else 0
    for need, at in posted_at.items():
        if start <= at < end and need not in cancelled:
            out[need_place[need]]["needs_posted"] += 1
            out[need_place[need]]["needs_met"] += 1 if need in confirmed else 0
    return {c: dict(v) for c, v in out.items()}


def test_the_measures_agree_with_a_recount_from_the_events(
    roster: RosterService, clock: FakeClock
) -> None:
    start, end, as_of = _story(roster, clock)
    view = RosterView(roster).refresh()
    got = roster_measures(view, start=start, end=end, as_of=as_of, street_of=STREET_OF)
    events = [e for _, e in roster.notifications(1)]
    expected = recount(events, start, end, as_of)
    names = ("members", "served", "member_minutes", "unit_minutes", "needs_posted", "needs_met")
    for community in (A, B):
        p = got.communities[community]
        assert {n: getattr(p, n) for n in names} == {
            n: expected[community].get(n, 0) for n in names
        }

    # and the figures themselves, so a recount sharing a mistake cannot hide it
    a, b = got.communities[A], got.communities[B]
    assert (a.members, a.served, a.member_minutes) == (1, 1, 120)  # 乙 left, 丙 moved
    assert a.report_rate == 1.0 and a.unit_minutes == 40 * 60 and a.units == 1
    assert (a.needs_posted, a.needs_met) == (3, 2)  # the cancelled need counts nowhere
    assert (b.members, b.served, b.member_minutes) == (2, 1, 210)  # 丁 served; 丙 not yet
    assert b.report_rate == 0.5 and b.hours_per_member == pytest.approx(1.75)
    assert b.units == 1  # the police's seat on 西关's street council
    assert a.median_hours_to_confirm == pytest.approx((5 + 48) / 2)
    street = got.streets["xiguan"]
    assert (street.members, street.served) == (2, 1)
    assert (got.total.members, got.total.served, got.total.needs_posted) == (3, 2, 5)
    assert got.unit_hours == {"yljw-property": 40}
    # a member's confirmed work after the as-of instant counts once it is confirmed
    later = roster_measures(
        view, start=start, end=end, as_of=end + timedelta(days=9), street_of=STREET_OF
    )
    assert later.communities[B].served == 2
