"""The roster's and the needs' own rules, without a store: the states a need goes through,
the hours a claim may record, who may act on a claim, councils and moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from domain.errors import InvalidValue, RuleViolation
from domain.needs import Need, check_hours
from domain.roster import CouncilUnit, Member
from domain.values import Actor, Assessment, ClaimantKind, Level, NeedKind, NeedState, Role
from tests.support.backends import sqlite_module

pytestmark = sqlite_module
T0 = datetime(2024, 3, 1, 9, tzinfo=UTC)
CO = Actor("co", Role.COORDINATOR)
PM = Actor("pm", Role.MEMBER)


def need() -> Need:
    return Need.post(
        need_id=uuid4(),
        actor=CO,
        at=T0,
        community_id="c",
        street_id="s",
        kind=NeedKind.HOME_VISIT,
        title="入户走访",
    )


def test_a_need_goes_posted_claimed_done_confirmed() -> None:
    n = need()
    n.claim(actor=PM, at=T0, claimant_kind=ClaimantKind.MEMBER, claimant_id="m1", unit_id=None)
    assert n.state is NeedState.CLAIMED
    n.complete(actor=PM, at=T0, claimant_id="m1", hours=1.5, result="走访5户")
    assert (n.state, n.minutes) == (NeedState.DONE, 90)
    n.confirm(actor=CO, at=T0, assessment=Assessment.GOOD)
    assert n.state is NeedState.CONFIRMED
    with pytest.raises(RuleViolation):
        n.confirm(actor=CO, at=T0, assessment=Assessment.GOOD)
    with pytest.raises(RuleViolation):
        n.cancel(actor=CO, at=T0, reason="x")


def test_steps_out_of_order_are_refused() -> None:
    n = need()
    with pytest.raises(RuleViolation):
        n.complete(actor=PM, at=T0, claimant_id="m1", hours=1, result="x")
    with pytest.raises(RuleViolation):
        n.confirm(actor=CO, at=T0, assessment=Assessment.GOOD)
    n.claim(actor=PM, at=T0, claimant_kind=ClaimantKind.MEMBER, claimant_id="m1", unit_id=None)
    with pytest.raises(RuleViolation):  # claimed twice
        n.claim(actor=PM, at=T0, claimant_kind=ClaimantKind.MEMBER, claimant_id="m2", unit_id=None)
    with pytest.raises(RuleViolation):  # someone else's claim
        n.complete(actor=PM, at=T0, claimant_id="m2", hours=1, result="x")
    n.release(actor=PM, at=T0, claimant_id="m1", reason="临时出差")
    assert n.state is NeedState.POSTED and n.claimant_id is None
    with pytest.raises(InvalidValue):  # time never runs backwards on a need
        n.claim(
            actor=PM,
            at=T0 - timedelta(seconds=1),
            claimant_kind=ClaimantKind.MEMBER,
            claimant_id="m1",
            unit_id=None,
        )
    assert len(n.collect_events()) == 3  # posted, claimed, released: nothing refused was kept


@pytest.mark.parametrize("hours", [0, -1, 72.01, float("nan"), True, "3"])
def test_a_members_hours_are_bounded(hours: object) -> None:
    with pytest.raises(InvalidValue):
        check_hours(hours, ClaimantKind.MEMBER)  # type: ignore[arg-type]


def test_a_unit_may_record_more_hours_than_a_member() -> None:
    assert check_hours(72, ClaimantKind.MEMBER) == 72 * 60
    assert check_hours(500, ClaimantKind.UNIT) == 500 * 60
    with pytest.raises(InvalidValue):
        check_hours(2000.5, ClaimantKind.UNIT)


def test_a_council_sits_at_community_or_street_and_covers_accordingly() -> None:
    with pytest.raises(InvalidValue):
        CouncilUnit.join(
            actor=CO, at=T0, unit_id="u", level=Level.GRID, place_id="g", street_id="s"
        )
    street = CouncilUnit.join(
        actor=CO, at=T0, unit_id="u", level=Level.STREET, place_id="s", street_id="s"
    )
    assert street.covers("any-community", "s") and not street.covers("c", "other")
    seat = CouncilUnit.join(
        actor=CO, at=T0, unit_id="u", level=Level.COMMUNITY, place_id="c", street_id="s"
    )
    assert seat.covers("c", "s") and not seat.covers("c2", "s")
    seat.leave(actor=CO, at=T0, reason="迁出")
    with pytest.raises(RuleViolation):
        seat.leave(actor=CO, at=T0, reason="迁出")
    seat.rejoin(actor=CO, at=T0)
    assert seat.active


def test_a_member_moves_and_leaves_once_and_keeps_no_personal_data_in_events() -> None:
    m = Member.register(
        member_id=uuid4(),
        actor=CO,
        at=T0,
        community_id="c",
        street_id="s",
        unit_id=None,
        employer="某公司",
        skills=["走访", "走访"],
        available="",
    )
    assert m.skills == ["走访"]
    with pytest.raises(RuleViolation):
        m.move(actor=CO, at=T0, community_id="c", street_id="s")
    m.move(actor=CO, at=T0, community_id="c2", street_id="s")
    m.leave(actor=CO, at=T0, reason="调离")
    with pytest.raises(RuleViolation):
        m.move(actor=CO, at=T0, community_id="c3", street_id="s")
    with pytest.raises(InvalidValue):  # a phone number is personal data, not an employer
        Member.register(
            member_id=uuid4(),
            actor=CO,
            at=T0,
            community_id="c",
            street_id="s",
            unit_id=None,
            employer="13900001111",
            skills=[],
            available="",
        )


def test_a_member_account_reports_to_exactly_one_community() -> None:
    from application.access import check_scopes
    from infrastructure.jurisdiction_file import load_jurisdiction

    j = load_jurisdiction(None)
    assert check_scopes(Role.MEMBER, ["community:yuehe"], j) == {"community:yuehe"}
    for scopes in (
        [],
        ["community:yuehe", "community:yili-jinwei"],
        ["street:jianshe"],
        ["community:nowhere"],
    ):
        with pytest.raises(InvalidValue):
            check_scopes(Role.MEMBER, scopes, j)
