"""Every list in a dashboard answer is exact, says when it is cut, and links to the rest."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from tests.e2e import helpers as h
from tests.support.api import Api

KINDS = {"government": "建设街道", "property_company": "物业公司", "owners_fund": "两共基金"}


def get(api: Api, path: str, **params: Any) -> dict[str, Any]:
    """GET a dashboard path (with its query string) as the admin, once the views caught up."""
    path, _, query = path.partition("?")
    params = {**dict(parse_qsl(query)), "min_position": api.event_count(), **params}
    response = api.client.get(path, params=params, headers=api.headers("admin"))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def pledge(api: Api, case_id: str, kind: str, amount_fen: int) -> None:
    body = {"party_kind": kind, "party_name": KINDS[kind], "amount_fen": amount_fen}
    h.created(api.post("coordinator", f"/cases/{case_id}/pledges", body))


def test_per_case_funding_is_exact_and_paged_over_cases(api: Api) -> None:
    """A page holds whole cases (every party kind of each), never (case, kind) rows."""
    want: dict[str, dict[str, int]] = {}
    for n in range(5):
        case_id = h.escalated_case(api)
        for i, kind in enumerate(KINDS):
            amount = 200_000_000 if i == 0 else (n + 1) * 1000 + i
            pledge(api, case_id, kind, amount)
            want.setdefault(case_id, {})[kind] = amount
    first = get(api, "/dashboards/funding", cases_limit=2)
    assert first["cases_page"] == {
        "total": 5,
        "offset": 0,
        "shown": 2,
        "next": "/dashboards/funding?cases_limit=2&cases_offset=2",
    }
    got, page = list(first["cases"]), first["cases_page"]
    while page["next"]:
        body = get(api, page["next"])
        got += body["cases"]
        page = body["cases_page"]
    assert page == {"total": 5, "offset": 4, "shown": 1, "next": None}
    assert {c["case_id"]: c["by_kind"] for c in got} == want
    assert all(c["total_fen"] == sum(want[c["case_id"]].values()) for c in got)


def test_the_open_cases_pulling_a_place_down_are_counted_and_paged(api: Api) -> None:
    opened = []
    for _ in range(3):
        opened.append(h.report(api))
        api.clock.advance(minutes=1)
    api.clock.advance(days=30)  # all overdue: 办结率 0% in jianshe
    body = get(api, "/dashboards/rates")
    row = next(r for r in body["rows"] if r["key"] == "jianshe")
    assert [c["case_id"] for c in row["pulling_down"]] == opened  # oldest first
    assert row["pulling_down_page"] == {"total": 3, "offset": 0, "shown": 3, "next": None}
    page = get(api, "/dashboards/open-cases", by="street", key="jianshe", limit=2)
    assert [c["case_id"] for c in page["items"]] == opened[:2]
    assert page["total"] == 3 and page["next"]
    rest = get(api, page["next"])
    assert [c["case_id"] for c in rest["items"]] == opened[2:] and rest["next"] is None


def test_the_cases_that_left_a_grid_are_counted_and_paged(api: Api) -> None:
    left = [h.escalated_case(api) for _ in range(3)]
    api.clock.advance(seconds=1)
    grid = next(g for g in get(api, "/dashboards/grids")["grids"] if g["key"] == h.GRID)
    assert grid["cases_left_page"]["total"] == grid["left_grid"] == 3
    page = get(api, "/dashboards/cases-left", grid=h.GRID, limit=2)
    rest = get(api, page["next"])
    assert {c["case_id"] for c in page["items"] + rest["items"]} == set(left)
    assert (page["total"], rest["next"]) == (3, None)


def test_cases_left_needs_a_grid(api: Api) -> None:
    h.assert_problem(api.get("admin", "/dashboards/cases-left"), 422)


def test_a_reader_pages_only_through_their_own_scope(api: Api) -> None:
    """The links carry no scope: each page is cut from what the reader may see."""
    h.escalated_case(api)
    h.report(api, user="other_grid_lead", grid_id="jintai")
    api.clock.advance(days=30)
    lead = api.get("grid_lead", "/dashboards/open-cases", by="street", key="weicheng")
    assert lead.status_code == 200
    assert (lead.json()["items"], lead.json()["total"]) == ([], 0)
