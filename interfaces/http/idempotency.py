"""Idempotency-Key: a retried POST gets the first answer and writes nothing more."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from domain.errors import DomainError, InvalidValue

MAX_KEY_LENGTH = 200


class IdempotencyStore(Protocol):
    def get(self, user_id: str, key: str) -> tuple[str, int | None, str | None] | None: ...
    def reserve(self, user_id: str, key: str, request_hash: str, now: datetime) -> bool: ...
    def complete(self, user_id: str, key: str, status_code: int, body: str) -> None: ...
    def release(self, user_id: str, key: str) -> None: ...


class KeyReused(InvalidValue):
    code = "idempotency_key_reused"

    def __init__(self) -> None:
        super().__init__(
            "同一个幂等键不能用于不同的请求内容",
            "this Idempotency-Key was used with a different request",
        )


class KeyInFlight(DomainError):
    code = "idempotency_key_in_flight"

    def __init__(self) -> None:
        super().__init__(
            "使用该幂等键的请求仍在处理中，请稍后重试",
            "a request with this Idempotency-Key is still in progress",
        )


def check_key(key: str) -> str:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidValue(
            f"幂等键须为1到{MAX_KEY_LENGTH}个可打印字符",
            f"Idempotency-Key must be 1-{MAX_KEY_LENGTH} printable characters",
        )
    return key


def run_once(
    store: IdempotencyStore,
    *,
    user_id: str,
    key: str | None,
    request_hash: str,
    now: datetime,
    call: Callable[[], tuple[int, dict[str, Any]]],
) -> tuple[int, dict[str, Any]]:
    """Run ``call`` once per (user, key); later calls replay its answer."""
    if key is None:
        return call()
    key = check_key(key)
    for _ in range(2):
        found = store.get(user_id, key)
        if found is not None:
            stored_hash, stored_status, stored_body = found
            if stored_hash != request_hash:
                raise KeyReused()
            if stored_status is None or stored_body is None:
                raise KeyInFlight()
            return stored_status, json.loads(stored_body)
        if store.reserve(user_id, key, request_hash, now):
            break
    else:  # lost the reservation race twice: the winner is still running
        raise KeyInFlight()
    try:
        status, body = call()
    except BaseException:
        store.release(user_id, key)
        raise
    store.complete(user_id, key, status, json.dumps(body, ensure_ascii=False, default=str))
    return status, body
