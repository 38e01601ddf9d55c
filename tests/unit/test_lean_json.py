"""lean_json writes what pydantic writes after validating: instants in UTC with ``Z``, ids
in canonical form, enums as their values, ints in float fields as floats, fields
excluded as the model excludes them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

import pytest
from pydantic import TypeAdapter

from domain.values import Level
from interfaces.http import dashboard_schemas as s
from interfaces.http.lean_json import encoder

_json = TypeAdapter(Any)


@dataclass
class Case:
    case_id: Any
    title: str
    level: Any
    status: Any
    resolved_level: Any
    reported_at: datetime


@pytest.mark.parametrize(
    "case_id",
    ["0f8fad5b-d9cb-469f-a165-70867728950e", "0F8FAD5BD9CB469FA16570867728950E"],
)
@pytest.mark.parametrize(
    "at",
    [
        datetime(2024, 3, 1, 9, 0, tzinfo=UTC),
        datetime(2024, 3, 1, 9, 0, 0, 5, tzinfo=timezone(timedelta(hours=8))),
        datetime(2024, 3, 1, 9, 0),  # no zone: read as UTC
    ],
)
def test_a_row_is_written_as_its_model_writes_it(case_id: str, at: datetime) -> None:
    row = Case(case_id, "路灯不亮", Level.GRID, "resolved", None, at)
    model = s.LeftCasePublic
    assert encoder(model)(row) == _json.dump_json(model.model_validate(row))


def test_an_int_in_a_float_field_is_written_as_a_float() -> None:
    @dataclass
    class Ranked:
        key: str = "k"
        name: str = "n"
        label: str = "n"
        scope_part: bool = False
        composite: Any = 1
        response_rate: Any = None
        solved_rate: Any = 0
        satisfaction_rate: Any = 0.25
        reported: int = 3
        unanswered_not_due: int = 0
        rank: int = 1

    model = s.RankedPlacePublic
    assert encoder(model)(Ranked()) == _json.dump_json(model.model_validate(Ranked()))
    assert b'"composite":1.0' in encoder(model)(Ranked())


def test_an_excluded_field_is_left_out_and_a_kept_one_written() -> None:
    def figures() -> dict[str, Any]:
        return {
            "counts": SimpleNamespace(**dict.fromkeys(s.CountsPublic.model_fields, 0)),
            "not_yet_due": SimpleNamespace(
                cases=0, unanswered=0, next_resolution_due=None, next_response_due=None
            ),
            "rates": SimpleNamespace(**dict.fromkeys(s.RatesPublic.model_fields)),
            "below_target": [],
        }

    page = SimpleNamespace(total=3, offset=0, shown=0, next="/x?offset=0")
    model = s.RateRowPublic
    for listed, listed_page in ((None, None), ([], page)):
        row = SimpleNamespace(
            key="s1",
            name="街道",
            label="街道",
            scope_part=False,
            pulling_down=listed,
            pulling_down_page=listed_page,
            **figures(),
        )
        lean = encoder(model)(row)
        assert lean == _json.dump_json(model.model_validate(row))
        assert (b"pulling_down" in lean) is (listed is not None)
