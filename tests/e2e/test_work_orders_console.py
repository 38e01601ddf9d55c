"""The console's case page shows a 12345 order's steps in Chinese, placed or not."""

from __future__ import annotations

import re

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
