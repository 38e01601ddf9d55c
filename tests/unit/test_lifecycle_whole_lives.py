"""Whole lives of cases from the seeds: small matters, whistles, reopened cases.

Each command records its one event with the right payload, and the events build the state.
"""

from __future__ import annotations

from datetime import timedelta

from domain import events as ev
from domain.records import Resolution
from domain.values import Channel, Level, Satisfaction, Solved, Status
from tests.support.case_checks import event_names
from tests.support.cases import (
    COORDINATOR,
    GRID_LEAD,
    LIAISON,
    POLICE,
    PROPERTY,
    T0,
    evaluate,
    later,
    reported_case,
    resolve,
    resolved_case,
)


def test_small_matter_is_settled_inside_the_grid():
    """E-bike charging: handled and resolved by the grid, resident satisfied, closed."""
    case = reported_case(title="电动车楼道充电", channel=Channel.VISIT)
    case.note(actor=GRID_LEAD, at=later(case, hours=1), text="物业增设车棚", kind="onsite_office")
    case.resolve(actor=GRID_LEAD, at=later(case, days=2), summary="增设30余个充电桩")
    case.evaluate(  # the callback is someone else's than the resolver's
        actor=COORDINATOR, at=later(case), solved=Solved.SOLVED, satisfaction=Satisfaction.SATISFIED
    )
    case.close(actor=GRID_LEAD, at=later(case))

    assert event_names(case) == [
        "CaseReported",
        "ProgressNoted",
        "CaseResolved",
        "CaseEvaluated",
        "CaseClosed",
    ]
    assert case.version == 5
    assert case.status is Status.CLOSED
    assert case.resolution is not None and case.resolution.level is Level.GRID
    assert case.level is Level.GRID
    assert case.whistles == {}
    assert case.round == 1


def test_big_matter_goes_to_the_street_which_blows_the_whistle():
    """Fire-lane parking at 城市华庭: escalated, whistled, units report in, funds, resolved."""
    case = reported_case()
    case.note(actor=GRID_LEAD, at=later(case, hours=1), text="入户走访300余户", kind="home_visit")
    case.escalate(actor=GRID_LEAD, at=later(case, days=3), to_level="community", reason="协调不成")
    case.note(actor=COORDINATOR, at=later(case, days=1), text="联席会议", kind="joint_meeting")
    case.escalate(actor=COORDINATOR, at=later(case, days=2), to_level="street", reason="钉子户")
    blown = later(case)
    whistle_id = case.blow_whistle(
        actor=COORDINATOR,
        at=blown,
        unit_ids=[POLICE, PROPERTY],
        report_in_deadline=blown + timedelta(minutes=30),
        reason="需派出所介入",
    )
    assert (
        case.report_in(
            actor=LIAISON, at=blown + timedelta(minutes=25), whistle_id=whistle_id, unit_id=POLICE
        )
        is False
    )
    assert (
        case.report_in(
            actor=LIAISON, at=blown + timedelta(minutes=45), whistle_id=whistle_id, unit_id=PROPERTY
        )
        is True
    )
    case.pledge(
        actor=COORDINATOR,
        at=later(case),
        party_kind="enterprise",
        party_name="共建企业",
        amount_fen=360_000,
        purpose="车位租金由7200元降至3600元",
    )
    case.resolve(actor=COORDINATOR, at=later(case, days=5), summary="消防通道畅通")
    evaluate(case)
    case.evaluate_unit(
        actor=COORDINATOR, at=later(case), whistle_id=whistle_id, unit_id=POLICE, score=95
    )
    case.evaluate_unit(
        actor=COORDINATOR, at=later(case), whistle_id=whistle_id, unit_id=PROPERTY, score=70
    )
    case.close(actor=COORDINATOR, at=later(case))

    assert event_names(case) == [
        "CaseReported",
        "ProgressNoted",
        "CaseEscalated",
        "ProgressNoted",
        "CaseEscalated",
        "WhistleBlown",
        "UnitReportedIn",
        "UnitReportedIn",
        "FundingPledged",
        "CaseResolved",
        "CaseEvaluated",
        "UnitEvaluated",
        "UnitEvaluated",
        "CaseClosed",
    ]
    assert case.version == 14
    assert case.status is Status.CLOSED
    assert case.level is Level.STREET
    assert case.resolution is not None and case.resolution.level is Level.STREET
    whistle = case.whistle(whistle_id)
    assert whistle.level is Level.STREET
    assert {u: r.late for u, r in whistle.report_ins.items()} == {POLICE: False, PROPERTY: True}
    assert whistle.pending_unit_ids == []
    assert case.pledged_fen == 360_000
    assert [(s.unit_id, s.score) for s in case.unit_scores] == [(POLICE, 95), (PROPERTY, 70)]
    assert case.first_response_at == T0 + timedelta(hours=1)


def test_unsatisfied_case_is_reopened_and_resolved_again():
    """Heating failure at 锦泰小区: the first fix does not hold; round two does."""
    case = resolved_case()
    evaluate(case, Satisfaction.UNSATISFIED)
    case.reopen(actor=COORDINATOR, at=later(case), reason="暖气仍不热")
    case.escalate(
        actor=COORDINATOR, at=later(case), to_level="community", reason="物业与开发商推诿"
    )
    resolve(case)
    evaluate(case, Satisfaction.SATISFIED)
    case.close(actor=COORDINATOR, at=later(case))

    resolved = [e for e in case.pending_events if isinstance(e, ev.CaseResolved)]
    assert [(e.round, e.level) for e in resolved] == [(1, "grid"), (2, "community")]
    assert [(e.round, e.satisfaction) for e in case.evaluations] == [
        (1, Satisfaction.UNSATISFIED),
        (2, Satisfaction.SATISFIED),
    ]
    assert case.round == 2
    assert case.first_resolved_at == resolved[0].timestamp
    assert case.resolution == Resolution(
        2, Level.COMMUNITY, "车辆已清理，通道畅通", resolved[1].timestamp, COORDINATOR.user_id
    )
    assert case.status is Status.CLOSED
