"""The console's case page shows a 12345 order's steps in Chinese, placed or not."""

from __future__ import annotations

import re
from datetime import timedelta

from domain.times import BEIJING
from tests.support.api import Api
from tests.support.backends import sqlite_only
from tests.support.orders import add_order_users, order_body


def sign_in(api: Api, user: str) -> None:
    api.client.cookies.clear()
    page = api.client.get("/ui/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf is not None
    form = {"user": user, "token": api.tokens[user], "next": "/ui/", "csrf": csrf.group(1)}
    assert api.client.post("/ui/login", data=form, follow_redirects=False).status_code == 303


@sqlite_only  # rendering: the backend cannot change it
def test_the_case_page_shows_the_orders_steps(api: Api) -> None:
    add_order_users(api)
    body = order_body("UI-1", api.clock.now, grid_id=None)
    case_id = api.post("platform", "/work-orders", body).json()["case_id"]
    sign_in(api, "coordinator")
    unplaced = api.client.get(f"/ui/cases/{case_id}")
    assert unplaced.status_code == 200, unplaced.text[-1500:]
    assert "待定位网格" in unplaced.text
    assert "12345派单" in unplaced.text and "UI-1" in unplaced.text
    api.post("coordinator", f"/cases/{case_id}/order-acceptance", {"grid_id": "binhewan"})
    api.post("platform", "/work-orders/UI-1/supervisions", {"note": "请加快办理"})
    page = api.client.get(f"/ui/cases/{case_id}").text
    for text in ("签收", "自签收起算", "滨河湾网格", "督办", "请加快办理"):
        assert text in page, text


@sqlite_only  # reads over the views: the backend cannot change whether they answer
def test_an_unplaced_order_breaks_no_read(api: Api) -> None:
    add_order_users(api)
    api.post("platform", "/work-orders", order_body("UI-2", api.clock.now, grid_id=None))
    api.container.projector.catch_up()
    for user in ("coordinator", "admin", "auditor"):
        for path in (
            "/dashboards/rates?by=grid",
            "/dashboards/rates?by=community",
            "/dashboards/grids",
            "/dashboards/open-cases?by=street&key=jianshe",
            "/queue",
            "/ledger",
            "/cases",
        ):
            answer = api.client.get(path, headers=api.headers(user))
            assert answer.status_code == 200, (user, path, answer.text[:300])
    sign_in(api, "coordinator")
    for page in ("/ui/", "/ui/ledger", "/ui/queue"):
        assert api.client.get(page).status_code == 200, page


@sqlite_only  # a query over the views: the backend cannot change the task it names
def test_an_order_awaiting_acceptance_is_in_the_coordinators_queue(api: Api) -> None:
    add_order_users(api)
    case_id = api.post("platform", "/work-orders", order_body("Q-1", api.clock.now)).json()[
        "case_id"
    ]
    api.container.projector.catch_up()
    items = api.get("coordinator", "/queue").json()["items"]
    assert [(i["task"], i["task_label"]) for i in items if i["case_id"] == case_id] == [
        ("accept", "待签收")
    ]


@sqlite_only  # rendering: the backend cannot change it
def test_the_case_page_offers_no_form_the_order_would_refuse(api: Api) -> None:
    add_order_users(api)
    case_id = api.post("platform", "/work-orders", order_body("UI-3", api.clock.now)).json()[
        "case_id"
    ]
    sign_in(api, "coordinator")
    waiting = api.client.get(f"/ui/cases/{case_id}").text
    for form in ("进展", "办结", "撤销"):
        assert f">{form}<" not in waiting, form
    api.post("coordinator", f"/cases/{case_id}/order-acceptance", {})
    accepted = api.client.get(f"/ui/cases/{case_id}").text
    assert ">进展<" in accepted and ">撤销<" not in accepted


def form_hidden(api: Api, case_id: str, name: str) -> dict[str, str]:
    page = api.client.get(f"/ui/cases/{case_id}").text
    found = re.search(rf'<form[^>]*id="form-{name}".*?</form>', page, re.S)
    assert found is not None, f"no form {name}"
    return dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', found.group(0)))


def submit(api: Api, case_id: str, name: str, fields: dict[str, str]) -> int:
    hidden = form_hidden(api, case_id, name)
    answer = api.client.post(
        f"/ui/cases/{case_id}/do/{name}", data={**hidden, **fields}, follow_redirects=False
    )
    return answer.status_code


@sqlite_only  # the console's forms call the same service: the backend cannot change them
def test_coordinators_work_an_order_from_the_console(api: Api) -> None:
    add_order_users(api)
    body = order_body("UI-4", api.clock.now, grid_id=None)
    case_id = api.post("platform", "/work-orders", body).json()["case_id"]
    sign_in(api, "coordinator")
    assert submit(api, case_id, "accept_order", {}) == 422  # no grid named: said beside it
    assert submit(api, case_id, "accept_order", {"grid_id": "binhewan"}) == 303
    sign_in(api, "community_coordinator")
    new_due = (api.clock.now + timedelta(days=4)).astimezone(BEIJING).strftime("%Y-%m-%dT%H:%M")
    fields = {"new_due": new_due, "reason": "等待供热公司备料"}
    assert submit(api, case_id, "request_extension", fields) == 303
    assert ">延期审批<" not in api.client.get(f"/ui/cases/{case_id}").text  # not its own level
    sign_in(api, "coordinator")
    assert submit(api, case_id, "decide_extension", {"approved": "true"}) == 303
    state = api.get("platform", "/work-orders/UI-4").json()
    assert state["extensions"][0]["approved"] is True
    assert state["original_resolution_due"] not in (None, state["resolution_due"])
    assert submit(api, case_id, "resolve", {"summary": "已更换管道"}) == 303
    assert submit(api, case_id, "send_feedback", {}) == 303
    assert api.get("platform", "/work-orders/UI-4").json()["feedback_rounds"] == [1]
