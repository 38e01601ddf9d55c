"""Each command records its one event with the right payload, and the events build the state."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain import events as ev
from domain.case import Case
from domain.records import Evaluation, Note, Pledge, ReportIn, Resolution, UnitScore, Whistle
from domain.values import (
    Channel,
    Level,
    NoteKind,
    PartyKind,
    Satisfaction,
    Solved,
    Status,
    Urgency,
)
from tests.support.case_checks import event_names, last_event
from tests.support.cases import (
    CATEGORY,
    COORDINATOR,
    ENTERPRISE,
    GRID_LEAD,
    LIAISON,
    OTHER_CASE_ID,
    PLACEMENT,
    POLICE,
    PROPERTY,
    T0,
    escalated_case,
    evaluate,
    evaluated_case,
    later,
    reported_case,
    resolve,
    resolved_case,
    whistled_case,
)


def assert_recorded(case: Case, event_class: type, actor: Any, at: datetime, **fields: Any) -> Any:
    """The command recorded exactly one event of this class, by this actor, at this time."""
    event = last_event(case)
    assert type(event) is event_class
    assert event.originator_id == case.id
    assert event.originator_version == case.version == len(case.pending_events)
    assert event.actor_id == actor.user_id
    assert event.actor_role == actor.role.value
    assert event.timestamp == at
    assert case.modified_on == at
    for name, value in fields.items():
        assert getattr(event, name) == value, name
    return event


# ----- reporting ---------------------------------------------------------------------------


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


# ----- handling ----------------------------------------------------------------------------


def test_note_records_progress_and_marks_first_response():
    case = reported_case()
    at = later(case, minutes=20)

    case.note(actor=GRID_LEAD, at=at, text=" 已入户走访三户 ", kind=NoteKind.HOME_VISIT)

    assert_recorded(case, ev.ProgressNoted, GRID_LEAD, at, text="已入户走访三户", kind="home_visit")
    assert case.notes == [Note(NoteKind.HOME_VISIT, "已入户走访三户", GRID_LEAD.user_id, at)]
    assert case.status is Status.IN_PROGRESS
    assert case.first_response_at == at


def test_note_kind_defaults_to_progress():
    case = reported_case()
    case.note(actor=GRID_LEAD, at=later(case), text="已联系车主")

    assert last_event(case).kind == "progress"
    assert case.notes[0].kind is NoteKind.PROGRESS


def test_first_response_is_the_first_action_only():
    case = reported_case()
    first = later(case, minutes=5)
    case.note(actor=GRID_LEAD, at=first, text="已到现场")
    case.note(actor=GRID_LEAD, at=later(case, hours=1), text="联系物业")
    case.escalate(actor=GRID_LEAD, at=later(case), to_level=Level.COMMUNITY, reason="需社区协调")

    assert case.first_response_at == first
    assert len(case.notes) == 2


@pytest.mark.parametrize(
    "act",
    [
        pytest.param(
            lambda c, at: c.escalate(actor=GRID_LEAD, at=at, to_level="community", reason="r"),
            id="escalate",
        ),
        pytest.param(lambda c, at: c.resolve(actor=GRID_LEAD, at=at, summary="s"), id="resolve"),
    ],
)
def test_escalation_and_resolution_count_as_first_response(act):
    case = reported_case()
    at = later(case, minutes=7)

    act(case, at)

    assert case.first_response_at == at


@pytest.mark.parametrize(
    "act",
    [
        pytest.param(
            lambda c, at: c.pledge(
                actor=COORDINATOR, at=at, party_kind="other", party_name="p", amount_fen=1
            ),
            id="pledge",
        ),
        pytest.param(
            lambda c, at: c.mark_duplicate(actor=GRID_LEAD, at=at, original_case_id=OTHER_CASE_ID),
            id="mark_duplicate",
        ),
        pytest.param(
            lambda c, at: c.withdraw(actor=GRID_LEAD, at=at, reason="撤回"), id="withdraw"
        ),
    ],
)
def test_other_commands_are_not_a_response(act):
    case = reported_case()

    act(case, later(case))

    assert case.first_response_at is None


def test_escalate_records_both_levels_and_moves_the_case():
    case = reported_case()
    at = later(case)

    case.escalate(actor=GRID_LEAD, at=at, to_level=Level.COMMUNITY, reason=" 网格内协调不成 ")

    assert_recorded(
        case,
        ev.CaseEscalated,
        GRID_LEAD,
        at,
        from_level="grid",
        to_level="community",
        reason="网格内协调不成",
    )
    assert case.level is Level.COMMUNITY
    assert case.status is Status.IN_PROGRESS
    assert case.first_response_at == at

    at2 = later(case)
    case.escalate(actor=COORDINATOR, at=at2, to_level="street", reason="需部门联合执法")
    assert_recorded(case, ev.CaseEscalated, COORDINATOR, at2, from_level="community")
    assert case.level is Level.STREET


def test_escalation_may_skip_levels():
    case = reported_case()
    case.escalate(actor=GRID_LEAD, at=later(case), to_level=Level.DISTRICT, reason="重大隐患")

    assert case.level is Level.DISTRICT
    assert last_event(case).from_level == "grid"


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


# ----- resolution and after ------------------------------------------------------------------


@pytest.mark.parametrize("level", list(Level))
def test_resolve_records_the_round_and_the_level(level):
    case = reported_case() if level is Level.GRID else escalated_case(level)
    at = later(case)

    case.resolve(actor=COORDINATOR, at=at, summary=" 已清理占道车辆 ")

    assert_recorded(
        case, ev.CaseResolved, COORDINATOR, at, round=1, level=level.value, summary="已清理占道车辆"
    )
    assert case.resolution == Resolution(1, level, "已清理占道车辆", at, COORDINATOR.user_id)
    assert case.status is Status.RESOLVED
    assert case.first_resolved_at == at


def test_evaluate_records_the_callback():
    case = resolved_case()
    at = later(case, days=1)

    case.evaluate(
        actor=GRID_LEAD,
        at=at,
        solved=Solved.PARTLY,
        satisfaction=Satisfaction.BASICALLY,
        comment=" 还有一辆车 ",
    )

    assert_recorded(
        case,
        ev.CaseEvaluated,
        GRID_LEAD,
        at,
        round=1,
        solved="partly_solved",
        satisfaction="basically_satisfied",
        comment="还有一辆车",
    )
    expected = Evaluation(1, Solved.PARTLY, Satisfaction.BASICALLY, "还有一辆车", at)
    assert case.evaluations == [expected]
    assert case.evaluation_of_round == expected
    assert case.status is Status.EVALUATED
    assert case.resolution is not None


def test_evaluate_unit_records_the_score():
    case, whistle_id = whistled_case()
    at = later(case)

    case.evaluate_unit(
        actor=COORDINATOR, at=at, whistle_id=whistle_id, unit_id=POLICE, score=95, comment=" 及时 "
    )

    assert_recorded(
        case,
        ev.UnitEvaluated,
        COORDINATOR,
        at,
        whistle_id="W1",
        unit_id=POLICE,
        score=95,
        comment="及时",
    )
    assert case.unit_scores == [UnitScore("W1", POLICE, 95, "及时", at)]


@pytest.mark.parametrize("score", [0, 100])
def test_unit_score_bounds_are_inclusive(score):
    case, whistle_id = whistled_case()
    case.evaluate_unit(
        actor=COORDINATOR, at=later(case), whistle_id=whistle_id, unit_id=PROPERTY, score=score
    )

    assert case.unit_scores[-1].score == score


def test_reopen_starts_a_new_round_and_keeps_history():
    case = evaluated_case(Satisfaction.UNSATISFIED)
    first_resolved = case.first_resolved_at
    at = later(case)

    case.reopen(actor=COORDINATOR, at=at, reason=" 居民不满意 ")

    assert_recorded(case, ev.CaseReopened, COORDINATOR, at, round=2, reason="居民不满意")
    assert case.round == 2
    assert case.resolution is None
    assert case.status is Status.IN_PROGRESS
    assert case.evaluation_of_round is None
    assert [e.round for e in case.evaluations] == [1]
    assert case.first_resolved_at == first_resolved


def test_close_records_closing_time():
    case = evaluated_case()
    at = later(case)

    case.close(actor=COORDINATOR, at=at, remark=" 归档 ")

    assert_recorded(case, ev.CaseClosed, COORDINATOR, at, remark="归档")
    assert case.status is Status.CLOSED
    assert case.closed_at == at


def test_close_remark_is_optional():
    case = resolved_case()
    case.close(actor=COORDINATOR, at=later(case))

    assert last_event(case).remark == ""


def test_withdraw_makes_the_case_final_with_a_reason():
    case = reported_case()
    at = later(case)

    case.withdraw(actor=GRID_LEAD, at=at, reason=" 居民撤回 ")

    assert_recorded(case, ev.CaseWithdrawn, GRID_LEAD, at, reason="居民撤回")
    assert case.status is Status.WITHDRAWN
    assert case.status.is_final
    assert case.final_reason == "居民撤回"


def test_mark_duplicate_records_the_original():
    case = reported_case()
    at = later(case)

    case.mark_duplicate(actor=GRID_LEAD, at=at, original_case_id=OTHER_CASE_ID, reason=" 同一车位 ")

    assert_recorded(
        case,
        ev.CaseMarkedDuplicate,
        GRID_LEAD,
        at,
        original_case_id=str(OTHER_CASE_ID),
        reason="同一车位",
    )
    assert case.status is Status.DUPLICATE
    assert case.duplicate_of == str(OTHER_CASE_ID)
    assert case.final_reason == "同一车位"


def test_events_may_share_an_instant():
    case = reported_case()
    case.note(actor=GRID_LEAD, at=T0, text="当场处理")
    case.resolve(actor=GRID_LEAD, at=T0, summary="当场解决")

    assert case.version == 3
    assert case.modified_on == T0


# ----- whole lives -------------------------------------------------------------------------


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


# ----- the history is exactly the events -----------------------------------------------------


def _replay(events: list[Any]) -> Case:
    case = None
    for event in events:
        case = event.mutate(case)
    assert isinstance(case, Case)
    return case


def _state(case: Case) -> dict[str, Any]:
    return {k: v for k, v in vars(case).items() if k != "_pending_events"}


def test_replaying_the_events_rebuilds_the_same_case():
    case, whistle_id = whistled_case()
    case.report_in(actor=LIAISON, at=later(case), whistle_id=whistle_id, unit_id=POLICE)
    case.pledge(
        actor=COORDINATOR, at=later(case), party_kind="government", party_name="g", amount_fen=9
    )
    resolve(case)
    evaluate(case, Satisfaction.UNSATISFIED)
    case.reopen(actor=COORDINATOR, at=later(case), reason="再办")
    case.evaluate_unit(
        actor=COORDINATOR, at=later(case), whistle_id=whistle_id, unit_id=POLICE, score=1
    )

    replayed = _replay(list(case.pending_events))

    assert replayed.version == case.version
    assert _state(replayed) == _state(case)


_JSON_FRIENDLY = (str, int, bool, datetime, list, type(None), UUID)


def test_event_payloads_hold_only_json_friendly_values():
    case, whistle_id = whistled_case()
    case.report_in(actor=LIAISON, at=later(case), whistle_id=whistle_id, unit_id=POLICE)
    case.pledge(
        actor=COORDINATOR, at=later(case), party_kind="enterprise", party_name="e", amount_fen=5
    )
    resolve(case)
    evaluate(case)
    case.evaluate_unit(
        actor=COORDINATOR, at=later(case), whistle_id=whistle_id, unit_id=POLICE, score=80
    )
    case.close(actor=COORDINATOR, at=later(case))

    for event in case.pending_events:
        for name, value in vars(event).items():
            where = f"{type(event).__name__}.{name} is {type(value).__name__}"
            assert type(value) in _JSON_FRIENDLY, where
            if isinstance(value, list):  # ids, or {whistle_id, unit_id, note} records
                assert all(
                    type(v) is str or (type(v) is dict and all(type(x) is str for x in v.values()))
                    for v in value
                ), where


def test_progress_noted_v1_upcasts_to_a_plain_progress_note():
    state: dict[str, Any] = {"text": "旧记录"}

    ev.ProgressNoted.upcast_v1_v2(state)

    assert state == {"text": "旧记录", "kind": "progress"}
    assert ev.ProgressNoted.class_version == 2


def test_every_event_has_a_chinese_label():
    event_classes = {
        name
        for name, obj in vars(ev).items()
        if isinstance(obj, type)
        and issubclass(obj, (ev.CaseEvent, ev.CaseReported))
        and obj is not ev.CaseEvent
    }

    assert event_classes == set(ev.EVENT_LABELS)
    assert len(event_classes) == 14
