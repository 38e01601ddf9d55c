"""Per request: a request id (X-Request-ID, echoed), the metrics, one JSON log line.

A plain ASGI middleware (not BaseHTTPMiddleware): streamed answers (the live inbox, file
downloads) pass through untouched. A request id the caller sends is kept only if it is
short and plain (letters, digits, ``.-_:``); anything else — a newline, 10 KB — is
replaced by a fresh one, so the id is safe in headers and logs alike.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from infrastructure.metrics import COMMANDS, HTTP_LATENCY, HTTP_REQUESTS
from interfaces.logs import ACCESS_LOGGER, REQUEST_ID

HEADER = "x-request-id"
_VALID_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
log = logging.getLogger(ACCESS_LOGGER)


def request_id_of(sent: str | None) -> str:
    """The caller's id if it is plain, else a new one."""
    if sent is not None and _VALID_ID.fullmatch(sent):
        return sent
    return uuid.uuid4().hex


class Observability:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = _header(scope, HEADER.encode())
        request_id = request_id_of(sent)
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != HEADER.encode()
                ]
                headers.append((HEADER.encode(), request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        token = REQUEST_ID.set(request_id)  # copied into the threads that run sync routes
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _record(scope, state, status, time.perf_counter() - started, request_id)
            REQUEST_ID.reset(token)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def _record(
    scope: Scope, state: dict[str, Any], status: int, elapsed: float, request_id: str
) -> None:
    route = scope.get("route")
    template = getattr(route, "path", None) or "unmatched"  # a template: few label values
    method = str(scope.get("method", ""))
    HTTP_REQUESTS.labels(method=method, route=template, status=str(status)).inc()
    HTTP_LATENCY.labels(method=method, route=template).observe(elapsed)
    if method in WRITES and route is not None:
        outcome = "accepted" if status < 400 else "refused" if status < 500 else "failed"
        COMMANDS.labels(command=str(getattr(route, "name", template)), outcome=outcome).inc()
    log.log(
        logging.ERROR if status == 500 else logging.INFO,  # 503 is a state, not a bug
        "request",
        extra={
            "fields": {
                "request_id": request_id,
                "method": method,
                "route": template,
                "path": str(scope.get("path", "")),
                "status": status,
                "duration_ms": round(elapsed * 1000, 2),
                "user_id": state.get("user_id"),
            }
        },
    )
