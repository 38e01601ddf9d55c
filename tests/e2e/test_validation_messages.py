"""A 422 names the field and the problem in Chinese too, in each error and in detail_zh,
and echoes nothing of what was sent."""

from __future__ import annotations

from typing import Any

import pytest

from interfaces.http.validation_messages import field_label, message_zh
from tests.e2e import helpers as h
from tests.support.api import Api
from tests.support.backends import sqlite_module

# SQLite only: a 422 is decided before anything reaches the store.
pytestmark = sqlite_module


def refused(api: Api, response: Any) -> dict[str, Any]:
    body = h.assert_problem(response, 422, "invalid_request")
    assert body["title"] == "the request is invalid"
    return body


def only_error(body: dict[str, Any]) -> dict[str, Any]:
    assert len(body["errors"]) == 1, body["errors"]
    error: dict[str, Any] = body["errors"][0]
    assert error["msg_zh"] in body["detail_zh"]
    return error


@pytest.mark.parametrize(
    ("change", "field", "zh"),
    [
        ({"title": "长" * 201}, "标题", "标题不能超过200个字符"),
        ({"title": ""}, "标题", "标题不能为空"),
        ({"grid_id": "城市 华庭"}, "网格编号", "网格编号格式不正确"),
        ({"channel": "fax"}, "来源渠道", "来源渠道取值无效，可选："),
        ({"nickname": "x"}, "“nickname”", "不接受字段“nickname”"),
    ],
)
def test_a_bad_case_field_is_named_in_chinese(
    api: Api, change: dict[str, Any], field: str, zh: str
) -> None:
    body = refused(api, api.post("grid_lead", "/cases", h.case_body(**change)))
    error = only_error(body)
    assert error["field"] == field
    assert error["msg_zh"].startswith(zh)
    assert body["detail_zh"].startswith("请求参数不合法：" + zh)


def test_a_missing_field_is_named(api: Api) -> None:
    body = refused(api, api.post("grid_lead", "/cases", {"grid_id": "chengshi-huating"}))
    messages = [e["msg_zh"] for e in body["errors"]]
    assert messages == ["缺少必填项：问题类别编号", "缺少必填项：标题"]
    assert body["detail_zh"] == "请求参数不合法：缺少必填项：问题类别编号；缺少必填项：标题"
    assert "category_id" in body["detail"] and "title" in body["detail"]


def test_an_amount_that_is_not_a_whole_number_says_so(api: Api) -> None:
    case_id = h.report(api)
    pledge = {"party_kind": "government", "party_name": "建设街道", "amount_fen": "一百"}
    error = only_error(refused(api, api.post("coordinator", f"/cases/{case_id}/pledges", pledge)))
    assert error["msg_zh"] == "认领金额（分）应为整数"


def test_an_item_of_a_list_is_named_by_its_position(api: Api) -> None:
    case_id = h.escalated_case(api)
    body = h.whistle_body(api, units=["jianshe-police", "bad unit"])
    error = only_error(refused(api, api.post("coordinator", f"/cases/{case_id}/whistles", body)))
    assert error["field"] == "被召集单位第2项"


def test_a_body_that_is_not_json_says_so(api: Api) -> None:
    r = api.client.post(
        "/cases",
        content=b"{not json",
        headers=api.headers("grid_lead", **{"Content-Type": "application/json"}),
    )
    assert only_error(refused(api, r))["msg_zh"] == "请求体不是合法的 JSON"


def test_a_bad_query_parameter_is_named(api: Api) -> None:
    body = refused(api, api.get("admin", "/ledger", limit="many"))
    assert only_error(body)["msg_zh"] == "每页条数应为整数"
    body = refused(api, api.get("admin", "/ledger", limit=5000))
    assert only_error(body)["msg_zh"] == "每页条数不能大于1000"


def test_what_was_sent_is_not_echoed(api: Api) -> None:
    phone = "13800000000" * 3
    r = api.post("grid_lead", "/cases", h.case_body(resident_phone=phone))
    body = refused(api, r)
    assert only_error(body)["msg_zh"] == "居民电话不能超过20个字符"
    assert phone not in r.text


def test_many_problems_are_summed_up_in_one_line(api: Api) -> None:
    bad = {f"extra{i}": i for i in range(8)}
    body = refused(api, api.post("grid_lead", "/cases", h.case_body(**bad)))
    assert len(body["errors"]) == 8
    assert body["detail_zh"].endswith("另有3处")


@pytest.mark.parametrize(
    ("error", "zh"),
    [
        ({"type": "int_parsing", "loc": ("query", "offset")}, "起始位置应为整数"),
        (
            {"type": "greater_than", "loc": ("body", "amount_fen"), "ctx": {"gt": 0}},
            "认领金额（分）应大于0",
        ),
        (
            {"type": "timezone_aware", "loc": ("body", "report_in_deadline")},
            "报到时限须注明时区，如 +08:00",
        ),
        ({"type": "uuid_parsing", "loc": ("path", "case_id")}, "案件编号应为 UUID 格式的编号"),
        ({"type": "value_error", "loc": ("body", "score")}, "评分取值不合法"),
        ({"type": "model_attributes_type", "loc": ("body",)}, "请求体应为 JSON 对象"),
        ({"type": "something_new", "loc": ("body", "title")}, "标题不合法"),
    ],
)
def test_error_types_translate(error: dict[str, Any], zh: str) -> None:
    assert message_zh(error) == zh


def test_a_field_without_a_label_is_shown_by_its_name() -> None:
    assert field_label(("body", "nickname")) == "“nickname”"
    assert field_label(("query",)) == "查询参数"
