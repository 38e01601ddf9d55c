"""Reporting a case: its one event, placement, due times and starting state.

Each command records its one event with the right payload, and the events build the state.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from domain import events as ev
from domain.values import Channel, Level, Status, Urgency
from tests.support.case_checks import assert_recorded, event_names, last_event
from tests.support.cases import CATEGORY, GRID_LEAD, PLACEMENT, T0, reported_case


def test_report_records_case_reported_with_placement_and_due_times():
    case_id = uuid4()
    case = reported_case(case_id=case_id, channel=Channel.HOTLINE, urgency=Urgency.URGENT)

    assert case.id == case_id
    assert case.version == 1
    assert event_names(case) == ["CaseReported"]
    assert_recorded(
        case,
        ev.CaseReported,
        GRID_LEAD,
        T0,
        title="消防通道被私家车长期占用",
        description="城市华庭小区消防通道常年停车，消防车无法通行",
        category_id=CATEGORY.id,
        channel="hotline_12345",
        urgency="urgent",
        district_id=PLACEMENT.district_id,
        street_id=PLACEMENT.street_id,
        community_id=PLACEMENT.community_id,
        grid_id=PLACEMENT.grid_id,
        response_due=T0 + timedelta(hours=2),
        resolution_due=T0 + timedelta(days=7),
    )


def test_reported_case_starts_at_grid_level_in_round_one():
    case = reported_case()

    assert case.status is Status.REPORTED
    assert case.level is Level.GRID
    assert case.round == 1
    assert case.first_response_at is None
    assert case.first_resolved_at is None
    assert case.closed_at is None
    assert case.resolution is None
    assert case.notes == [] and case.whistles == {} and case.pledges == []
    assert case.evaluations == [] and case.unit_scores == []
    assert case.duplicate_of is None and case.final_reason == ""
    assert case.channel is Channel.PATROL
    assert case.urgency is Urgency.NORMAL
    assert case.reported_by == GRID_LEAD.user_id
    assert case.reported_at == T0 == case.created_on
    assert case.category_id == CATEGORY.id
    assert (case.district_id, case.street_id, case.community_id, case.grid_id) == (
        "dongsheng",
        "jianshe",
        "yljw",
        "yljw-g1",
    )
    assert case.response_due == T0 + CATEGORY.response_limit
    assert case.resolution_due == T0 + CATEGORY.resolution_limit


def test_report_strips_text_and_allows_empty_description():
    case = reported_case(title="  电动车楼道充电  ", description="   ")

    assert case.title == "电动车楼道充电"
    assert case.description == ""
    assert last_event(case).title == "电动车楼道充电"


def test_report_accepts_enum_values_as_strings():
    case = reported_case(channel="app", urgency="emergency")

    assert case.channel is Channel.APP
    assert case.urgency is Urgency.EMERGENCY
    assert last_event(case).channel == "app"
