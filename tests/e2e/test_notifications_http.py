"""Admins list and replay dead letters over HTTP; nobody else may (SQLite only: the routes
and their refusals do not depend on the store, which test_notify_outbox covers on both)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from infrastructure.settings import Settings
from tests.support.api import Api
from tests.support.backends import sqlite_only
from tests.support.clock import FakeClock
from tests.support.webhooks import SECRET, SECRET_ENV, Receiver, dead_letter, refusing_api, running

pytestmark = sqlite_only


@pytest.fixture
def api(
    settings: Settings, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Api]:
    """The app whose receiver answers 503 to everything: a whistle's delivery is dead."""
    monkeypatch.setenv(SECRET_ENV, SECRET)
    with running(Receiver()) as receiver:
        receiver.failures = 1_000
        with refusing_api(settings, clock, tmp_path, receiver) as api:
            yield api


def test_an_admin_lists_dead_letters_and_replays_one(api: Api) -> None:
    dead = dead_letter(api.container).delivery_id
    listed = api.get("admin", "/admin/notifications")
    assert listed.status_code == 200
    body = listed.json()
    assert body["counts"] == {"dead": 1}
    (item,) = body["items"]
    assert (item["status_zh"], item["kind_zh"], item["last_error"]) == (
        "死信",
        "吹哨召集",
        "HTTP 503",
    )
    replayed = api.client.post(f"/admin/notifications/{dead}/replay", headers=api.headers("admin"))
    assert replayed.status_code == 200
    assert (replayed.json()["status"], replayed.json()["replays"]) == ("pending", 1)
    again = api.client.post(f"/admin/notifications/{dead}/replay", headers=api.headers("admin"))
    assert again.status_code == 409  # pending now: not a dead letter any more


def test_only_admins_see_or_replay_and_bad_ids_are_refused(api: Api) -> None:
    dead = dead_letter(api.container).delivery_id
    for user in ("coordinator", "auditor", "police"):
        assert api.get(user, "/admin/notifications").status_code == 403
        refused = api.client.post(f"/admin/notifications/{dead}/replay", headers=api.headers(user))
        assert refused.status_code == 403
    assert api.client.post(f"/admin/notifications/{dead}/replay").status_code == 401
    unknown = "11111111-1111-5111-8111-111111111111"
    missing = api.client.post(
        f"/admin/notifications/{unknown}/replay", headers=api.headers("admin")
    )
    assert missing.status_code == 404 and missing.json()["detail_zh"]
    bad = api.client.post("/admin/notifications/..%2F..%2Fx/replay", headers=api.headers("admin"))
    assert bad.status_code in (404, 422)
    assert api.get("admin", "/admin/notifications", status="gone").status_code == 422
    assert api.container.notifier.store.get(dead).status == "dead"  # nothing changed
