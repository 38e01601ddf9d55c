"""Dashboard answers kept by the ledger's position.

A dashboard is a pure function of the question (path, parameters, the reader's scope
and role) and of the views, and the views change only when their position moves (rows
and position commit together). So an answer computed at position P is the answer to
the same question for as long as the position is still P: it is kept as JSON bytes
and served again without a query. Never stale: any new event moves the position, and
the next request recomputes. A rebuild swaps in new tables that may sit at the same
position, so the key is (build, position). A request with ``Cache-Control: no-cache`` is always
answered afresh (and the fresh answer kept).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import datetime
from typing import Any

from fastapi import Request, Response
from pydantic import TypeAdapter

from application.access import User
from interfaces.bootstrap import Container
from interfaces.read_sides import Reading
from projections.queries import Scope

_json = TypeAdapter(Any)  # writes an answer (a response model) as its own model would
MAX_ENTRIES = 256
MAX_BYTES = 64 * 1024 * 1024


class AnswerCache:
    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        # key -> (position, valid until (None: while the position stands), JSON body)
        self._entries: OrderedDict[Hashable, tuple[Hashable, datetime | None, bytes]] = (
            OrderedDict()
        )
        self._bytes = 0
        self._lock = threading.Lock()
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self.hits = self.misses = 0

    def answer(
        self,
        key: Hashable,
        position: Hashable,
        compute: Callable[[], Any],
        *,
        fresh: bool = False,
        now: datetime | None = None,
        until: Callable[[], datetime | None] = lambda: None,
    ) -> Response:
        """The kept answer if it was computed at ``position`` and, when it is asked at
        ``now``, is still valid then; else a fresh one.

        ``position`` must be read before computing: the answer then reflects at least it.
        ``until`` (called before computing) gives the last instant the answer holds for.
        """
        with self._lock:
            kept = self._entries.get(key)
            if kept is not None and kept[0] == position and not fresh:
                if kept[1] is None or now is None or now <= kept[1]:
                    self._entries.move_to_end(key)
                    self.hits += 1
                    return _response(kept[2], hit=True)
            self.misses += 1
        valid_until = until()
        answer = compute()  # bytes: already written (lean_json.py)
        body = answer if isinstance(answer, bytes) else _json.dump_json(answer)
        self._keep(key, position, valid_until, body)
        return _response(body, hit=False)

    def _keep(
        self, key: Hashable, position: Hashable, valid_until: datetime | None, body: bytes
    ) -> None:
        if len(body) > self.max_bytes // 4:  # one huge answer must not flush all others
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old[2])
            self._entries[key] = (position, valid_until, body)
            self._bytes += len(body)
            while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
                _, (_, _, dropped) = self._entries.popitem(last=False)
                self._bytes -= len(dropped)


def _response(body: bytes, *, hit: bool) -> Response:
    # X-Answer: whether this was served from memory (for operators and the benchmark).
    return Response(
        body, media_type="application/json", headers={"X-Answer": "kept" if hit else "computed"}
    )


def kept(
    request: Request,
    c: Container,
    user: User,
    scope: Scope,
    question: tuple[Hashable, ...],
    compute: Callable[[], Any],
    *,
    now: datetime | None = None,
    reading: Reading | None = None,
) -> Response:
    """Answer ``question`` (everything it depends on besides the reader) for ``user``,
    whose ``scope`` the caller has resolved. ``now``: the question is "as of now", asked
    at this instant, and its answer holds only until the next deadline crossing.
    ``reading``: the copy of the views the answer is computed on (default the primary's)."""
    cache: AnswerCache = request.app.state.answers
    key = (*question, user.role, user.unit_id, scope)
    # read before computing; the build number changes when a rebuild swaps tables in
    dashboards = reading.side.dashboards if reading else c.dashboards
    position = reading.marks() if reading else tuple(sorted(c.projector.marks().items()))
    fresh = "no-cache" in request.headers.get("cache-control", "")
    if now is None:
        return cache.answer(key, position, compute, fresh=fresh)
    at = now
    return cache.answer(
        (*key, "now"),
        position,
        compute,
        fresh=fresh,
        now=at,
        until=lambda: dashboards.next_crossing(at),
    )
