"""The live inbox (GET /inbox/stream) over a real server: a new whistle arrives on the
stream, a reconnect with Last-Event-ID gets exactly what it missed, other units never see
it, and the stream is authenticated, scoped and bounded."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import pytest

from infrastructure.settings import Settings
from interfaces.bootstrap import build_container
from interfaces.cli.users import add_user
from interfaces.http.app import create_app
from tests.e2e import helpers as h
from tests.support.api import USERS, Api
from tests.support.backends import sqlite_only
from tests.support.clock import FakeClock
from tests.support.live import Sse, messages, read_events, served_app, until_heartbeat

PER_USER, TOTAL = 2, 3


@pytest.fixture
def live(settings: Settings, clock: FakeClock) -> Iterator[Api]:
    """The app on a real server, its streams small and their heartbeat quick."""
    settings = settings.model_copy(
        update={
            "stream_heartbeat_seconds": 0.2,
            "stream_max_per_user": PER_USER,
            "stream_max_total": TOTAL,
        }
    )
    with build_container(settings, clock=clock) as container:
        tokens = {
            uid: add_user(container, uid, uid, role, scopes)
            for uid, (role, scopes) in USERS.items()
        }
        with (
            served_app(create_app(container)) as base,
            httpx.Client(base_url=base, timeout=20) as client,
        ):
            yield Api(client, container, clock, tokens)  # type: ignore[arg-type]


def stream(api: Api, user: str | None, **headers: str) -> Any:
    auth = api.headers(user) if user else {}
    return api.client.stream("GET", "/inbox/stream", headers={**auth, **headers})


def settled(api: Api) -> int:
    """The log's head, once the views hold it."""
    position = api.event_count()
    api.container.projector.wait(position, timeout=10)
    return position


def data(message: Sse) -> dict[str, Any]:
    return json.loads(message.data or "")  # type: ignore[no-any-return]


def test_a_new_whistle_arrives_and_a_reconnect_gets_only_what_it_missed(live: Api) -> None:
    first = h.escalated_case(live)
    with stream(live, "police") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        messages_ = messages(response)
        opening = next(messages_)
        assert opening.retry == "3000"  # the client is told how soon to come back
        blown = h.whistle(live, first)  # blown while the liaison is connected
        [message] = read_events(messages_, 1)
    assert message.event == "whistle"
    assert message.id == str(blown["position"])
    got = data(message)
    assert (got["case_id"], got["whistle_id"]) == (first, blown["whistle_id"])
    assert (got["title"], got["level"], got["level_label"]) == (
        h.case_body()["title"],
        "street",
        "街道",
    )

    # Disconnected: a second whistle for the unit, one for another unit only, a report-in.
    second = h.escalated_case(live)
    missed = h.whistle(live, second)
    h.whistle(live, h.escalated_case(live), units=["yljw-property"])
    reported = h.report_in(live, first, blown["whistle_id"], "police")
    settled(live)

    with stream(live, "police", **{"Last-Event-ID": message.id or ""}) as response:
        resumed = until_heartbeat(messages(response))
    assert [(m.event, m.id) for m in resumed] == [
        ("whistle", str(missed["position"])),
        ("changed", str(reported["position"])),
    ]
    assert data(resumed[0])["case_id"] == second
    assert data(resumed[1]) | {"at": None} == {
        "case_id": first,
        "whistle_id": blown["whistle_id"],
        "change": "reported_in",
        "label": "已报到",
        "at": None,
    }


@sqlite_only  # who sees what is decided by the log and the scope rules, not the store
def test_another_units_liaison_never_sees_the_whistle(live: Api) -> None:
    blown = h.whistle(live, h.escalated_case(live), units=["jianshe-police"])
    settled(live)
    # From the start of the log, even naming the summoned unit: nothing for the attacker.
    with live.client.stream(
        "GET",
        "/inbox/stream",
        params={"unit": "jianshe-police"},
        headers={**live.headers("other_liaison"), "Last-Event-ID": "0"},
    ) as response:
        assert response.status_code == 200
        assert until_heartbeat(messages(response)) == []
    with stream(live, "property", **{"Last-Event-ID": "0"}) as response:
        assert until_heartbeat(messages(response)) == []  # summoned on other whistles, not this one
    with stream(live, "police", **{"Last-Event-ID": "0"}) as response:  # the control
        [message] = until_heartbeat(messages(response))
    assert (message.event, message.id) == ("whistle", str(blown["position"]))
    with live.client.stream(  # an admin names the unit
        "GET",
        "/inbox/stream",
        params={"unit": "jianshe-police", "after": 0},
        headers=live.headers("admin"),
    ) as response:
        assert [m.id for m in until_heartbeat(messages(response))] == [str(blown["position"])]


@sqlite_only  # refused before any read of the store
def test_the_stream_needs_a_liaisons_credentials(live: Api) -> None:
    for headers in ({}, {"Authorization": "Bearer cs_not-a-token"}):
        response = live.client.get("/inbox/stream", headers=headers)
        h.assert_problem(response, 401, "unauthenticated")
    # A session cookie that is not a live session is no better than none.
    response = live.client.get("/inbox/stream", headers={"Cookie": "chuishao_session=forged"})
    h.assert_problem(response, 401, "unauthenticated")
    for user in ("coordinator", "grid_lead", "auditor"):
        h.assert_problem(live.get(user, "/inbox/stream"), 403, "forbidden")
    h.assert_problem(live.get("admin", "/inbox/stream"), 422)  # which unit?
    for bad in ("-1", "abc", "1e3"):
        response = live.client.get(
            "/inbox/stream", headers={**live.headers("police"), "Last-Event-ID": bad}
        )
        h.assert_problem(response, 422)
    beyond = str(live.event_count() + 1)
    response = live.client.get(
        "/inbox/stream", headers={**live.headers("police"), "Last-Event-ID": beyond}
    )
    h.assert_problem(response, 422)


@sqlite_only  # the caps are counted in the server's memory
def test_streams_are_capped_per_user_and_in_all(live: Api) -> None:
    with ExitStack() as open_streams:
        for _ in range(PER_USER):
            response = open_streams.enter_context(stream(live, "police"))
            assert response.status_code == 200
        h.assert_problem(live.get("police", "/inbox/stream"), 429, "too_many_streams")
        assert open_streams.enter_context(stream(live, "property")).status_code == 200
        body = h.assert_problem(live.get("other_liaison", "/inbox/stream"), 429)
        assert body["detail_zh"] == "服务器实时连接已满，请稍后重试"
    # Closed streams give their places back.
    with stream(live, "other_liaison") as response:
        assert response.status_code == 200


@sqlite_only  # the token check is the same on both stores
def test_a_revoked_token_ends_its_open_stream(live: Api) -> None:
    with stream(live, "police") as response:
        assert response.status_code == 200
        live.container.users.revoke("police")
        assert read_events(messages(response), 1) == []  # the stream ends at the next heartbeat
    h.assert_problem(live.get("police", "/inbox/stream"), 401)


@sqlite_only  # which summonses leave the inbox is read from the log and the view alike
def test_a_whistle_leaving_the_inbox_unanswered_is_a_change(live: Api) -> None:
    withdrawn, resolved = h.escalated_case(live), h.escalated_case(live)
    first = h.whistle(live, withdrawn, units=["jianshe-police"])
    blown = h.whistle(live, resolved, units=["jianshe-police"])
    start = settled(live)
    h.whistle(live, h.escalated_case(live), units=["yljw-property"])  # not police's
    live.post("coordinator", f"/cases/{withdrawn}/withdrawal", {"reason": "居民撤回"})
    h.resolve(live, resolved)  # police never reported in: 未报到
    settled(live)
    with stream(live, "police", **{"Last-Event-ID": str(start)}) as response:
        changes = [data(m) for m in until_heartbeat(messages(response))]
    assert [(c["case_id"], c["whistle_id"], c["change"]) for c in changes] == [
        (withdrawn, first["whistle_id"], "withdrawn"),
        (resolved, blown["whistle_id"], "unanswered"),
    ]


@sqlite_only  # the lifetime is counted by the server's clock, whatever the store
def test_a_stream_ends_after_its_lifetime_so_the_client_reconnects(live: Api) -> None:
    live.container.settings = live.container.settings.model_copy(
        update={"stream_lifetime_seconds": 0.5}
    )
    with stream(live, "police") as response:
        got = list(messages(response))  # ends by itself
    assert got[0].retry == "3000"
    with stream(live, "police") as response:  # and its place was given back
        assert response.status_code == 200
