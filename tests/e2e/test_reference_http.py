"""Reference data over HTTP: each caller sees the grids, units and categories of its scope,
in Chinese, and nobody without a token sees any."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e import helpers as h
from tests.support.api import Api
from tests.support.backends import sqlite_module

# SQLite only: reference data comes from the jurisdiction file, not the store.
pytestmark = sqlite_module

YILI_JINWEI = {"chengshi-huating", "chengshi-huating-shangye", "binhewan", "guangchang-jiayuan"}


def ids(api: Api, user: str, what: str) -> set[str]:
    r = api.get(user, f"/reference/{what}")
    assert r.status_code == 200, r.text
    key = {"grids": "grid_id", "units": "unit_id", "categories": "category_id"}[what]
    return {item[key] for item in r.json()}


def by_id(api: Api, user: str, what: str, key: str) -> dict[str, Any]:
    return {item[key]: item for item in api.get(user, f"/reference/{what}").json()}


def test_a_grid_lead_sees_its_grid_and_the_grids_nested_in_it(api: Api) -> None:
    assert ids(api, "grid_lead", "grids") == {"chengshi-huating", "chengshi-huating-shangye"}
    assert ids(api, "other_grid_lead", "grids") == {"jintai"}


def test_a_street_coordinator_sees_the_streets_grids(api: Api) -> None:
    assert ids(api, "coordinator", "grids") == YILI_JINWEI


def test_a_grid_carries_its_places_in_chinese(api: Api) -> None:
    grid = by_id(api, "grid_lead", "grids", "grid_id")["chengshi-huating-shangye"]
    assert grid["name"] == "城市华庭商业街微网格"
    assert grid["parent_id"] == "chengshi-huating" and grid["depth"] == 2
    assert grid["community_name"] == "亿利金威社区"
    assert grid["street_name"] == "建设街道"
    assert grid["district_name"] == "鄂尔多斯市东胜区"


def test_a_grid_lead_sees_only_the_units_serving_its_grids(api: Api) -> None:
    theirs = ids(api, "grid_lead", "units")
    assert {"jianshe-police", "yljw-property", "dongsheng-fire"} <= theirs
    assert not {"jintai-property", "jintai-developer", "weicheng-housing"} & theirs
    other = ids(api, "other_grid_lead", "units")
    assert {"jintai-property", "jintai-developer"} <= other
    assert "jianshe-police" not in other


def test_a_liaison_sees_its_own_unit_and_the_grids_it_serves(api: Api) -> None:
    assert ids(api, "police", "units") == {"jianshe-police"}
    assert ids(api, "police", "grids") == YILI_JINWEI
    assert ids(api, "other_liaison", "units") == {"weicheng-heating"}
    assert not ids(api, "other_liaison", "grids") & YILI_JINWEI


def test_a_unit_says_where_it_serves_in_chinese(api: Api) -> None:
    units = by_id(api, "auditor", "units", "unit_id")
    fire = units["dongsheng-fire"]
    assert fire["name"] == "东胜区消防救援大队"
    assert fire["serves"] == {
        "everywhere": False,
        "district_ids": ["dongsheng"],
        "street_ids": [],
        "label": "鄂尔多斯市东胜区",
    }
    assert units["jianshe-police"]["serves"]["label"] == "建设街道"
    assert units["jianshe-police"]["kind_label"]


def test_auditors_see_every_grid_and_unit(api: Api) -> None:
    j = api.container.service.jurisdiction
    assert ids(api, "auditor", "grids") == set(j.grids)
    assert ids(api, "admin", "units") == set(j.units)


@pytest.mark.parametrize("user", ["grid_lead", "police", "auditor"])
def test_every_role_sees_every_category_with_its_time_limits(api: Api, user: str) -> None:
    categories = by_id(api, user, "categories", "category_id")
    assert set(categories) == set(api.container.service.jurisdiction.categories)
    for category in categories.values():
        for limit in (category["response_limit"], category["resolution_limit"]):
            assert (limit["hours"] is None) != (limit["working_days"] is None)
            assert limit["label"].endswith(("小时", "个工作日"))
    assert any(
        c["resolution_limit"]["working_days"] for c in categories.values()
    )  # the demo counts general matters in working days


@pytest.mark.parametrize("what", ["grids", "units", "categories"])
def test_reference_data_needs_a_token(api: Api, what: str) -> None:
    h.assert_problem(api.client.get(f"/reference/{what}"), 401)
    bad = {"Authorization": "Bearer cs_forged"}
    h.assert_problem(api.client.get(f"/reference/{what}", headers=bad), 401)


def test_a_revoked_user_sees_no_reference_data(api: Api) -> None:
    api.container.users.revoke("grid_lead")
    h.assert_problem(api.get("grid_lead", "/reference/grids"), 401)
