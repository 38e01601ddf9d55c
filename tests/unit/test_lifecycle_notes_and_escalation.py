"""Notes, the first response and escalation: what each records and how the case moves.

Each command records its one event with the right payload, and the events build the state.
"""

from __future__ import annotations

import pytest

from domain import events as ev
from domain.records import Note
from domain.values import Level, NoteKind, Status
from tests.support.case_checks import assert_recorded, last_event
from tests.support.cases import COORDINATOR, GRID_LEAD, OTHER_CASE_ID, later, reported_case


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
