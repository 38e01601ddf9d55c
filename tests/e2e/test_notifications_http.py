"""Admins list and replay dead letters over HTTP; nobody else may (SQLite only: the routes
and their refusals do not depend on the store, which test_notify_outbox covers on both)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert

from application.notifications import Delivery
from projections.outbox import _row, outbox
from tests.support.api import Api
from tests.support.backends import sqlite_only

pytestmark = sqlite_only
DEAD_ID = "0f5b7a52-6f7e-5d7c-9a0e-3f1c2b4d5e6f"


def dead_letter(api: Api) -> None:
    at = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
    payload = {"text": "【吹哨召集】车辆占用消防通道：请建设派出所于 … 前报到。"}
    d = Delivery(DEAD_ID, "c", "whistle_blown:W1:u", "whistle_blown", "robot", payload, at)
    row = _row(d, 7) | {"status": "dead", "attempts": 8, "last_error": "HTTP 503", "dead_at": at}
    with api.container.engine.begin() as conn:
        conn.execute(insert(outbox).values(**row))


def test_an_admin_lists_dead_letters_and_replays_one(api: Api) -> None:
    dead_letter(api)
    listed = api.get("admin", "/admin/notifications")
    assert listed.status_code == 200
    body = listed.json()
    assert body["counts"] == {"dead": 1}
    (item,) = body["items"]
    assert (item["status_zh"], item["kind_zh"], item["last_error"]) == (
        "投递失败",
        "吹哨召集",
        "HTTP 503",
    )
    replayed = api.client.post(
        f"/admin/notifications/{DEAD_ID}/replay", headers=api.headers("admin")
    )
    assert replayed.status_code == 200
    assert (replayed.json()["status"], replayed.json()["replays"]) == ("pending", 1)
    again = api.client.post(f"/admin/notifications/{DEAD_ID}/replay", headers=api.headers("admin"))
    assert again.status_code == 409  # pending now: not a dead letter any more


def test_only_admins_see_or_replay_and_bad_ids_are_refused(api: Api) -> None:
    dead_letter(api)
    for user in ("coordinator", "auditor", "police"):
        assert api.get(user, "/admin/notifications").status_code == 403
        refused = api.client.post(
            f"/admin/notifications/{DEAD_ID}/replay", headers=api.headers(user)
        )
        assert refused.status_code == 403
    assert api.client.post(f"/admin/notifications/{DEAD_ID}/replay").status_code == 401
    unknown = "11111111-1111-5111-8111-111111111111"
    missing = api.client.post(
        f"/admin/notifications/{unknown}/replay", headers=api.headers("admin")
    )
    assert missing.status_code == 404 and missing.json()["detail_zh"]
    bad = api.client.post("/admin/notifications/..%2F..%2Fx/replay", headers=api.headers("admin"))
    assert bad.status_code in (404, 422)
    assert api.get("admin", "/admin/notifications", status="gone").status_code == 422
    assert api.container.notifier.store.get(DEAD_ID).status == "dead"  # nothing changed
