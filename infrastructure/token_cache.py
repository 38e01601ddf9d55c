"""Users looked up by token hash, kept in process for one version of the users table.

Every change to a user (add, revoke, rotate, re-enable, reissue) bumps a version counter
in the same transaction, and every look-up reads the counter first (one primary-key read):
an entry is served only while the counter still reads the version it was stored under, so
a token revoked or rotated by any process is refused on the very next request here.
Keys are token hashes, never tokens; unknown hashes are not kept (guessing cannot evict
real users faster than it could anyway, and the cache stays bounded).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from application.access import User

MAX_ENTRIES = 4096


class TokenCache:
    """A bounded least-recently-used map token hash → user, valid for one users version."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._version: int | None = None
        self._users: OrderedDict[str, User] = OrderedDict()
        self._lock = threading.Lock()  # looked up from the server's worker threads

    def get(self, token_hash: str, version: int) -> User | None:
        with self._lock:
            if version != self._version:
                if self._version is None or version > self._version:
                    self._users.clear()  # what was kept belongs to an older users table
                    self._version = version
                return None
            user = self._users.get(token_hash)
            if user is not None:
                self._users.move_to_end(token_hash)
            return user

    def put(self, token_hash: str, user: User, version: int) -> None:
        """Keep ``user`` for ``version``: the version read before the user's row, so the
        row is at least that new; a newer version read later drops it."""
        with self._lock:
            if version != self._version:
                if self._version is not None and version < self._version:
                    return  # a slow reader's older answer must not displace newer entries
                self._users.clear()
                self._version = version
            self._users[token_hash] = user
            self._users.move_to_end(token_hash)
            while len(self._users) > self.max_entries:
                self._users.popitem(last=False)

    def keys(self) -> list[str]:
        with self._lock:
            return list(self._users)
