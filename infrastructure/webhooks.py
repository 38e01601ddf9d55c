"""Sending webhooks: an HMAC-signed POST, no redirects, short timeouts, small reads.

Every request carries ``X-Chuishao-Delivery`` (the same on every retry: receivers drop
repeats by it), ``X-Chuishao-Timestamp`` (Unix seconds, new on each attempt) and
``X-Chuishao-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`` under the
endpoint's secret. ``verify_signature`` is the receiver's check (a reference to copy): it
refuses a wrong signature and a timestamp older than five minutes (a replayed capture).

The URLs are an admin's configuration, so they are trusted to name the right host; still a
redirect is never followed (it could lead anywhere), a request gives up after a few
seconds, and no more than a few KB of an answer are read.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from application.notifications import Endpoint

DELIVERY_HEADER = "X-Chuishao-Delivery"
TIMESTAMP_HEADER = "X-Chuishao-Timestamp"
SIGNATURE_HEADER = "X-Chuishao-Signature"
KIND_HEADER = "X-Chuishao-Event"
TOLERANCE_SECONDS = 300


def signature(secret: bytes, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(
    secret: bytes,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> bool:
    """The receiver's check: the signature matches and the timestamp is recent."""
    try:
        timestamp = int(headers[TIMESTAMP_HEADER])
        given = headers[SIGNATURE_HEADER]
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    return hmac.compare_digest(given, signature(secret, timestamp, body))


@dataclass(frozen=True)
class SendResult:
    ok: bool
    status: int | None = None
    error: str = ""


@dataclass(frozen=True)
class Outgoing:
    """What the sender needs of an outbox row."""

    delivery_id: str
    kind: str
    body: bytes  # our JSON, signed as is
    text: str  # the Chinese line a robot posts


class WebhookSender:
    def __init__(
        self,
        *,
        timeout: float = 5.0,
        max_response_bytes: int = 4096,
        environ: Mapping[str, str] | None = None,
        seconds: Callable[[], float] = time.time,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.max_response_bytes = max_response_bytes
        self.environ = os.environ if environ is None else environ
        self.seconds = seconds
        self.client = httpx.Client(
            follow_redirects=False,
            timeout=httpx.Timeout(timeout),
            trust_env=False,  # no proxy or netrc from the environment
            transport=transport,
        )

    def close(self) -> None:
        self.client.close()

    def send(self, endpoint: Endpoint, item: Outgoing) -> SendResult:
        url = endpoint.url or (self.environ.get(endpoint.url_env) if endpoint.url_env else None)
        if not url:
            return SendResult(False, error=f"未配置地址（环境变量 {endpoint.url_env}）")
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            return SendResult(False, error="地址须为 http 或 https")
        secret_text = self.environ.get(endpoint.secret_env) if endpoint.secret_env else None
        if endpoint.secret_env and not secret_text:
            return SendResult(False, error=f"未设置密钥（环境变量 {endpoint.secret_env}）")
        secret = secret_text.encode() if secret_text else None
        timestamp = int(self.seconds())
        body = item.body
        if endpoint.format in ("wecom", "dingtalk"):
            body = json.dumps(
                {"msgtype": "text", "text": {"content": item.text}}, ensure_ascii=False
            ).encode()
        if endpoint.format == "dingtalk" and secret_text:
            url = _dingtalk_signed(url, secret_text, self.seconds())
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "chuishao-webhooks/1",
            "Accept-Encoding": "identity",  # a compressed answer could inflate past any cap
            DELIVERY_HEADER: item.delivery_id,
            TIMESTAMP_HEADER: str(timestamp),
            KIND_HEADER: item.kind,
        }
        if secret is not None:
            headers[SIGNATURE_HEADER] = signature(secret, timestamp, body)
        try:
            with self.client.stream("POST", url, content=body, headers=headers) as response:
                answer = self._read_some(response)
                status = response.status_code
        except httpx.HTTPError as e:
            return SendResult(False, error=f"{type(e).__name__}: {e}"[:300])
        if 300 <= status < 400:
            return SendResult(False, status, "接收方要求重定向，出于安全不跟随")
        if not 200 <= status < 300:
            return SendResult(False, status, f"HTTP {status}")
        if endpoint.format in ("wecom", "dingtalk"):
            return _robot_answer(status, answer)
        return SendResult(True, status)

    def _read_some(self, response: httpx.Response) -> bytes:
        """At most ``max_response_bytes`` of the answer: a receiver cannot make us read more.
        Raw bytes, never decompressed: a gzip "bomb" of a few KB stays a few KB here."""
        got = b""
        for chunk in response.iter_raw():
            got += chunk
            if len(got) >= self.max_response_bytes:
                return got[: self.max_response_bytes]
        return got


def _robot_answer(status: int, answer: bytes) -> SendResult:
    """政务微信 and 钉钉 robots answer 200 with ``errcode`` 0, or another code on failure."""
    try:
        parsed: Any = json.loads(answer)
    except ValueError:
        return SendResult(False, status, "机器人应答无法解析")
    code = parsed.get("errcode", 0) if isinstance(parsed, dict) else 0
    if code != 0:
        return SendResult(False, status, f"机器人拒收：errcode {code} {parsed.get('errmsg', '')}")
    return SendResult(True, status)


def _dingtalk_signed(url: str, secret: str, now: float) -> str:
    """钉钉's robot signature: ``timestamp`` (ms) and ``sign`` = base64(HMAC-SHA256 of
    "<timestamp>\\n<secret>") as query parameters."""
    ms = str(int(now * 1000))
    digest = hmac.new(secret.encode(), f"{ms}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    return f"{url}{'&' if '?' in url else '?'}timestamp={ms}&sign={sign}"
