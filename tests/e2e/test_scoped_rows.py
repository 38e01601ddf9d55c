"""Same row, same number: a row named for a place shows that whole place's figures to
everyone who sees it unlabelled; a reader who sees only part of it sees it labelled so."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e import helpers as h
from tests.e2e.test_console_pages import sign_in
from tests.support.api import USERS, Api


def jianshe_cases(api: Api) -> int:
    """Five cases in 建设街道: three in the grid lead's grid, two elsewhere; one summons
    the police station. Returns the log position to wait for."""
    for _ in range(3):
        h.report(api)
    case_id = h.report(api, user="admin", grid_id="binhewan")
    h.escalate(api, case_id)
    h.whistle(api, case_id, ["jianshe-police"])
    h.report(api, user="admin", grid_id="guangchang-jiayuan")
    return api.event_count()


def rows(api: Api, user: str, path: str, key: str, position: int, **params: Any) -> dict:
    answer = api.get(user, path, min_position=position, **params).json()
    return {row["key"]: row for row in answer[key]}


def test_the_admin_and_the_street_coordinator_see_the_same_unlabelled_row(api: Api) -> None:
    position = jianshe_cases(api)

    admin = rows(api, "admin", "/dashboards/rates", "rows", position)["jianshe"]
    coordinator = rows(api, "coordinator", "/dashboards/rates", "rows", position)["jianshe"]

    assert (admin["label"], admin["scope_part"]) == ("建设街道", False)
    assert coordinator == admin
    assert admin["counts"]["reported"] == 5


def test_a_grid_lead_sees_the_street_row_labelled_as_a_part(api: Api) -> None:
    position = jianshe_cases(api)

    row = rows(api, "grid_lead", "/dashboards/rates", "rows", position)["jianshe"]

    assert (row["name"], row["label"], row["scope_part"]) == ("建设街道", "建设街道 · 辖区内", True)
    assert row["counts"]["reported"] == 3
    own_grid = rows(api, "grid_lead", "/dashboards/rates", "rows", position, by="grid")
    assert own_grid["chengshi-huating"]["scope_part"] is False


def test_a_liaison_sees_cases_involving_its_unit_named_so(api: Api) -> None:
    position = jianshe_cases(api)

    answer = api.get("police", "/dashboards/rates", min_position=position).json()

    assert answer["view"] == {"label": "涉及本单位的案件（建设派出所）", "scope_part": True}
    assert [(r["label"], r["counts"]["reported"]) for r in answer["rows"]] == [
        ("建设街道 · 涉及本单位", 1)
    ]
    grids = api.get("police", "/dashboards/grids").json()
    assert [c["label"] for c in grids["communities"]] == ["亿利金威社区 · 涉及本单位"]
    own = api.get("police", "/dashboards/units").json()["units"]
    assert [(u["label"], u["scope_part"]) for u in own] == [("建设派出所", False)]


ANSWERS = [
    ("/dashboards/rates", "rows", {}),
    ("/dashboards/rates", "rows", {"by": "community"}),
    ("/dashboards/rates", "rows", {"by": "grid"}),
    ("/dashboards/rates", "rows", {"by": "category"}),
    ("/dashboards/grids", "grids", {}),
    ("/dashboards/grids", "communities", {}),
]


@pytest.mark.parametrize(("path", "key", "params"), ANSWERS)
def test_every_unlabelled_row_has_the_admins_figures(
    api: Api, path: str, key: str, params: dict
) -> None:
    position = jianshe_cases(api)
    admin = rows(api, "admin", path, key, position, **params)

    for user in USERS:
        seen = rows(api, user, path, key, position, **params)
        for row_key, row in seen.items():
            whole = {k: v for k, v in row.items() if k not in ("pulling_down", "cases_left")}
            if not row["scope_part"]:
                want = {k: v for k, v in admin[row_key].items() if k in whole}
                assert whole == want, (user, row_key)
            else:
                assert row["label"] != admin[row_key]["label"], (user, row_key)


def test_the_console_shows_the_part_label(api: Api) -> None:
    position = jianshe_cases(api)
    api.get("admin", "/cases", min_position=position)
    sign_in(api, "grid_lead")

    page = api.client.get("/ui/").text

    assert "建设街道 · 辖区内" in page and "统计范围：辖区内案件（城市华庭网格）" in page
