"""12345 work orders over HTTP: the platform's pushes (idempotent on the order id, racing
repeats included), the street's steps, the level above's 延期 decision, and the attacks:
who may push, what the platform may read and do, conflicting repeats, bad input."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from application.work_orders import case_id_of_order
from tests.support.api import Api
from tests.support.backends import sqlite_only
from tests.support.orders import PLATFORM as PLATFORM_ACTOR
from tests.support.orders import add_order_users, intake, order_body


@pytest.fixture
def orders(api: Api) -> Api:
    add_order_users(api)
    return api


def push(api: Api, order: str, **overrides: object):  # type: ignore[no-untyped-def]
    return api.post("platform", "/work-orders", order_body(order, api.clock.now, **overrides))


def test_an_order_from_dispatch_to_the_platforms_callback(orders: Api) -> None:
    api = orders
    first = push(api, "BJ-0001")
    assert first.status_code == 201, first.text
    case_id = first.json()["case_id"]
    assert case_id == str(case_id_of_order("BJ-0001"))
    again = push(api, "BJ-0001")
    assert (again.status_code, again.json()["case_id"], again.json()["created"]) == (
        200,
        case_id,
        False,
    )
    api.clock.advance(minutes=10)
    assert api.post("coordinator", f"/cases/{case_id}/order-acceptance", {}).status_code == 201
    api.clock.advance(hours=3)
    assert (
        api.post(
            "community_coordinator", f"/cases/{case_id}/notes", {"text": "已入户查看"}
        ).status_code
        == 201
    )
    resolved = api.post(
        "coordinator", f"/cases/{case_id}/resolution", {"summary": "已排气，室温22度"}
    )
    assert resolved.status_code == 201, resolved.text
    early = api.post(
        "platform",
        "/work-orders/BJ-0001/callbacks",
        {"solved": "solved", "satisfaction": "satisfied"},
    )
    assert early.status_code == 409  # the callback follows the street's 反馈
    assert api.post("coordinator", f"/cases/{case_id}/feedback", {}).status_code == 201
    called = api.post(
        "platform",
        "/work-orders/BJ-0001/callbacks",
        {"solved": "solved", "satisfaction": "satisfied"},
    )
    assert called.status_code == 201, called.text
    state = api.get("platform", "/work-orders/BJ-0001").json()
    assert state["status"] == "evaluated" and state["feedback_rounds"] == [1]
    assert state["resolution"] == "已排气，室温22度" and state["accepted_at"] is not None
    labels = [e["label"] for e in api.get("coordinator", f"/cases/{case_id}/events").json()]
    assert labels[:2] == ["12345派单", "签收"] and "反馈" in labels


def test_racing_repeats_create_one_case(orders: Api) -> None:
    service, now = orders.container.service, orders.clock.now
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(
            pool.map(
                lambda _: service.receive_work_order(intake("RACE-1", now), actor=PLATFORM_ACTOR),
                range(6),
            )
        )
    assert len({r.result.case_id for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert len(list(service.events.get(results[0].result.case_id))) == 1


@sqlite_only  # access rules over a loaded case: the store cannot change them
@pytest.mark.parametrize("user", ["grid_lead", "police", "coordinator", "admin", "auditor"])
def test_only_the_platform_pushes_orders(orders: Api, user: str) -> None:
    before = orders.event_count()
    answer = orders.post(user, "/work-orders", order_body("X-1", orders.clock.now))
    assert answer.status_code == 403
    assert answer.headers["content-type"] == "application/problem+json"
    assert orders.event_count() == before


@sqlite_only
def test_the_platform_reads_and_does_nothing_else(orders: Api) -> None:
    api = orders
    own = push(api, "P-1").json()["case_id"]
    other = api.post(
        "grid_lead",
        "/cases",
        {"grid_id": "chengshi-huating", "category_id": "fire-lane", "title": "消防通道被占"},
    ).json()["case_id"]
    before = api.event_count()
    assert api.get("platform", "/cases").status_code == 403
    assert api.get("platform", f"/cases/{other}").status_code == 404  # as if it did not exist
    assert api.get("platform", f"/cases/{own}").status_code == 403
    assert api.get("platform", "/dashboards/rates").status_code == 403
    for outsider in ("other_coordinator", "police", "grid_lead"):  # the order is not theirs
        assert api.get(outsider, "/work-orders/P-1").status_code == 404, outsider
    assert api.get("platform", "/work-orders/NO-SUCH").status_code == 404
    for path, body in [
        (f"/cases/{own}/order-acceptance", {}),
        (f"/cases/{own}/notes", {"text": "平台代办"}),
        (f"/cases/{own}/order-returns", {"reason": "wrong_place"}),
        (f"/cases/{other}/notes", {"text": "x"}),
    ]:
        assert api.post("platform", path, body).status_code in (403, 404), path
    # the platform's acts are its own: no admin or coordinator records them in its name
    for user in ("admin", "coordinator"):
        assert api.post(user, "/work-orders/P-1/supervisions", {"note": "督办"}).status_code == 403
    assert api.event_count() == before
    assert (
        api.post("platform", "/work-orders/P-1/supervisions", {"note": "请尽快签收"}).status_code
        == 201
    )


@sqlite_only
@pytest.mark.parametrize(
    "change",
    [
        {"content": "5号楼暖气漏水"},
        {"grid_id": "chengshi-huating"},
        {"time_limit": {"hours": 48}},
        {"resident_phone": "13900000000"},
        {"dispatched_at_shift": 1},
    ],
)
def test_a_repeat_with_different_content_is_a_conflict(orders: Api, change: dict) -> None:
    api = orders
    case_id = push(api, "C-1").json()["case_id"]
    before = api.event_count()
    if change.pop("dispatched_at_shift", None):
        change = {"dispatched_at": (api.clock.now - timedelta(minutes=9)).isoformat()}
    answer = push(api, "C-1", **change)
    assert answer.status_code == 409, answer.text
    assert answer.json()["code"] == "work_order_conflict"
    assert api.event_count() == before
    assert (
        api.get("coordinator", f"/cases/{case_id}").json()["description"]
        == "5号楼暖气不热，室温不足16度"
    )


@sqlite_only
@pytest.mark.parametrize(
    "change",
    [
        {"dispatched_at": "2024-03-01T08:55:00"},  # no zone
        {"category_id": "no-such"},
        {"street_id": "no-such"},
        {"grid_id": "jintai"},  # a grid of another street
        {"time_limit": {"hours": 24, "working_days": 3}},
        {"order_id": "带中文的编号"},
        {"content": ""},
        {"resident_phone": "12"},
        {"surprise": 1},
    ],
)
def test_bad_orders_are_422_with_nothing_written(orders: Api, change: dict) -> None:
    before = orders.event_count()
    answer = push(orders, "B-1", **change)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert orders.event_count() == before


@sqlite_only
def test_returns_accepted_and_overruled(orders: Api) -> None:
    api = orders
    gone, back = (push(api, o).json()["case_id"] for o in ("R-1", "R-2"))
    for case_id in (gone, back):
        r = api.post("coordinator", f"/cases/{case_id}/order-returns", {"reason": "wrong_place"})
        assert r.status_code == 201, r.text
    assert api.post("coordinator", f"/cases/{gone}/order-acceptance", {}).status_code == 409
    assert (
        api.post("platform", "/work-orders/R-1/return-decisions", {"accepted": True}).status_code
        == 201
    )
    assert (
        api.post("platform", "/work-orders/R-2/return-decisions", {"accepted": False}).status_code
        == 201
    )
    assert api.get("platform", "/work-orders/R-1").json()["status"] == "returned"
    assert api.post("coordinator", f"/cases/{gone}/order-acceptance", {}).status_code == 409
    assert (
        api.post(
            "coordinator", f"/cases/{back}/order-returns", {"reason": "wrong_function"}
        ).status_code
        == 409
    )
    assert api.post("coordinator", f"/cases/{back}/order-acceptance", {}).status_code == 201


@sqlite_only
def test_extensions_are_decided_by_the_level_above(orders: Api) -> None:
    api = orders
    case_id = push(api, "E-1").json()["case_id"]
    api.post("community_coordinator", f"/cases/{case_id}/order-acceptance", {})
    new_due = (api.clock.now + timedelta(days=5)).isoformat()
    asked = api.post(
        "community_coordinator",
        f"/cases/{case_id}/extensions",
        {"reason": "待备料", "new_due": new_due},
    )
    assert asked.status_code == 201, asked.text
    for user, status in [("community_coordinator", 409), ("grid_lead", 404), ("platform", 403)]:
        decided = api.post(user, f"/cases/{case_id}/extension-decisions", {"approved": True})
        assert decided.status_code == status, (user, decided.text)
    approved = api.post("coordinator", f"/cases/{case_id}/extension-decisions", {"approved": True})
    assert approved.status_code == 201, approved.text
    state = api.get("platform", "/work-orders/E-1").json()
    assert state["original_resolution_due"] is not None
    assert state["extensions"][0]["approved"] is True
    # a street's own request goes to the district (an admin), not to a second street coordinator
    asked = api.post(
        "coordinator",
        f"/cases/{case_id}/extensions",
        {"reason": "再等一周", "new_due": (api.clock.now + timedelta(days=12)).isoformat()},
    )
    assert asked.status_code == 201, asked.text
    peer = api.post(
        "second_street_coordinator", f"/cases/{case_id}/extension-decisions", {"approved": True}
    )
    assert peer.status_code == 409
    refused = api.post("admin", f"/cases/{case_id}/extension-decisions", {"approved": False})
    assert refused.status_code == 201, refused.text
    assert (
        api.get("platform", "/work-orders/E-1").json()["resolution_due"] == state["resolution_due"]
    )


@sqlite_only
def test_an_order_without_a_grid_waits_for_the_street_to_place_it(orders: Api) -> None:
    api = orders
    case_id = push(api, "U-1", grid_id=None).json()["case_id"]
    assert api.get("community_coordinator", f"/cases/{case_id}").status_code == 404
    assert api.get("coordinator", f"/cases/{case_id}").json()["level"] == "street"
    path = f"/cases/{case_id}/order-acceptance"
    assert api.post("coordinator", path, {}).status_code == 422
    assert api.post("coordinator", path, {"grid_id": "jintai"}).status_code == 422
    assert api.post("coordinator", path, {"grid_id": "binhewan"}).status_code == 201
    placed = api.get("coordinator", f"/cases/{case_id}").json()
    assert (placed["grid_id"], placed["level"]) == ("binhewan", "grid")
    assert api.get("community_coordinator", f"/cases/{case_id}").status_code == 200
