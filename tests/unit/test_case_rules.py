"""One test per rule. Every refused command raises its domain error and records nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import uuid4

import pytest

from domain.case import Case
from domain.errors import CaseIsFinal, InvalidValue, RuleViolation, WhistleNotFound
from domain.rules import (
    MAX_PLEDGE_FEN,
    MAX_REPORT_IN_WAIT,
    MAX_UNITS_PER_WHISTLE,
    NOTE_MAX,
    REASON_MAX,
    TEXT_MAX,
    TITLE_MAX,
)
from domain.values import Level, PartyKind, Satisfaction, Solved, Status
from tests.support.case_checks import last_event, refused
from tests.support.case_commands import COMMANDS
from tests.support.cases import (
    BEIJING,
    COORDINATOR,
    ENTERPRISE,
    GRID_LEAD,
    LIAISON,
    OTHER_CASE_ID,
    POLICE,
    PROPERTY,
    T0,
    closed_case,
    duplicate_case,
    escalated_case,
    evaluate,
    evaluated_case,
    later,
    reported_case,
    resolve,
    resolved_case,
    whistled_case,
    withdrawn_case,
)

NAIVE = datetime(2016, 4, 12, 9, 0)


def blow(case: Case, *, at: datetime | None = None, **overrides: Any) -> str:
    at = at or later(case)
    kwargs: dict[str, Any] = {
        "actor": COORDINATOR,
        "at": at,
        "unit_ids": [POLICE],
        "report_in_deadline": at + timedelta(minutes=30),
        "reason": "联合执法",
    }
    kwargs.update(overrides)
    return case.blow_whistle(**kwargs)


def pledge(case: Case, **overrides: Any) -> None:
    kwargs: dict[str, Any] = {
        "actor": COORDINATOR,
        "at": later(case),
        "party_kind": PartyKind.PROPERTY_COMPANY,
        "party_name": "物业公司",
        "amount_fen": 100,
    }
    kwargs.update(overrides)
    case.pledge(**kwargs)


def reopened_case() -> Case:
    case = evaluated_case(Satisfaction.UNSATISFIED)
    case.reopen(actor=COORDINATOR, at=later(case), reason="不满意")
    return case


# ----- final cases -------------------------------------------------------------------------

FINAL_CASES = {
    "closed": (closed_case, Status.CLOSED),
    "withdrawn": (withdrawn_case, Status.WITHDRAWN),
    "duplicate": (duplicate_case, Status.DUPLICATE),
}


@pytest.mark.parametrize("command", COMMANDS)
def test_closed_case_takes_no_further_events(command):
    case = closed_case()

    with refused(case, CaseIsFinal):
        COMMANDS[command](case, later(case))


@pytest.mark.parametrize("command", COMMANDS)
def test_withdrawn_case_is_final(command):
    case = withdrawn_case()

    with refused(case, CaseIsFinal):
        COMMANDS[command](case, later(case))


@pytest.mark.parametrize("command", COMMANDS)
def test_duplicate_case_is_final(command):
    case = duplicate_case()

    with refused(case, CaseIsFinal):
        COMMANDS[command](case, later(case))


@pytest.mark.parametrize("final", FINAL_CASES)
def test_final_case_refusal_names_the_status(final):
    make, status = FINAL_CASES[final]
    case = make()

    with refused(case, CaseIsFinal) as info:
        case.note(actor=GRID_LEAD, at=later(case), text="x")

    assert case.status is status
    assert status.value in info.value.en
    assert status.label in info.value.zh
    assert isinstance(info.value, RuleViolation)


@pytest.mark.parametrize("at", [T0 - timedelta(days=1), NAIVE], ids=["earlier", "naive"])
@pytest.mark.parametrize("final", FINAL_CASES)
def test_final_check_comes_before_time_checks(final, at):
    case = FINAL_CASES[final][0]()

    with refused(case, CaseIsFinal):
        case.note(actor=GRID_LEAD, at=at, text="x")


def test_commands_table_covers_every_instance_command():
    # Sanity check of the parametrisation above: each command is accepted in some state.
    assert len(COMMANDS) == 12
    states: dict[str, Callable[[], Case]] = {
        "note": reported_case,
        "escalate": reported_case,
        "blow_whistle": escalated_case,
        "report_in": lambda: whistled_case()[0],
        "pledge": reported_case,
        "resolve": reported_case,
        "evaluate": resolved_case,
        "evaluate_unit": lambda: whistled_case()[0],
        "reopen": lambda: evaluated_case(Satisfaction.UNSATISFIED),
        "close": resolved_case,
        "withdraw": reported_case,
        "mark_duplicate": reported_case,
    }
    for name, make in states.items():
        case = make()
        COMMANDS[name](case, later(case))
        assert type(last_event(case)).__name__ != "CaseReported", name


# ----- time ---------------------------------------------------------------------------------


def test_time_must_not_go_backwards():
    case = reported_case()
    case.note(actor=GRID_LEAD, at=later(case, hours=2), text="已到现场")

    with refused(case, InvalidValue):
        case.note(actor=GRID_LEAD, at=case.modified_on - timedelta(seconds=1), text="补记")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_refuses_time_before_the_last_event(command):
    case = reported_case()

    with refused(case, InvalidValue):
        COMMANDS[command](case, T0 - timedelta(microseconds=1))


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_needs_a_timezone_aware_time(command):
    case = reported_case()

    with refused(case, InvalidValue):
        COMMANDS[command](case, NAIVE)


def test_report_needs_a_timezone_aware_time():
    with pytest.raises(InvalidValue):
        reported_case(at=NAIVE)


def test_times_in_other_timezones_compare_as_instants():
    case = reported_case()  # T0 is 09:00 +08:00 == 01:00 UTC

    with refused(case, InvalidValue):
        case.note(actor=GRID_LEAD, at=datetime(2016, 4, 12, 0, 59, tzinfo=UTC), text="x")
    case.note(actor=GRID_LEAD, at=datetime(2016, 4, 12, 1, 0, tzinfo=UTC), text="x")
    assert case.version == 2


# ----- escalation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (Level.GRID, Level.GRID),
        (Level.COMMUNITY, Level.GRID),
        (Level.COMMUNITY, Level.COMMUNITY),
        (Level.STREET, Level.COMMUNITY),
        (Level.STREET, Level.STREET),
        (Level.DISTRICT, Level.GRID),
        (Level.DISTRICT, Level.DISTRICT),
    ],
)
def test_escalation_only_upwards(current, target):
    case = reported_case() if current is Level.GRID else escalated_case(current)

    with refused(case, RuleViolation):
        case.escalate(actor=COORDINATOR, at=later(case), to_level=target, reason="下放")


def test_resolved_case_cannot_be_escalated():
    case = resolved_case()

    with refused(case, RuleViolation):
        case.escalate(actor=COORDINATOR, at=later(case), to_level=Level.STREET, reason="r")


def test_escalation_needs_a_reason():
    case = reported_case()

    with refused(case, InvalidValue):
        case.escalate(actor=GRID_LEAD, at=later(case), to_level=Level.COMMUNITY, reason="  ")


# ----- whistles ------------------------------------------------------------------------------


def test_whistle_at_grid_level_is_refused():
    case = reported_case()

    with refused(case, RuleViolation):
        blow(case)


def test_whistle_at_district_level_is_refused():
    case = escalated_case(Level.DISTRICT)

    with refused(case, RuleViolation):
        blow(case)


def test_whistle_must_summon_at_least_one_unit():
    case = escalated_case()

    with refused(case, InvalidValue):
        blow(case, unit_ids=[])


def test_whistle_units_must_not_repeat():
    case = escalated_case()

    with refused(case, InvalidValue):
        blow(case, unit_ids=[POLICE, PROPERTY, POLICE])


def test_whistle_summons_at_most_the_maximum_number_of_units():
    case = escalated_case()
    units = [f"unit-{i}" for i in range(MAX_UNITS_PER_WHISTLE + 1)]

    with refused(case, InvalidValue):
        blow(case, unit_ids=units)

    blow(case, unit_ids=units[:-1])
    assert len(case.whistle("W1").unit_ids) == MAX_UNITS_PER_WHISTLE


@pytest.mark.parametrize("offset", [timedelta(0), timedelta(seconds=-1), timedelta(days=-1)])
def test_deadline_must_be_in_future(offset):
    case = escalated_case()
    at = later(case)

    with refused(case, InvalidValue):
        blow(case, at=at, report_in_deadline=at + offset)


def test_deadline_is_at_most_90_days_ahead():
    case = escalated_case()
    at = later(case)

    with refused(case, InvalidValue):
        blow(case, at=at, report_in_deadline=at + MAX_REPORT_IN_WAIT + timedelta(seconds=1))

    blow(case, at=at, report_in_deadline=at + MAX_REPORT_IN_WAIT)
    assert MAX_REPORT_IN_WAIT == timedelta(days=90)
    assert case.whistle("W1").report_in_deadline == at + timedelta(days=90)


def test_deadline_must_be_timezone_aware():
    case = escalated_case()

    with refused(case, InvalidValue):
        blow(case, report_in_deadline=datetime(2030, 1, 1))


def test_whistle_needs_a_reason():
    case = escalated_case()

    with refused(case, InvalidValue):
        blow(case, reason="")


def test_resolved_case_cannot_blow_a_whistle():
    case = resolve(escalated_case())

    with refused(case, RuleViolation):
        blow(case)


# ----- reporting in ----------------------------------------------------------------------------


def test_unsummoned_unit_cannot_report_in():
    case, whistle_id = whistled_case((POLICE,))

    with refused(case, RuleViolation):
        case.report_in(actor=LIAISON, at=later(case), whistle_id=whistle_id, unit_id=PROPERTY)


def test_unit_summoned_by_another_whistle_cannot_report_in_to_this_one():
    case, first = whistled_case((POLICE,))
    second = blow(case, unit_ids=[PROPERTY])

    with refused(case, RuleViolation):
        case.report_in(actor=LIAISON, at=later(case), whistle_id=first, unit_id=PROPERTY)
    case.report_in(actor=LIAISON, at=later(case), whistle_id=second, unit_id=PROPERTY)


def test_report_in_to_an_unknown_whistle_is_not_found():
    case, _ = whistled_case()

    with refused(case, WhistleNotFound) as info:
        case.report_in(actor=LIAISON, at=later(case), whistle_id="W9", unit_id=POLICE)

    assert "W9" in info.value.en


def test_unit_reports_in_once_per_whistle():
    case, whistle_id = whistled_case()
    case.report_in(actor=LIAISON, at=later(case), whistle_id=whistle_id, unit_id=POLICE)

    with refused(case, RuleViolation):
        case.report_in(actor=LIAISON, at=later(case), whistle_id=whistle_id, unit_id=POLICE)


def test_unit_may_report_in_once_to_each_whistle():
    case, first = whistled_case((POLICE,))
    second = blow(case, unit_ids=[POLICE])
    case.report_in(actor=LIAISON, at=later(case), whistle_id=first, unit_id=POLICE)
    case.report_in(actor=LIAISON, at=later(case), whistle_id=second, unit_id=POLICE)

    assert POLICE in case.whistle(first).report_ins
    assert POLICE in case.whistle(second).report_ins


def test_report_in_after_deadline_is_recorded_late():
    case, whistle_id = whistled_case()
    deadline = case.whistle(whistle_id).report_in_deadline

    late = case.report_in(
        actor=LIAISON, at=deadline + timedelta(seconds=1), whistle_id=whistle_id, unit_id=POLICE
    )

    assert late is True
    assert last_event(case).late is True
    assert case.whistle(whistle_id).report_ins[POLICE].late is True


# ----- funding -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "amount",
    [0, -1, -100, 1.5, 100.0, True, False, "100", None, MAX_PLEDGE_FEN + 1],
    ids=repr,
)
def test_pledge_must_be_positive_whole_fen(amount):
    case = reported_case()

    with refused(case, InvalidValue):
        pledge(case, amount_fen=amount)


@pytest.mark.parametrize("amount", [1, MAX_PLEDGE_FEN])
def test_pledge_bounds_are_inclusive(amount):
    case = reported_case()
    pledge(case, amount_fen=amount)

    assert case.pledged_fen == amount


@pytest.mark.parametrize("currency", ["USD", "cny", "RMB", "", None])
def test_currency_must_be_cny(currency):
    case = reported_case()

    with refused(case, InvalidValue):
        pledge(case, currency=currency)


def test_pledge_needs_a_party_name():
    case = reported_case()

    with refused(case, InvalidValue):
        pledge(case, party_name=" ")


# ----- resolution and after --------------------------------------------------------------------


def test_resolve_once_per_round():
    case = resolved_case()

    with refused(case, RuleViolation):
        case.resolve(actor=COORDINATOR, at=later(case), summary="再次解决")


def test_resolve_once_per_round_even_after_evaluation():
    case = evaluated_case(Satisfaction.UNSATISFIED)

    with refused(case, RuleViolation):
        case.resolve(actor=COORDINATOR, at=later(case), summary="再次解决")


def test_resolve_again_only_in_the_next_round():
    case = resolve(reopened_case())

    assert case.resolution is not None and case.resolution.round == 2
    with refused(case, RuleViolation):
        case.resolve(actor=COORDINATOR, at=later(case), summary="第三次")


def test_resolve_needs_a_summary():
    case = reported_case()

    with refused(case, InvalidValue):
        case.resolve(actor=COORDINATOR, at=later(case), summary="")


@pytest.mark.parametrize("level", list(Level))
def test_resolution_records_the_level(level):
    case = reported_case() if level is Level.GRID else escalated_case(level)
    resolve(case)

    assert last_event(case).level == level.value
    assert case.resolution is not None and case.resolution.level is level


@pytest.mark.parametrize(
    "make",
    [reported_case, escalated_case, lambda: whistled_case()[0]],
    ids=["reported", "escalated", "whistled"],
)
def test_evaluation_only_after_resolution(make):
    case = make()

    with refused(case, RuleViolation):
        evaluate(case)


def test_evaluation_only_after_resolution_of_this_round():
    case = reopened_case()

    with refused(case, RuleViolation):
        evaluate(case)


def test_round_is_evaluated_once():
    case = evaluated_case(Satisfaction.BASICALLY)

    with refused(case, RuleViolation):
        evaluate(case, Satisfaction.UNSATISFIED)


@pytest.mark.parametrize(
    "make",
    [
        reported_case,
        escalated_case,
        resolved_case,
        lambda: evaluated_case(Satisfaction.SATISFIED),
        lambda: evaluated_case(Satisfaction.BASICALLY),
    ],
    ids=["reported", "escalated", "resolved", "satisfied", "basically_satisfied"],
)
def test_reopen_only_after_unsatisfied_evaluation(make):
    case = make()

    with refused(case, RuleViolation):
        case.reopen(actor=COORDINATOR, at=later(case), reason="重办")


def test_reopen_once_per_unsatisfied_evaluation():
    case = reopened_case()

    with refused(case, RuleViolation):
        case.reopen(actor=COORDINATOR, at=later(case), reason="再重办")


def test_reopen_needs_a_reason():
    case = evaluated_case(Satisfaction.UNSATISFIED)

    with refused(case, InvalidValue):
        case.reopen(actor=COORDINATOR, at=later(case), reason="")


@pytest.mark.parametrize(
    "make",
    [reported_case, escalated_case, lambda: whistled_case()[0], reopened_case],
    ids=["reported", "escalated", "whistled", "reopened"],
)
def test_close_only_after_resolution(make):
    case = make()

    with refused(case, RuleViolation):
        case.close(actor=COORDINATOR, at=later(case))


@pytest.mark.parametrize("make", [resolved_case, evaluated_case], ids=["resolved", "evaluated"])
def test_resolved_case_cannot_be_withdrawn(make):
    case = make()

    with refused(case, RuleViolation):
        case.withdraw(actor=GRID_LEAD, at=later(case), reason="撤回")


def test_withdrawal_needs_a_reason():
    case = reported_case()

    with refused(case, InvalidValue):
        case.withdraw(actor=GRID_LEAD, at=later(case), reason="")


def test_a_case_cannot_duplicate_itself():
    case = reported_case()

    with refused(case, RuleViolation):
        case.mark_duplicate(actor=GRID_LEAD, at=later(case), original_case_id=case.id)


def test_duplicate_reason_is_optional():
    case = reported_case()
    case.mark_duplicate(actor=GRID_LEAD, at=later(case), original_case_id=uuid4())

    assert case.status is Status.DUPLICATE


# ----- unit evaluation (一哨一考核) --------------------------------------------------------------


def test_only_summoned_units_are_evaluated():
    case, whistle_id = whistled_case((POLICE,))

    with refused(case, RuleViolation):
        case.evaluate_unit(
            actor=COORDINATOR, at=later(case), whistle_id=whistle_id, unit_id=ENTERPRISE, score=80
        )


def test_unit_evaluated_once_per_whistle():
    case, whistle_id = whistled_case()
    case.evaluate_unit(
        actor=COORDINATOR, at=later(case), whistle_id=whistle_id, unit_id=POLICE, score=80
    )

    with refused(case, RuleViolation):
        case.evaluate_unit(
            actor=COORDINATOR, at=later(case), whistle_id=whistle_id, unit_id=POLICE, score=90
        )


def test_unit_evaluated_once_for_each_whistle():
    case, first = whistled_case((POLICE,))
    second = blow(case, unit_ids=[POLICE])
    for whistle_id in (first, second):
        case.evaluate_unit(
            actor=COORDINATOR, at=later(case), whistle_id=whistle_id, unit_id=POLICE, score=80
        )

    assert [(s.whistle_id, s.unit_id) for s in case.unit_scores] == [
        (first, POLICE),
        (second, POLICE),
    ]


def test_unit_evaluation_of_unknown_whistle_is_not_found():
    case = reported_case()

    with refused(case, WhistleNotFound):
        case.evaluate_unit(
            actor=COORDINATOR, at=later(case), whistle_id="W1", unit_id=POLICE, score=1
        )


@pytest.mark.parametrize("score", [-1, 101, 1000, 50.0, 99.5, True, "80", None], ids=repr)
def test_score_is_a_whole_number_from_0_to_100(score):
    case, whistle_id = whistled_case()

    with refused(case, InvalidValue):
        case.evaluate_unit(
            actor=COORDINATOR, at=later(case), whistle_id=whistle_id, unit_id=POLICE, score=score
        )


# ----- text fields -------------------------------------------------------------------------------

# (field, max length, required, a case in which the command is accepted, the command)
TextCommand = Callable[[Case, datetime, Any], object]
TEXT_FIELDS: list[tuple[str, int, bool, Callable[[], Case], TextCommand]] = [
    (
        "note.text",
        NOTE_MAX,
        True,
        reported_case,
        lambda c, at, s: c.note(actor=GRID_LEAD, at=at, text=s),
    ),
    (
        "escalate.reason",
        REASON_MAX,
        True,
        reported_case,
        lambda c, at, s: c.escalate(actor=GRID_LEAD, at=at, to_level="street", reason=s),
    ),
    (
        "blow_whistle.reason",
        REASON_MAX,
        True,
        escalated_case,
        lambda c, at, s: blow(c, at=at, reason=s),
    ),
    (
        "report_in.note",
        NOTE_MAX,
        False,
        lambda: whistled_case()[0],
        lambda c, at, s: c.report_in(actor=LIAISON, at=at, whistle_id="W1", unit_id=POLICE, note=s),
    ),
    (
        "pledge.party_name",
        TITLE_MAX,
        True,
        reported_case,
        lambda c, at, s: pledge(c, at=at, party_name=s),
    ),
    (
        "pledge.purpose",
        REASON_MAX,
        False,
        reported_case,
        lambda c, at, s: pledge(c, at=at, purpose=s),
    ),
    (
        "resolve.summary",
        TEXT_MAX,
        True,
        reported_case,
        lambda c, at, s: c.resolve(actor=COORDINATOR, at=at, summary=s),
    ),
    (
        "evaluate.comment",
        NOTE_MAX,
        False,
        resolved_case,
        lambda c, at, s: c.evaluate(
            actor=GRID_LEAD, at=at, solved=Solved.SOLVED, satisfaction="satisfied", comment=s
        ),
    ),
    (
        "evaluate_unit.comment",
        NOTE_MAX,
        False,
        lambda: whistled_case()[0],
        lambda c, at, s: c.evaluate_unit(
            actor=COORDINATOR, at=at, whistle_id="W1", unit_id=POLICE, score=60, comment=s
        ),
    ),
    (
        "reopen.reason",
        REASON_MAX,
        True,
        lambda: evaluated_case(Satisfaction.UNSATISFIED),
        lambda c, at, s: c.reopen(actor=COORDINATOR, at=at, reason=s),
    ),
    (
        "close.remark",
        NOTE_MAX,
        False,
        resolved_case,
        lambda c, at, s: c.close(actor=COORDINATOR, at=at, remark=s),
    ),
    (
        "withdraw.reason",
        REASON_MAX,
        True,
        reported_case,
        lambda c, at, s: c.withdraw(actor=GRID_LEAD, at=at, reason=s),
    ),
    (
        "mark_duplicate.reason",
        REASON_MAX,
        False,
        reported_case,
        lambda c, at, s: c.mark_duplicate(
            actor=GRID_LEAD, at=at, original_case_id=OTHER_CASE_ID, reason=s
        ),
    ),
]
TEXT_IDS = [field[0] for field in TEXT_FIELDS]


@pytest.mark.parametrize(("field", "max_len", "required", "make", "act"), TEXT_FIELDS, ids=TEXT_IDS)
def test_text_longer_than_its_limit_is_refused(field, max_len, required, make, act):
    case = make()

    with refused(case, InvalidValue) as info:
        act(case, later(case), "字" * (max_len + 1))

    assert str(max_len) in info.value.en


@pytest.mark.parametrize(("field", "max_len", "required", "make", "act"), TEXT_FIELDS, ids=TEXT_IDS)
def test_text_at_its_limit_is_accepted_after_trimming(field, max_len, required, make, act):
    case = make()
    version = case.version

    act(case, later(case), "  " + "字" * max_len + "\n")

    assert case.version == version + 1
    assert getattr(last_event(case), field.split(".")[1]) == "字" * max_len


@pytest.mark.parametrize(("field", "max_len", "required", "make", "act"), TEXT_FIELDS, ids=TEXT_IDS)
def test_required_text_must_not_be_blank(field, max_len, required, make, act):
    case = make()
    if required:
        with refused(case, InvalidValue):
            act(case, later(case), " \t\n")
    else:
        act(case, later(case), " \t\n")
        assert getattr(last_event(case), field.split(".")[1]) == ""


@pytest.mark.parametrize(("field", "max_len", "required", "make", "act"), TEXT_FIELDS, ids=TEXT_IDS)
def test_text_must_be_a_string(field, max_len, required, make, act):
    case = make()

    with refused(case, InvalidValue):
        act(case, later(case), 42)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", ""),
        ("title", "   "),
        ("title", "标" * (TITLE_MAX + 1)),
        ("title", None),
        ("description", "述" * (TEXT_MAX + 1)),
        ("description", None),
    ],
    ids=["empty-title", "blank-title", "long-title", "no-title", "long-description", "no-desc"],
)
def test_report_text_limits(field, value):
    with pytest.raises(InvalidValue) as info:
        reported_case(**{field: value})

    assert type(info.value) is InvalidValue


def test_report_text_at_limits_is_accepted():
    case = reported_case(title="标" * TITLE_MAX, description="述" * TEXT_MAX)

    assert len(case.title) == TITLE_MAX
    assert len(case.description) == TEXT_MAX


@pytest.mark.parametrize("control", ["\x00", "\x07", "\x1b", "\x7f"], ids=repr)
@pytest.mark.parametrize(("field", "max_len", "required", "make", "act"), TEXT_FIELDS, ids=TEXT_IDS)
def test_text_with_control_characters_is_refused(field, max_len, required, make, act, control):
    case = make()

    with refused(case, InvalidValue):
        act(case, later(case), f"消防{control}通道")


@pytest.mark.parametrize("field", ["title", "description"])
def test_report_text_with_a_nul_is_refused(field):
    with pytest.raises(InvalidValue):
        reported_case(**{field: "消防\x00通道"})


def test_line_breaks_and_tabs_inside_text_are_kept():
    case = reported_case(description="第一行\r\n第二行\t备注")
    case.note(actor=GRID_LEAD, at=later(case), text="走访\n三户")

    assert case.description == "第一行\n第二行\t备注"  # line ends unified
    assert last_event(case).text == "走访\n三户"


# ----- time range ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "at",
    [datetime(1989, 12, 31, 23, 59, tzinfo=UTC), datetime(2200, 1, 1, 0, 0, 1, tzinfo=UTC)],
    ids=["before-1990", "after-2200"],
)
def test_report_time_must_lie_between_1990_and_2200(at):
    with pytest.raises(InvalidValue):
        reported_case(at=at)


def test_report_at_the_edges_of_the_time_range_is_accepted():
    assert reported_case(at=datetime(1990, 1, 1, tzinfo=UTC)).version == 1
    assert reported_case(at=datetime(2200, 1, 1, tzinfo=UTC)).version == 1


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_refuses_a_time_after_2200(command):
    case = reported_case()

    with refused(case, InvalidValue):
        COMMANDS[command](case, datetime(2200, 1, 2, tzinfo=UTC))


def test_deadline_after_2200_is_refused():
    case = reported_case(at=datetime(2199, 12, 31, tzinfo=UTC))
    case.escalate(actor=GRID_LEAD, at=later(case), to_level=Level.STREET, reason="r")

    with refused(case, InvalidValue):
        blow(case, report_in_deadline=datetime(2200, 1, 1, 12, tzinfo=UTC))


@pytest.mark.parametrize("at", [datetime.max, datetime.min], ids=["max", "min"])
@pytest.mark.parametrize("tz", [UTC, BEIJING, timezone(timedelta(hours=-12))], ids=str)
def test_time_far_beyond_the_range_is_refused_not_overflowing(at, tz):
    with pytest.raises(InvalidValue):
        reported_case(at=at.replace(tzinfo=tz))


# ----- refused inputs that once slipped through as raw exceptions ---------


def test_a_case_cannot_duplicate_itself_by_its_id_as_text():
    case = reported_case()

    with refused(case, RuleViolation):
        case.mark_duplicate(actor=GRID_LEAD, at=later(case), original_case_id=str(case.id))


def test_whistle_units_must_be_a_list_not_one_string():
    case = escalated_case()

    with refused(case, InvalidValue):
        blow(case, unit_ids="U1")  # not the units ["U", "1"]


@pytest.mark.parametrize(
    ("make", "act"),
    [
        (
            reported_case,
            lambda c, at: c.escalate(actor=GRID_LEAD, at=at, to_level="province", reason="r"),
        ),
        (reported_case, lambda c, at: c.note(actor=GRID_LEAD, at=at, text="t", kind="gossip")),
        (reported_case, lambda c, at: pledge(c, at=at, party_kind="bank")),
        (
            resolved_case,
            lambda c, at: c.evaluate(
                actor=GRID_LEAD, at=at, solved="maybe", satisfaction="satisfied"
            ),
        ),
    ],
    ids=["escalate.to_level", "note.kind", "pledge.party_kind", "evaluate.solved"],
)
def test_unknown_enum_value_is_an_invalid_value(make, act):
    case = make()

    with refused(case, InvalidValue):
        act(case, later(case))


@pytest.mark.parametrize("field", ["channel", "urgency"])
def test_unknown_enum_value_in_a_report_is_an_invalid_value(field):
    with pytest.raises(InvalidValue):
        reported_case(**{field: "fax"})


def test_blank_unit_ids_are_refused_in_a_whistle():
    case = escalated_case()
    at = later(case)
    with refused(case, InvalidValue):
        case.blow_whistle(
            actor=COORDINATOR,
            at=at,
            unit_ids=["", "  "],
            report_in_deadline=at + timedelta(hours=1),
            reason="r",
        )
