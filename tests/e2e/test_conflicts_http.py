"""409 when a domain rule refuses a write; 412 and If-Match for stale or malformed versions.

Each refused write is checked twice: the problem+json it answers, and that the event log
did not move.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.e2e import helpers as h
from tests.support.api import Api
from tests.support.backends import sqlite_only

# ----- 409 -------------------------------------------------------------------------------


def _rule(api: Api, user: str, path: str, body: dict[str, Any], code: str = "rule_violation"):  # type: ignore[no-untyped-def]
    before = api.event_count()
    return h.assert_refused(api, before, api.post(user, path, body), 409, code)


def test_domain_rules_are_409_and_write_nothing(api: Api) -> None:
    case_id = h.report(api)
    base = f"/cases/{case_id}"
    _rule(api, "coordinator", f"{base}/close", {})  # close before resolve
    _rule(
        api, "coordinator", f"{base}/evaluations", {"solved": "solved", "satisfaction": "satisfied"}
    )
    _rule(api, "coordinator", f"{base}/whistles", h.whistle_body(api))  # still in the grid
    _rule(api, "coordinator", f"{base}/reopen", {"reason": "x"})  # not evaluated unsatisfied
    h.escalate(api, case_id, "street")
    _rule(api, "coordinator", f"{base}/escalations", {"to_level": "community", "reason": "降级"})
    h.whistle(api, case_id)
    api.clock.advance(minutes=1)
    h.report_in(api, case_id, "W1", "police")
    _rule(api, "police", f"{base}/whistles/W1/report-ins", {})  # twice
    _rule(api, "admin", f"{base}/whistles/W1/report-ins", {"unit_id": "dongsheng-fire"})
    _rule(api, "coordinator", f"{base}/duplicate-of", {"original_case_id": case_id})
    h.resolve(api, case_id)
    _rule(api, "coordinator", f"{base}/resolution", {"summary": "again"})
    _rule(api, "coordinator", f"{base}/withdrawal", {"reason": "已解决后撤销"})
    h.evaluate(api, case_id, "satisfied", user="admin")  # not the resolver
    _rule(api, "coordinator", f"{base}/reopen", {"reason": "满意也重办"})
    h.close(api, case_id)
    body = _rule(api, "coordinator", f"{base}/notes", {"text": "办结后"}, "case_is_final")
    assert "closed" in body["detail"]


def test_a_duplicate_of_a_duplicate_is_refused(api: Api) -> None:
    first, second, third = h.report(api), h.report(api), h.report(api)
    marked = api.post("coordinator", f"/cases/{second}/duplicate-of", {"original_case_id": first})
    assert marked.status_code == 201
    body = {"original_case_id": second}
    _rule(api, "coordinator", f"/cases/{third}/duplicate-of", body)


# ----- 412 and If-Match ------------------------------------------------------------------


def test_stale_if_match_is_412_and_writes_nothing(api: Api) -> None:
    case_id = h.report(api)
    h.note(api, case_id)  # version 2
    before = api.event_count()
    path = f"/cases/{case_id}/notes"
    stale = api.post("coordinator", path, {"text": "x"}, **{"If-Match": '"1"'})
    h.assert_refused(api, before, stale, 412, "stale_version")
    ahead = api.post("coordinator", path, {"text": "x"}, **{"If-Match": '"3"'})
    h.assert_refused(api, before, ahead, 412, "stale_version")


@pytest.mark.parametrize("tag", ['"2"', "2", 'W/"2"', "*"])
def test_matching_if_match_writes(api: Api, tag: str) -> None:
    case_id = h.report(api)
    h.note(api, case_id)
    response = api.post(
        "coordinator", f"/cases/{case_id}/notes", {"text": "x"}, **{"If-Match": tag}
    )
    assert response.status_code == 201, response.text
    assert response.headers["etag"] == '"3"'


# A malformed If-Match is refused while the header is read, before any case is loaded:
# the backend cannot matter, so these run on SQLite only.
@pytest.mark.parametrize("tag", ['"abc"', '"-1"', '"1234567890"', '"1.0"', ""])
@sqlite_only
def test_malformed_if_match_is_422(api: Api, tag: str) -> None:
    case_id = h.report(api)
    before = api.event_count()
    response = api.post(
        "coordinator", f"/cases/{case_id}/notes", {"text": "x"}, **{"If-Match": tag}
    )
    h.assert_refused(api, before, response, 422)


def _raw_asgi_post(
    api: Api, path: str, body: bytes, headers: list[tuple[bytes, bytes]]
) -> tuple[int, str]:
    """POST through the ASGI app with header bytes exactly as a server would pass them
    (the test client re-encodes non-ASCII header values); returns status and content type."""
    app = api.client.app
    started: list[dict[str, Any]] = []
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "server": ("testserver", 80),
        "client": ("testclient", 50000),
        "headers": [
            (b"authorization", f"Bearer {api.tokens['admin']}".encode()),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            *headers,
        ],
    }

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            started.append(message)

    async def run() -> None:
        try:
            await app(scope, receive, send)
        except Exception:  # the server error middleware re-raises after answering 500
            if not started:
                started.append({"status": 500, "headers": []})

    asyncio.run(run())
    response_headers = {k.decode().lower(): v.decode() for k, v in started[0]["headers"]}
    return started[0]["status"], response_headers.get("content-type", "")


@pytest.mark.parametrize("tag", [b'"\xb2"', b"\xb9\xb2", b'W/"\xb3"'])
@sqlite_only  # read as the header is: see test_malformed_if_match_is_422
def test_if_match_with_a_non_ascii_digit_is_422(api: Api, tag: bytes) -> None:
    """Regression: '²' passes str.isdigit() but not int(); this was a 500."""
    case_id = h.report(api)
    before = api.event_count()
    status, content_type = _raw_asgi_post(
        api, f"/cases/{case_id}/notes", b'{"text":"x"}', [(b"if-match", tag)]
    )
    assert (status, content_type) == (422, h.PROBLEM_JSON)
    assert api.event_count() == before
