"""Console sessions of their own, apart from API tokens, and a brake on guessing at sign-in.

The console's cookie holds a random session id, never the user's API token; only the
id's SHA-256 is stored, so a leaked sessions table opens nothing. A session ends when
its absolute lifetime is over, when it sits idle too long, on sign-out (server side: the
old cookie is worthless), and when the user's token is revoked or rotated — each session
remembers the token hash it was opened with and dies when the user's current one differs.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from application.access import User, UserDirectory, hash_token
from application.errors import ApplicationError

TOUCH_EVERY = timedelta(minutes=1)  # last-seen is written at most this often: reads stay reads


@dataclass(frozen=True)
class SessionRecord:
    user_id: str
    token_hash: str  # the user's token when the session opened
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime


class SessionStore(Protocol):
    """Where sessions (by the hash of their id) and failed sign-ins live."""

    def add(self, id_hash: str, record: SessionRecord) -> None: ...
    def get(self, id_hash: str) -> SessionRecord | None: ...
    def touch(self, id_hash: str, at: datetime) -> None: ...
    def remove(self, id_hash: str) -> None: ...
    def remove_expired(self, now: datetime, idle: timedelta) -> None: ...
    def add_failure(self, keys: list[str], at: datetime, forget_before: datetime) -> None: ...
    def failures(self, key: str, since: datetime) -> int: ...
    def clear_failures(self, key: str) -> None: ...


@dataclass(frozen=True)
class SessionLimits:
    lifetime: timedelta = timedelta(hours=8)
    idle: timedelta = timedelta(minutes=30)
    max_failures: int = 5
    failure_window: timedelta = timedelta(minutes=5)


class TooManySignIns(ApplicationError):
    code = "too_many_sign_ins"

    def __init__(self, minutes: int) -> None:
        super().__init__(
            f"登录失败次数过多，请 {minutes} 分钟后再试",
            f"too many failed sign-ins; try again in {minutes} minutes",
        )


def hash_session_id(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class ConsoleSessions:
    def __init__(
        self,
        store: SessionStore,
        users: UserDirectory,
        clock: Callable[[], datetime],
        limits: SessionLimits,
    ) -> None:
        self.store, self.users, self.clock, self.limits = store, users, clock, limits

    def sign_in(self, user_id: str, token: str, client: str) -> str:
        """A new session id for the user whose token this is (``BadSignIn`` if it is not).

        Refused with ``TooManySignIns`` — before the token is even looked at — once the
        client address or the named user has had too many failures in the window."""
        now = self.clock()
        keys = [f"addr:{client}", f"user:{user_id}"]
        since = now - self.limits.failure_window
        if any(self.store.failures(k, since) >= self.limits.max_failures for k in keys):
            raise TooManySignIns(int(self.limits.failure_window.total_seconds() // 60))
        token_hash = hash_token(token)
        user = self.users.by_token_hash(token_hash)
        if user is None or user.revoked or user.user_id != user_id:
            self.store.add_failure(keys, now, forget_before=since)
            raise BadSignIn()
        self.store.clear_failures(f"user:{user_id}")
        self.store.remove_expired(now, self.limits.idle)
        session_id = secrets.token_urlsafe(32)
        record = SessionRecord(user.user_id, token_hash, now, now, now + self.limits.lifetime)
        self.store.add(hash_session_id(session_id), record)
        return session_id

    def user_of(self, session_id: str | None, *, touch: bool = True) -> User | None:
        """The session's user, if the session is alive; refreshes its last-seen time
        (``touch=False``: a check that is not the user's doing, such as a live stream's,
        must not keep an unattended console signed in)."""
        if not session_id:
            return None
        id_hash = hash_session_id(session_id)
        record = self.store.get(id_hash)
        if record is None:
            return None
        now = self.clock()
        user = self.users.by_token_hash(record.token_hash)
        if (
            now >= record.expires_at
            or now - record.last_seen_at >= self.limits.idle
            or user is None
            or user.revoked
            or user.user_id != record.user_id
        ):
            self.store.remove(id_hash)
            return None
        if touch and now - record.last_seen_at >= TOUCH_EVERY:
            self.store.touch(id_hash, now)
        return user

    def sign_out(self, session_id: str | None) -> None:
        if session_id:
            self.store.remove(hash_session_id(session_id))


class BadSignIn(ApplicationError):
    code = "bad_sign_in"

    def __init__(self) -> None:
        super().__init__(
            "用户编号或令牌无效，或已吊销", "unknown user id, or a wrong or revoked token"
        )
