"""Playing a receiver that answers without end: the sender reads 4 KB of an answer and no
more (raw bytes: a compressed answer is not inflated), and what it records of a long
refusal is cut short. The first test uses no store; the second SQLite only (the cut is the
outbox column's, checked on both backends wherever test_notify_outbox records errors)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from application.notifications import Endpoint
from infrastructure.settings import Settings
from infrastructure.webhooks import Outgoing, WebhookSender
from tests.support.backends import sqlite_only
from tests.support.clock import FakeClock
from tests.support.webhooks import SECRET, SECRET_ENV, Receiver, dead_letter, refusing_api, running

KB = 1024
ITEM = Outgoing("d-1", "whistle_blown", b'{"kind":"whistle_blown"}', "【吹哨召集】")


@pytest.mark.parametrize("fmt, status", [("json", 500), ("wecom", 200)])
def test_an_endless_answer_is_read_no_further_than_4_kb(fmt: str, status: int) -> None:
    pulled: list[int] = []
    asked: list[httpx.Request] = []

    def endless() -> Iterator[bytes]:
        while True:  # a receiver that never stops answering
            pulled.append(KB)
            yield b'{"errmsg":"' + b"x" * (KB - 11)

    def receiver(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        return httpx.Response(status, content=endless(), headers={"Content-Encoding": "gzip"})

    endpoint = Endpoint(
        "r", "r", url="http://receiver.test/hook", secret_env=SECRET_ENV, format=fmt
    )
    sender = WebhookSender(environ={SECRET_ENV: SECRET}, transport=httpx.MockTransport(receiver))
    result = sender.send(endpoint, ITEM)
    sender.close()
    assert not result.ok and result.status == status
    assert sum(pulled) <= 4 * KB  # four chunks of 1 KB, then it stopped reading
    assert len(result.error) < 100  # "HTTP 500" / "机器人应答无法解析": nothing of the answer
    assert asked[0].headers["Accept-Encoding"] == "identity"  # and it is never inflated


@sqlite_only
def test_a_long_refusal_is_recorded_cut_short(
    settings: Settings, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    with running(Receiver()) as receiver:
        refusal = {"errcode": 45009, "errmsg": "超出限制" * 250}  # 3 KB: read whole
        receiver.answer = (200, json.dumps(refusal, ensure_ascii=False).encode())
        with refusing_api(settings, clock, tmp_path, receiver, fmt="wecom") as api:
            row = dead_letter(api.container)
    assert row.last_error is not None and row.last_error.startswith("机器人拒收：errcode 45009")
    assert len(row.last_error) == 500
