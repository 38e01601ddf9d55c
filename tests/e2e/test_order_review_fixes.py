"""Review of issue 16, the street's side of an order: 签收 of an unplaced order asks for a
grid rather than taking the list's first one, and an order is not closed (归档) before the
platform has been told (反馈) — closed unreported, the platform would never hear of it."""

from __future__ import annotations

import re

from tests.support.api import Api
from tests.support.backends import sqlite_only
from tests.support.console import sign_in
from tests.support.orders import add_order_users, order_body


def _forms(page: str) -> list[str]:
    return re.findall(r'id="form-([a-z_]+)"', page)


@sqlite_only  # rendering and a command rule: the backend cannot change them
def test_accepting_an_unplaced_order_asks_for_a_grid(api: Api) -> None:
    add_order_users(api)
    body = order_body("REV-1", api.clock.now, grid_id=None)
    case_id = api.post("platform", "/work-orders", body).json()["case_id"]
    sign_in(api, "coordinator")
    page = api.client.get(f"/ui/cases/{case_id}").text
    form = re.search(r'<form[^>]*id="form-accept_order".*?</form>', page, flags=re.S)
    assert form is not None
    options = re.findall(r'<option value="([^"]*)"\s*(selected)?', form.group(0))
    assert options[0] == ("", "")  # nothing is chosen for the official
    assert not any(selected for _, selected in options)
    refused = api.post("coordinator", f"/cases/{case_id}/order-acceptance", {})
    assert refused.status_code == 422
    assert refused.json()["detail_zh"] == "工单未定位到网格：签收时请选择网格"


@sqlite_only
def test_an_order_is_closed_only_after_its_feedback(api: Api) -> None:
    add_order_users(api)
    case_id = api.post("platform", "/work-orders", order_body("REV-2", api.clock.now)).json()[
        "case_id"
    ]
    assert api.post("coordinator", f"/cases/{case_id}/order-acceptance", {}).status_code == 201
    resolved = api.post("coordinator", f"/cases/{case_id}/resolution", {"summary": "已修复"})
    assert resolved.status_code == 201, resolved.text
    sign_in(api, "coordinator")
    assert "close" not in _forms(api.client.get(f"/ui/cases/{case_id}").text)
    early = api.post("coordinator", f"/cases/{case_id}/close", {})
    assert early.status_code == 409
    assert early.json()["detail_zh"] == "工单须先反馈平台，才能归档"
    assert api.get("coordinator", f"/cases/{case_id}").json()["version"] == 3  # nothing written
    assert api.post("coordinator", f"/cases/{case_id}/feedback", {}).status_code == 201
    assert "close" in _forms(api.client.get(f"/ui/cases/{case_id}").text)
    assert api.post("coordinator", f"/cases/{case_id}/close", {}).status_code == 201
