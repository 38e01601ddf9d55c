"""A case filter naming a place or category that does not exist is refused, not ignored."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import GRID, assert_problem, case_body, created
from tests.support.api import Api


@pytest.mark.parametrize("path", ["/cases", "/ledger"])
@pytest.mark.parametrize(
    ("parameter", "kind_zh"),
    [("grid", "网格"), ("community", "社区"), ("street", "街道"), ("category", "问题类别")],
)
def test_unknown_id_is_refused_naming_the_parameter(
    api: Api, path: str, parameter: str, kind_zh: str
) -> None:
    body = assert_problem(
        api.get("coordinator", path, **{parameter: "no-such-id"}), 422, "unknown_filter_value"
    )
    assert body["field"] == parameter
    assert kind_zh in body["detail_zh"] and "no-such-id" in body["detail_zh"]
    assert parameter in body["detail"]


def test_unknown_status_is_refused_naming_the_parameter(api: Api) -> None:
    body = assert_problem(api.get("coordinator", "/cases", status="lost"), 422)
    assert "status" in str(body["errors"])


def test_known_place_outside_the_scope_is_an_empty_list_not_an_error(api: Api) -> None:
    position = created(api.post("grid_lead", "/cases", case_body(GRID)))["position"]
    response = api.get("grid_lead", "/cases", grid="jintai", min_position=position)
    assert response.status_code == 200, response.text
    assert response.json()["total"] == 0
    mine = api.get("grid_lead", "/cases", grid=GRID, category="fire-lane", min_position=position)
    assert mine.json()["total"] == 1
