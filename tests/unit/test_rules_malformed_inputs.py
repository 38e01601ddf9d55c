"""Refused inputs that once slipped through as raw exceptions: each is now a domain error.

One test per rule. Every refused command raises its domain error and records nothing.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.errors import InvalidValue, RuleViolation
from tests.support.case_checks import refused
from tests.support.cases import (
    COORDINATOR,
    GRID_LEAD,
    blow,
    escalated_case,
    later,
    pledge,
    reported_case,
    resolved_case,
)


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
