"""No endpoint leaks another scope's cases: not through filters, dashboards or exports."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.e2e import helpers as h
from tests.support.api import Api

THEIRS = "别的社区的案件"


def _setup(api: Api) -> None:
    h.report(api, title="本网格的案件")
    h.report(api, user="other_grid_lead", grid_id="jintai", title=THEIRS)
    api.get("admin", "/cases", min_position=api.event_count())


def test_filters_cannot_reach_into_another_scope(api: Api) -> None:
    _setup(api)
    for params in ({"grid": "jintai"}, {"community": "yuehe"}, {"street": "xiguan"}):
        assert api.get("grid_lead", "/cases", **params).json()["total"] == 0
        assert api.get("coordinator", "/ledger", **params).json()["total"] == 0


def test_dashboards_count_only_the_readers_scope(api: Api) -> None:
    _setup(api)
    for user, expected in (("grid_lead", 1), ("other_coordinator", 1), ("admin", 2), ("police", 0)):
        rates = api.get(user, "/dashboards/rates").json()
        assert rates["total"]["counts"]["reported"] == expected, user
    keys = {r["key"] for r in api.get("grid_lead", "/dashboards/grids").json()["grids"]}
    assert keys == {"chengshi-huating"}
    assert "yuehe" not in str(
        api.get("coordinator", "/dashboards/rankings", level="community").json()
    )


def test_exports_hold_only_the_readers_scope(api: Api) -> None:
    _setup(api)
    csv = api.client.get("/ledger.csv", headers=api.headers("grid_lead")).text
    assert "本网格的案件" in csv and THEIRS not in csv
    xlsx = api.client.get("/ledger.xlsx", headers=api.headers("other_coordinator"))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    titles = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert titles == [THEIRS]
