"""Keyword search over case titles and descriptions: ``GET /cases?q=`` (both backends)."""

from __future__ import annotations

from typing import Any

from projections.rebuild import rebuild
from tests.e2e.helpers import assert_problem, report
from tests.support.api import Api


def found(api: Api, user: str, q: str, **params: Any) -> set[str]:
    response = api.get(user, "/cases", q=q, min_position=api.event_count(), **params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == len(body["items"])
    return {item["case_id"] for item in body["items"]}


def test_two_character_chinese_query_finds_title_and_description(api: Api) -> None:
    in_title = report(api, title="供暖季暖气不热", description="")
    in_description = report(api, title="室温不达标", description="三楼住户暖气片冰凉")
    report(api, title="消防通道被占用", description="车辆长期停放")
    assert found(api, "grid_lead", "暖气") == {in_title, in_description}


def test_longer_query_matches_as_a_substring(api: Api) -> None:
    hit = report(api, title="月河社区供水管网锈蚀", description="自来水发黄已两周")
    report(api, title="供水压力不足", description="高层住户无水")
    assert found(api, "grid_lead", "管网锈蚀") == {hit}
    assert found(api, "grid_lead", "自来水发黄") == {hit}
    assert found(api, "grid_lead", "锈蚀发黄") == set()  # words must be adjacent


def test_latin_letters_match_regardless_of_case(api: Api) -> None:
    hit = report(api, title="小区WiFi信号塔辐射担忧")
    assert found(api, "grid_lead", "wifi") == {hit}


def test_search_stays_within_the_callers_scope(api: Api) -> None:
    mine = report(api, title="楼道堆放杂物")
    theirs = report(api, user="other_grid_lead", grid_id="jintai", title="楼道堆放杂物")
    assert found(api, "grid_lead", "堆放杂物") == {mine}
    assert found(api, "other_grid_lead", "堆放杂物") == {theirs}
    assert found(api, "admin", "堆放杂物") == {mine, theirs}


def test_wildcards_in_the_query_match_literally(api: Api) -> None:
    percent = report(api, title="物业费上涨30%引发不满")
    underscore = report(api, title="编号A_1的路灯不亮")
    report(api, title="编号AB1的路灯不亮")
    report(api, title="普通的案件")
    assert found(api, "grid_lead", "%") == {percent}
    assert found(api, "grid_lead", "30%") == {percent}
    assert found(api, "grid_lead", "A_1") == {underscore}
    assert found(api, "grid_lead", "_") == {underscore}
    assert found(api, "grid_lead", "\\") == set()


def test_search_combines_with_the_other_filters(api: Api) -> None:
    report(api, title="暖气不热", category_id="fire-lane")
    assert found(api, "grid_lead", "暖气", status="closed") == set()


def test_query_longer_than_100_characters_is_refused(api: Api) -> None:
    response = api.get("grid_lead", "/cases", q="暖" * 101)
    body = assert_problem(response, 422)
    assert "q" in str(body)
    assert found(api, "grid_lead", "暖" * 100) == set()


def test_empty_query_is_refused(api: Api) -> None:
    assert_problem(api.get("grid_lead", "/cases", q=""), 422)


def test_resident_contact_is_not_searchable(api: Api) -> None:
    """The resident's name lives in the erasable contact, never in the searchable text."""
    case = report(api, title="噪音扰民", resident_name="王秀英")
    assert found(api, "grid_lead", "王秀英") == set()
    erased = api.client.post(
        f"/cases/{case}/resident/erasure",
        json={"reason": "居民本人申请删除"},
        headers=api.headers("admin"),
    )
    assert erased.status_code == 200, erased.text
    assert found(api, "admin", "王秀英") == set()
    assert found(api, "admin", "噪音") == {case}


def test_ledger_json_is_searched_too(api: Api) -> None:
    hit = report(api, title="路灯损坏")
    report(api, title="井盖缺失")
    response = api.get("grid_lead", "/ledger", q="路灯", min_position=api.event_count())
    assert response.status_code == 200, response.text
    assert [item["case_id"] for item in response.json()["items"]] == [hit]


def test_search_survives_a_rebuild(api: Api) -> None:
    """The rebuild swaps fresh tables in; search (SQLite: its FTS5 index) follows them."""
    before = report(api, title="小区供水管网锈蚀", description="自来水发黄")
    found(api, "admin", "锈蚀")  # the view has caught up
    rebuild(api.container.projector)
    after = report(api, title="新发现管网漏水")
    assert found(api, "grid_lead", "供水管网") == {before}
    assert found(api, "grid_lead", "管网") == {before, after}
    assert found(api, "grid_lead", "管网漏水") == {after}
    assert found(api, "grid_lead", "自来水发黄") == {before}
