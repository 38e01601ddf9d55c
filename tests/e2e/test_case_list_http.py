"""The case list (GET /cases): filters, pages, row columns and refused parameters, on both
backends."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e import helpers as h
from tests.support.api import Api


@pytest.fixture
def ledger(api: Api) -> dict[str, str]:
    """Four cases an hour apart (09:00, 10:00, 11:00, 12:00 UTC) in three places."""
    ids = {"huating": h.report(api)}
    api.clock.advance(hours=1)
    ids["binhewan"] = h.report(api, "admin", "binhewan", category_id="sanitation")
    api.clock.advance(hours=1)
    ids["jintai"] = h.report(api, "other_grid_lead", "jintai", category_id="heating")
    api.clock.advance(hours=1)
    ids["withdrawn"] = h.report(api)
    withdrawn = api.post("coordinator", f"/cases/{ids['withdrawn']}/withdrawal", {"reason": "撤"})
    assert withdrawn.status_code == 201
    return ids


def listed(api: Api, **params: Any) -> dict[str, Any]:
    response = api.get("admin", "/cases", min_position=api.event_count(), **params)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def names(ledger: dict[str, str], body: dict[str, Any]) -> list[str]:
    by_id = {v: k for k, v in ledger.items()}
    return [by_id[row["case_id"]] for row in body["items"]]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["withdrawn", "jintai", "binhewan", "huating"]),  # newest first
        ({"grid": "chengshi-huating"}, ["withdrawn", "huating"]),
        ({"community": "yili-jinwei"}, ["withdrawn", "binhewan", "huating"]),
        ({"street": "xiguan"}, ["jintai"]),
        ({"status": "withdrawn"}, ["withdrawn"]),
        ({"status": "reported"}, ["jintai", "binhewan", "huating"]),
        ({"category": "heating"}, ["jintai"]),
        ({"grid": "chengshi-huating", "status": "reported"}, ["huating"]),
        ({"reported_from": "2024-03-01T10:00:00+00:00"}, ["withdrawn", "jintai", "binhewan"]),
        ({"reported_to": "2024-03-01T10:00:00+00:00"}, ["huating"]),  # exclusive
        # the same instants written in Beijing time
        (
            {
                "reported_from": "2024-03-01T18:00:00+08:00",
                "reported_to": "2024-03-01T20:00:00+08:00",
            },
            ["jintai", "binhewan"],
        ),
        # an unknown id is refused (422), not an empty list: tests/e2e/test_bad_filters.py
    ],
)
def test_case_list_filters(
    api: Api, ledger: dict[str, str], params: dict[str, str], expected: list[str]
) -> None:
    body = listed(api, **params)
    assert names(ledger, body) == expected
    assert body["total"] == len(expected)


def test_case_list_pages_with_limit_and_offset(api: Api, ledger: dict[str, str]) -> None:
    first = listed(api, limit=3)
    second = listed(api, limit=3, offset=3)
    past = listed(api, limit=3, offset=10)
    assert (first["limit"], first["offset"], first["total"]) == (3, 0, 4)
    assert names(ledger, first) == ["withdrawn", "jintai", "binhewan"]
    assert names(ledger, second) == ["huating"] and second["total"] == 4
    assert past["items"] == [] and past["total"] == 4


def test_case_list_rows_carry_the_ledger_columns(api: Api, ledger: dict[str, str]) -> None:
    row = listed(api, grid="binhewan")["items"][0]
    assert row["case_id"] == ledger["binhewan"]
    assert row["reported_at"].startswith("2024-03-01T10:00:00")
    assert (row["status"], row["level"], row["whistles"], row["pledged_fen"]) == (
        "reported",
        "grid",
        0,
        0,
    )


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 201},
        {"offset": -1},
        {"status": "bogus"},
        {"reported_from": "2024-03-01T10:00:00"},  # no time zone
        {"reported_to": "yesterday"},
        {"min_position": -1},
        {"min_position": 10_000},  # beyond the log's head
        {"grid": "g" * 65},
    ],
)
def test_case_list_refuses_bad_parameters(api: Api, params: dict[str, Any]) -> None:
    h.report(api)
    h.assert_problem(api.get("admin", "/cases", **params), 422)
