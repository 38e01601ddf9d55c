"""Rules of funding pledges and of scoring each summoned unit (一哨一考核).

One test per rule. Every refused command raises its domain error and records nothing.
"""

from __future__ import annotations

import pytest

from domain.errors import InvalidValue, RuleViolation, WhistleNotFound
from domain.rules import MAX_PLEDGE_FEN
from tests.support.case_checks import refused
from tests.support.cases import (
    COORDINATOR,
    ENTERPRISE,
    POLICE,
    blow,
    later,
    pledge,
    reported_case,
    whistled_case,
)

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
