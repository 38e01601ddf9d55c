"""Whistles, report-ins and pledges (吹哨、报到、出资): what each records.

Each command records its one event with the right payload, and the events build the state.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain import events as ev
from domain.records import Pledge, ReportIn, Whistle
from domain.values import Level, PartyKind, Status
from tests.support.case_checks import assert_recorded, last_event
from tests.support.cases import (
    COORDINATOR,
    ENTERPRISE,
    LIAISON,
    POLICE,
    PROPERTY,
    escalated_case,
    later,
    reported_case,
    whistled_case,
)


@pytest.mark.parametrize("level", [Level.COMMUNITY, Level.STREET])
def test_blow_whistle_records_units_deadline_and_level(level):
    case = escalated_case(level)
    at = later(case)
    deadline = at + timedelta(minutes=30)

    whistle_id = case.blow_whistle(
        actor=COORDINATOR,
        at=at,
        unit_ids=(POLICE, PROPERTY),
        report_in_deadline=deadline,
        reason=" 钉子户拒不挪车 ",
    )

    assert whistle_id == "W1"
    event = assert_recorded(
        case,
        ev.WhistleBlown,
        COORDINATOR,
        at,
        whistle_id="W1",
        level=level.value,
        unit_ids=[POLICE, PROPERTY],
        report_in_deadline=deadline,
        reason="钉子户拒不挪车",
    )
    assert type(event.unit_ids) is list
    assert case.whistles == {
        "W1": Whistle(
            whistle_id="W1",
            level=level,
            unit_ids=[POLICE, PROPERTY],
            report_in_deadline=deadline,
            blown_at=at,
            reason="钉子户拒不挪车",
        )
    }
    assert case.whistle("W1").pending_unit_ids == [POLICE, PROPERTY]
    assert case.status is Status.IN_PROGRESS


def test_whistles_are_numbered_in_order():
    case, first = whistled_case()
    second = case.blow_whistle(
        actor=COORDINATOR,
        at=later(case),
        unit_ids=[ENTERPRISE],
        report_in_deadline=later(case, days=1),
        reason="需企业配合",
    )

    assert (first, second) == ("W1", "W2")
    assert list(case.whistles) == ["W1", "W2"]
    assert case.whistle("W2").unit_ids == [ENTERPRISE]


def test_whistle_keeps_its_own_copy_of_the_units():
    case = escalated_case()
    units = [POLICE]
    case.blow_whistle(
        actor=COORDINATOR,
        at=later(case),
        unit_ids=units,
        report_in_deadline=later(case, hours=1),
        reason="联合执法",
    )
    units.append(PROPERTY)

    assert case.whistle("W1").unit_ids == [POLICE]
    assert last_event(case).unit_ids == [POLICE]


def test_report_in_on_time_is_recorded_and_not_late():
    case, whistle_id = whistled_case()
    at = later(case, minutes=10)

    late = case.report_in(
        actor=LIAISON, at=at, whistle_id=whistle_id, unit_id=POLICE, note=" 民警已到场 "
    )

    assert late is False
    assert_recorded(
        case,
        ev.UnitReportedIn,
        LIAISON,
        at,
        whistle_id="W1",
        unit_id=POLICE,
        late=False,
        note="民警已到场",
    )
    whistle = case.whistle(whistle_id)
    assert whistle.report_ins == {
        POLICE: ReportIn(POLICE, at, False, "民警已到场", LIAISON.user_id)
    }
    assert whistle.pending_unit_ids == [PROPERTY]


def test_report_in_exactly_at_the_deadline_is_on_time():
    case, whistle_id = whistled_case()
    deadline = case.whistle(whistle_id).report_in_deadline

    assert (
        case.report_in(actor=LIAISON, at=deadline, whistle_id=whistle_id, unit_id=POLICE) is False
    )
    assert last_event(case).late is False


def test_report_in_note_is_optional():
    case, whistle_id = whistled_case()
    case.report_in(actor=LIAISON, at=later(case), whistle_id=whistle_id, unit_id=PROPERTY)

    assert last_event(case).note == ""


def test_pledge_records_party_amount_and_currency():
    case, _ = whistled_case()
    at = later(case)

    case.pledge(
        actor=COORDINATOR,
        at=at,
        party_kind=PartyKind.ENTERPRISE,
        party_name=" 亿利集团 ",
        amount_fen=360_000,
        unit_id=ENTERPRISE,
        purpose=" 地下车位租金减半 ",
    )

    assert_recorded(
        case,
        ev.FundingPledged,
        COORDINATOR,
        at,
        party_kind="enterprise",
        unit_id=ENTERPRISE,
        party_name="亿利集团",
        amount_fen=360_000,
        currency="CNY",
        purpose="地下车位租金减半",
    )
    assert case.pledges == [
        Pledge(PartyKind.ENTERPRISE, ENTERPRISE, "亿利集团", 360_000, "地下车位租金减半", at)
    ]


def test_pledges_add_up_and_unit_is_optional():
    case = reported_case()
    for kind, name, fen in [
        (PartyKind.OWNERS_FUND, "业委会两共基金", 60_000_000),
        (PartyKind.GOVERNMENT, "政府补贴", 40_000_000),
        (PartyKind.PROPERTY_COMPANY, "物业公司", 20_000_000),
    ]:
        case.pledge(
            actor=COORDINATOR, at=later(case), party_kind=kind, party_name=name, amount_fen=fen
        )

    assert case.pledged_fen == 120_000_000
    assert [p.party_kind for p in case.pledges] == [
        PartyKind.OWNERS_FUND,
        PartyKind.GOVERNMENT,
        PartyKind.PROPERTY_COMPANY,
    ]
    assert all(p.unit_id is None and p.purpose == "" for p in case.pledges)
    assert last_event(case).currency == "CNY"


def test_pledge_leaves_the_status_alone():
    case = reported_case()
    case.pledge(actor=COORDINATOR, at=later(case), party_kind="other", party_name="p", amount_fen=1)

    assert case.status is Status.REPORTED
