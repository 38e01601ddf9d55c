"""Idempotency keys: a retried command gets the first answer and writes nothing more.

The key is stored in the same transaction as the events it produced
(application/requests.py), so a crash can never separate the two.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from application.errors import ConcurrencyConflict
from application.requests import CommandContext, KeyedWrite
from application.views import WriteResult
from domain.errors import InvalidValue

MAX_KEY_LENGTH = 200


class IdempotencyStore(Protocol):
    def get(self, user_id: str, key: str) -> KeyedWrite | None: ...


class KeyReused(InvalidValue):
    code = "idempotency_key_reused"

    def __init__(self) -> None:
        super().__init__(
            "同一个幂等键不能用于不同的请求内容",
            "this Idempotency-Key was used with a different request",
        )


def check_key(key: str) -> str:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise InvalidValue(
            f"幂等键须为1到{MAX_KEY_LENGTH}个可打印ASCII字符",
            f"Idempotency-Key must be 1-{MAX_KEY_LENGTH} printable ASCII characters",
        )
    return key


def run_once(
    store: IdempotencyStore,
    context: CommandContext,
    *,
    write: Callable[[CommandContext], WriteResult],
    answer: Callable[[KeyedWrite], WriteResult],
) -> WriteResult:
    """Run ``write`` once per (user, key) of ``context``; a retry gets ``answer`` of the
    recorded write instead.

    ``write`` gets the context to pass to the command, which saves the key with its events.
    """
    key = context.request_key
    if key is None:
        return write(context)
    check_key(key.key)
    found = store.get(key.user_id, key.key)
    if found is None:
        try:
            return write(context)
        except ConcurrencyConflict:
            found = store.get(key.user_id, key.key)  # lost a race with our own retry?
            if found is None:
                raise
    if found.request_hash != key.request_hash:
        raise KeyReused()
    return answer(found)
