"""The live inbox: ``GET /inbox/stream``, Server-Sent Events telling a liaison of each new
whistle for their unit and of each change to a whistle in their inbox, as it happens.

Each event's ``id`` is the log position of the event behind it, so a client that reconnects
with ``Last-Event-ID`` (browsers do it by themselves) gets exactly what it missed. The
stream sleeps until the projector says the views moved on (``Projector.advances``), then
reads the log between the last position it handled and the views' position. A stream lasts
``stream_lifetime_seconds`` and then ends (the client reconnects after ``retry``); at each
heartbeat the caller's token or console session is checked again, so revoking a token or
signing out ends its streams too.

A browser's EventSource cannot send a header, so the console's session cookie works here
as on other reads (``SameSite=Strict``: never sent from another site). The request changes
nothing, and the cookie check does not even count as activity: an open page must not keep
an unattended console signed in.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from application.access import Forbidden, Unauthenticated, User
from domain.errors import InvalidValue
from domain.values import Role
from interfaces.bootstrap import Container
from interfaces.http.deps import SESSION_COOKIE, BearerCredentials, ContainerDep, user_of_token
from interfaces.http.schemas import ID_PATTERN
from interfaces.http.stream_slots import StreamSlots
from projections.inbox_feed import InboxFeed

router = APIRouter(tags=["inbox"])
RETRY_MS = 3000  # how soon a client reconnects after a stream ends
FOLLOW_POLL_SECONDS = 1.0  # when another process runs the projector: no wake-up, so look


@dataclass(frozen=True)
class Caller:
    user: User
    still_valid: Callable[[], bool]  # the same credentials checked again (not touching)


def stream_caller(request: Request, c: ContainerDep, credentials: BearerCredentials) -> Caller:
    """The bearer token's user, or the console session's (a GET, so the cookie may read)."""
    still_valid: Callable[[], bool]
    if credentials is not None:
        token = credentials.credentials
        user = user_of_token(c, token)
        still_valid = lambda: _same(user, user_of_token(c, token))  # noqa: E731
    else:
        session_id = request.cookies.get(SESSION_COOKIE)
        user = c.sessions.user_of(session_id, touch=False)
        still_valid = lambda: _same(user, c.sessions.user_of(session_id, touch=False))  # noqa: E731
    if user is None:
        raise Unauthenticated()
    return Caller(user, still_valid)


def _same(user: User | None, again: User | None) -> bool:
    return user is not None and again is not None and again.user_id == user.user_id


def views_position(c: Container) -> int:
    return min(c.projector.positions().values(), default=0)


def start_position(c: Container, last_event_id: str | None, after: int | None) -> int:
    """Where the stream starts: after the client's ``Last-Event-ID`` (a reconnect), else
    after ``after`` (the position the page was drawn at), else from now."""
    if last_event_id is not None:
        text = last_event_id.strip()
        if not (text.isascii() and text.isdigit()) or len(text) > 18:
            raise InvalidValue(
                "Last-Event-ID 须为日志位置（非负整数）",
                "Last-Event-ID must be a log position (a whole number)",
            )
        after = int(text)
    if after is None:
        return views_position(c)
    if after > c.projector.head():
        raise InvalidValue(f"日志位置 {after} 尚不存在", f"log position {after} does not exist")
    return after


class _Stream(EventSourceResponse):
    """Gives its slot back however the stream ends (client gone, lifetime, shutdown)."""

    def __init__(self, content: AsyncIterator[ServerSentEvent], give_back: Callable[[], None]):
        super().__init__(content, ping=0)  # heartbeats are sent by the stream itself
        self._give_back = give_back

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._give_back()


def _slots(request: Request, c: Container) -> StreamSlots:
    slots: StreamSlots | None = getattr(request.app.state, "stream_slots", None)
    if slots is None:  # made at first use: the app's container may be set after create_app
        slots = StreamSlots(c.settings.stream_max_per_user, c.settings.stream_max_total)
        request.app.state.stream_slots = slots
    return slots


@router.get(
    "/inbox/stream",
    response_class=EventSourceResponse,
    responses={
        200: {
            "description": "text/event-stream: `whistle` and `changed` events (JSON data), "
            "`id` = log position, heartbeat comments",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        },
        429: {"description": "too many live streams (per user or in all)"},
    },
)
def inbox_stream(
    request: Request,
    c: ContainerDep,
    caller: Annotated[Caller, Depends(stream_caller)],
    unit: Annotated[
        str | None, Query(max_length=64, pattern=ID_PATTERN, description="admins: whose inbox")
    ] = None,
    after: Annotated[
        int | None, Query(ge=0, description="start after this log position (the page's)")
    ] = None,
    last_event_id: Annotated[
        str | None, Header(alias="Last-Event-ID", max_length=40, description="resume after")
    ] = None,
) -> EventSourceResponse:
    """The caller's inbox, live (Server-Sent Events): `whistle` — a new whistle summons
    the unit (case, whistle, title, level, deadline); `changed` — a whistle in the inbox was
    reported in, recorded as 未报到 at resolution, or its case withdrawn or marked duplicate.
    Scoped like `GET /inbox`: a liaison's own unit; an admin names `unit`."""
    user = caller.user
    if user.role is Role.LIAISON:
        unit_id = user.unit_id
    elif user.role is Role.ADMIN:
        unit_id = unit
    else:
        raise Forbidden("只有部门联络员有报到收件箱", "only liaisons have an inbox")
    if unit_id is None:
        raise InvalidValue("请指明单位 unit", "unit is required")
    c.service.jurisdiction.unit(unit_id)
    start = start_position(c, last_event_id, after)
    slots = _slots(request, c)
    slots.take(user.user_id)
    return _Stream(
        _changes(c, unit_id, start, caller.still_valid),
        give_back=lambda: slots.give_back(user.user_id),
    )


async def _changes(
    c: Container, unit_id: str, start: int, still_valid: Callable[[], bool]
) -> AsyncIterator[ServerSentEvent]:
    loop = asyncio.get_running_loop()
    woken = asyncio.Event()

    def wake() -> None:  # in the projector's thread
        loop.call_soon_threadsafe(woken.set)

    stop_listening = c.projector.advances.listen(wake)
    feed = InboxFeed(c.service, c.ledger)
    heartbeat = c.settings.stream_heartbeat_seconds
    ends = loop.time() + c.settings.stream_lifetime_seconds
    check_at = loop.time() + heartbeat
    cursor = start
    try:
        yield ServerSentEvent(comment="inbox", retry=RETRY_MS)
        while True:
            woken.clear()  # before reading: an advance from here on wakes the wait below
            position = await run_in_threadpool(views_position, c)
            if position > cursor:
                for change in await run_in_threadpool(feed.between, unit_id, cursor, position):
                    yield ServerSentEvent(
                        json.dumps(change.data, ensure_ascii=False),
                        event=change.kind,
                        id=str(change.position),
                    )
                cursor = position
            now = loop.time()
            if now >= ends:
                return
            if now >= check_at:
                if not await run_in_threadpool(still_valid):
                    return  # revoked, rotated or signed out: the reconnect answers 401
                yield ServerSentEvent(comment="heartbeat")
                check_at = now + heartbeat
            wait = min(ends, check_at) - now
            if not c.projector.following:
                wait = min(wait, FOLLOW_POLL_SECONDS)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(woken.wait(), timeout=wait)
    finally:
        stop_listening()
