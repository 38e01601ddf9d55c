"""A real HTTP server (uvicorn in a thread) over an app, and a reader of Server-Sent Events:
streams never end by themselves, so they are read over a socket, an event at a time."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn

from tests.support.processes import free_port


@contextmanager
def served_app(app: Any) -> Iterator[str]:
    """Serve ``app`` on a free port; yield its base URL; stop it after."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    else:
        pytest.fail("server did not start")
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@dataclass
class Sse:
    """One message: its fields as sent (``comments`` for ``:`` lines)."""

    event: str | None = None
    id: str | None = None
    data: str | None = None
    retry: str | None = None
    comments: list[str] = field(default_factory=list)


def messages(response: httpx.Response) -> Iterator[Sse]:
    """The messages of an open ``text/event-stream`` response, as they come (one reader
    per response: the body can be read once)."""
    message = Sse()
    for line in response.iter_lines():
        if line == "":
            yield message
            message = Sse()
        elif line.startswith(":"):
            message.comments.append(line[1:].strip())
        else:
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "data":
                message.data = value if message.data is None else message.data + "\n" + value
            elif name in ("event", "id", "retry"):
                setattr(message, name, value)
    if message != Sse():
        yield message


def read_events(stream: Iterator[Sse], count: int) -> list[Sse]:
    """The next ``count`` events (fewer if the stream ends first)."""
    got: list[Sse] = []
    for message in stream:
        if message.event is not None:
            got.append(message)
            if len(got) == count:
                break
    return got


def until_heartbeat(stream: Iterator[Sse]) -> list[Sse]:
    """Every event sent before the next heartbeat: on a new stream, all it had to send when
    it opened (it sends what it owes first, then waits)."""
    got: list[Sse] = []
    for message in stream:
        if "heartbeat" in message.comments:
            return got
        if message.event is not None:
            got.append(message)
    return got
