"""How many live streams may be open: per user and in all. A stream holds a connection (and,
while it reads, a worker thread) for minutes, so without a bound one client could hold them
all."""

from __future__ import annotations

import threading
from collections import Counter

from domain.errors import ChuishaoError


class TooManyStreams(ChuishaoError):
    """Answered 429."""

    code = "too_many_streams"

    def __init__(self, *, mine: bool) -> None:
        if mine:
            super().__init__(
                "您打开的实时收件箱过多，请关闭其他页面后重试",
                "too many live streams open for this user; close one and retry",
            )
        else:
            super().__init__(
                "服务器实时连接已满，请稍后重试", "the server's live streams are full; retry later"
            )


class StreamSlots:
    def __init__(self, per_user: int, total: int) -> None:
        self.per_user, self.total = per_user, total
        self._lock = threading.Lock()
        self._open: Counter[str] = Counter()

    def take(self, user_id: str) -> None:
        """Count one more stream for ``user_id``, or refuse it (``TooManyStreams``)."""
        with self._lock:
            if self._open[user_id] >= self.per_user:
                raise TooManyStreams(mine=True)
            if self._open.total() >= self.total:
                raise TooManyStreams(mine=False)
            self._open[user_id] += 1

    def give_back(self, user_id: str) -> None:
        with self._lock:
            self._open[user_id] -= 1
            if self._open[user_id] <= 0:
                del self._open[user_id]

    def open_streams(self) -> int:
        with self._lock:
            return self._open.total()
