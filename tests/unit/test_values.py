"""Value types: the escalation ladder, final statuses, labels, money formatting, error codes."""

from __future__ import annotations

import pytest

from domain import values
from domain.errors import (
    CaseIsFinal,
    DomainError,
    InvalidValue,
    RuleViolation,
    UnknownReference,
    WhistleNotFound,
)
from domain.values import Labelled, Level, Status, fen_to_yuan_text


def test_levels_rank_from_grid_to_district():
    assert [level.rank for level in Level] == [0, 1, 2, 3]
    assert Level.GRID.rank < Level.COMMUNITY.rank < Level.STREET.rank < Level.DISTRICT.rank


def test_only_closed_withdrawn_duplicate_and_returned_are_final():
    finals = {Status.CLOSED, Status.WITHDRAWN, Status.DUPLICATE, Status.RETURNED}
    assert {s for s in Status if s.is_final} == finals


@pytest.mark.parametrize(
    "enum",
    [obj for obj in vars(values).values() if isinstance(obj, type) and issubclass(obj, Labelled)][
        1:
    ],
    ids=lambda e: e.__name__,
)
def test_every_member_has_a_chinese_label(enum):
    for member in enum:
        assert member.label != member.value, member
        assert any("\u4e00" <= ch <= "\u9fff" for ch in member.label), member


@pytest.mark.parametrize(
    ("fen", "text"),
    [(0, "¥0.00"), (5, "¥0.05"), (360_000, "¥3,600.00"), (150_000_050, "¥1,500,000.50")],
)
def test_fen_render_as_yuan(fen, text):
    assert fen_to_yuan_text(fen) == text


@pytest.mark.parametrize(
    ("error", "code", "parent"),
    [
        (RuleViolation("规则", "rule"), "rule_violation", DomainError),
        (CaseIsFinal("已办结", "closed"), "case_is_final", RuleViolation),
        (InvalidValue("值", "value"), "invalid_value", DomainError),
        (UnknownReference("网格", "grid", "g9"), "unknown_reference", InvalidValue),
        (WhistleNotFound("W9"), "whistle_not_found", DomainError),
    ],
)
def test_errors_carry_a_code_and_both_languages(error, code, parent):
    assert error.code == code
    assert isinstance(error, parent)
    assert error.zh and error.en and str(error) == error.en
