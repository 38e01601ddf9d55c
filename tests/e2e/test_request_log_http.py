"""Request ids (X-Request-ID) and the one JSON log line per request, hostile ids included.

The answers do not depend on the store: SQLite only.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest

from interfaces.http.observability import Observability
from interfaces.logs import ACCESS_LOGGER, JsonFormatter
from tests.e2e import helpers as h
from tests.support.api import Api
from tests.support.backends import sqlite_module

pytestmark = sqlite_module


def entries(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    formatter = JsonFormatter()
    out = []
    for record in caplog.records:
        if record.name == ACCESS_LOGGER:
            line = formatter.format(record)
            assert "\n" not in line and "\r" not in line
            out.append(json.loads(line))
    return out


def test_a_plain_request_id_is_kept_and_echoed(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)
    case_id = h.report(api)
    response = api.client.get(
        f"/cases/{case_id}",
        headers=api.headers("grid_lead") | {"X-Request-ID": "req-2026.11:abc_1"},
    )
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "req-2026.11:abc_1"
    [line] = [e for e in entries(caplog) if e["request_id"] == "req-2026.11:abc_1"]
    assert line["method"] == "GET" and line["route"] == "/cases/{case_id}"
    assert (line["status"], line["user_id"], line["level"]) == (200, "grid_lead", "info")
    assert line["duration_ms"] >= 0 and line["time"].endswith("+00:00")
    assert api.tokens["grid_lead"] not in json.dumps(entries(caplog))


def test_without_an_id_one_is_made(api: Api) -> None:
    first = api.client.get("/healthz").headers["x-request-id"]
    second = api.client.get("/healthz").headers["x-request-id"]
    assert first != second and len(first) == 32 and int(first, 16) >= 0


def test_a_10_kb_or_odd_request_id_is_replaced(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)
    for hostile in ("a" * 10_240, 'x" "level":"error', "id with spaces", "{}", "ü"):
        sent = {"X-Request-ID": hostile.encode()}  # bytes: httpx sends non-ASCII as given
        response = api.client.get("/healthz", headers=sent)
        given = response.headers["x-request-id"]
        assert given != hostile and len(given) == 32
    logged = [e["request_id"] for e in entries(caplog)]
    assert all(len(r) == 32 for r in logged)


def test_a_request_id_with_newlines_cannot_forge_a_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """httpx refuses to send a newline in a header; a raw client can. Straight at the
    ASGI middleware, then: the forged entry stays inside one JSON string."""
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)
    forged = b'ok\r\n{"level": "error", "message": "admin signed in", "request_id": "x"}\n'
    sent: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": '/x\n{"level":"error"}',
        "headers": [(b"x-request-id", forged)],
    }
    asyncio.run(Observability(app)(scope, receive, send))
    echoed = dict(sent[0]["headers"])[b"x-request-id"]
    assert b"\n" not in echoed and b"\r" not in echoed and len(echoed) == 32
    [entry] = entries(caplog)  # one line, still valid JSON
    assert entry["request_id"] == echoed.decode() and entry["level"] == "info"
    assert entry["path"] == '/x\n{"level":"error"}'  # kept, escaped inside its string


def test_lines_logged_while_answering_carry_the_request_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    inner = logging.getLogger("chuishao.somewhere")

    async def app(scope: Any, receive: Any, send: Any) -> None:
        inner.warning("something happened")
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        pass

    scope = {"type": "http", "method": "GET", "path": "/", "headers": [(b"x-request-id", b"r-7")]}
    formatter = JsonFormatter()
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(formatter.format(record))  # formatted where it is logged

    keep = Keep()
    logging.getLogger().addHandler(keep)
    try:
        asyncio.run(Observability(app)(scope, receive, send))
    finally:
        logging.getLogger().removeHandler(keep)
    found = [json.loads(line) for line in lines]
    assert [(e["logger"], e["request_id"]) for e in found] == [
        ("chuishao.somewhere", "r-7"),
        (ACCESS_LOGGER, "r-7"),
    ]
    assert "request_id" not in json.loads(formatter.format(logging.makeLogRecord({"msg": "x"})))
