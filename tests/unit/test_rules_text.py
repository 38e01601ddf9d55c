"""Rules of the free-text fields: limits, blanks, types and control characters.

One test per rule. Every refused command raises its domain error and records nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from domain.case import Case
from domain.errors import InvalidValue
from domain.rules import NOTE_MAX, REASON_MAX, TEXT_MAX, TITLE_MAX
from domain.values import Satisfaction, Solved
from tests.support.case_checks import last_event, refused
from tests.support.cases import (
    COORDINATOR,
    GRID_LEAD,
    LIAISON,
    OTHER_CASE_ID,
    POLICE,
    blow,
    escalated_case,
    evaluated_case,
    later,
    pledge,
    reported_case,
    resolved_case,
    whistled_case,
)

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
