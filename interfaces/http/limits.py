"""Refuse request bodies over a limit with 413, before any of them is parsed.

File uploads (``POST …/files``) get the file size limit plus room for the multipart
framing; every other request the small JSON limit."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 64 * 1024
MULTIPART_SLACK = 64 * 1024  # boundaries, part headers and form fields around a file
UPLOAD_PATH = re.compile(r"^(/ui)?/cases/[^/]+/files/?$")


class BodyTooLarge(HTTPException):
    """An HTTPException so the framework's body parsing passes it on as a 413."""

    def __init__(self) -> None:
        super().__init__(413)


class BodyLimit:
    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int = MAX_BODY_BYTES,
        upload_bytes: Callable[[], int] | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_bytes = upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        if (
            self.upload_bytes is not None
            and scope.get("method") == "POST"
            and UPLOAD_PATH.match(scope.get("path", ""))
        ):
            limit = self.upload_bytes()
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _refuse(send, limit, scope.get("path", ""))
            return
        seen = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except BodyTooLarge:
            if not started:
                await _refuse(send, limit, scope.get("path", ""))


async def _refuse(send: Send, limit: int, path: str = "") -> None:
    if path.startswith("/open311/"):  # Open311 answers its spec's error list, 400 for this
        await _send(send, 400, b"application/json", _open311_too_large(limit))
        return
    body: dict[str, Any] = {
        "type": "https://chuishao.example/problems/body_too_large",
        "title": "request body too large",
        "status": 413,
        "detail": f"request bodies are limited to {limit} bytes",
        "detail_zh": f"请求内容不能超过 {limit} 字节",
        "code": "body_too_large",
    }
    await _send(
        send, 413, b"application/problem+json", json.dumps(body, ensure_ascii=False).encode()
    )


def _open311_too_large(limit: int) -> bytes:
    description = f"请求内容不能超过 {limit} 字节 / request bodies are limited to {limit} bytes"
    return json.dumps([{"code": 400, "description": description}], ensure_ascii=False).encode()


async def _send(send: Send, status: int, media_type: bytes, data: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", media_type),
                (b"content-length", str(len(data)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})
