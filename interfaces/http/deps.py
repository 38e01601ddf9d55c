"""Dependencies shared by the routes: the container, the current user, write plumbing."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from application.access import Action, Unauthenticated, User, hash_token
from application.idempotency import run_once
from application.requests import CommandContext, RequestKey
from application.views import WriteResult
from domain.case import Case
from domain.errors import InvalidValue
from domain.jurisdiction import Placement
from interfaces.bootstrap import Container
from interfaces.http.json_response import FastJSONResponse
from interfaces.http.schemas import WriteAccepted
from projections.queries import Scope


def get_container(request: Request) -> Container:
    return request.app.state.container  # type: ignore[no-any-return]


ContainerDep = Annotated[Container, Depends(get_container)]
_bearer = HTTPBearer(auto_error=False, description="Token printed by `chuishao users add`")


SESSION_COOKIE = "chuishao_session"
BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def user_of_token(c: Container, token: str | None) -> User | None:
    if not token:
        return None
    user = c.users.by_token_hash(hash_token(token))
    return None if user is None or user.revoked else user


def current_user(
    request: Request,
    c: ContainerDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    """The bearer token's user; for reads, a live console session works too (the ledger
    downloads), never for writes: a cookie alone must not be able to change a case."""
    if credentials is not None:
        user = user_of_token(c, credentials.credentials)
    elif request.method in ("GET", "HEAD"):
        user = c.sessions.user_of(request.cookies.get(SESSION_COOKIE))
    else:
        user = None
    if user is None:
        raise Unauthenticated()
    request.state.user_id = user.user_id  # for the request's log line (never the token)
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def scope_of(user: User, c: Container) -> Scope:
    if user.sees_everything:
        return Scope(everything=True)
    return Scope(
        grid_ids=frozenset(c.policy.grids_within(user.scope_ids("grid"))),
        community_ids=frozenset(user.scope_ids("community")),
        street_ids=frozenset(user.scope_ids("street")),
        unit_id=user.unit_id,
    )


def expected_version(
    if_match: Annotated[
        str | None,
        Header(alias="If-Match", description='Case version the write expects, e.g. "3"'),
    ] = None,
) -> int | None:
    if if_match is None or if_match.strip() == "*":
        return None
    tag = if_match.strip().removeprefix("W/").strip('"')
    if not (tag.isascii() and tag.isdigit()) or len(tag) > 9:
        raise InvalidValue("If-Match 须为案件版本号", "If-Match must be a case version number")
    return int(tag)


async def request_hash(request: Request) -> str:
    """HMAC-SHA256 of the request under a server secret: bodies hold residents' phones,
    and a plain hash of a body is found again by guessing the few digits that vary."""
    container: Container = request.app.state.container
    h = hmac.new(container.request_hmac_key, digestmod=hashlib.sha256)
    h.update(f"{request.method} {request.url.path}\n".encode())
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        await _hash_form(request, h)  # the framework has read the body into the form
    else:
        h.update(await request.body())
    return h.hexdigest()


async def _hash_form(request: Request, h: Any) -> None:
    for name, value in (await request.form()).multi_items():
        h.update(f"{len(name)}:{name}=".encode())
        if isinstance(value, str):
            h.update(f"{len(value)}:{value}\n".encode())
            continue
        h.update(f"file {value.filename!r}:".encode())
        await value.seek(0)
        while chunk := await value.read(1 << 20):
            h.update(chunk)
        await value.seek(0)
        h.update(b"\n")


class Commands:
    """Runs one write for the current user: scope check, If-Match, Idempotency-Key, 201."""

    def __init__(
        self,
        c: ContainerDep,
        user: CurrentUser,
        body_hash: Annotated[str, Depends(request_hash)],
        version: Annotated[int | None, Depends(expected_version)],
        idempotency_key: Annotated[
            str | None,
            Header(alias="Idempotency-Key", description="Retry-safe key (≤200 chars)"),
        ] = None,
    ) -> None:
        self.c, self.user, self.version = c, user, version
        self._key, self._hash = idempotency_key, body_hash

    @property
    def actor(self) -> Any:
        return self.user.actor

    def on_case(
        self,
        case_id: UUID,
        action: Action,
        call: Callable[[int | None, CommandContext], WriteResult],
        units: list[str] | None = None,
    ) -> JSONResponse:
        """``call`` gets the If-Match version and the context to pass to the command;
        ``units``: the units the write summons, scores or pledges for; each must serve
        the case's place."""

        def check(case: Case) -> None:
            self.c.policy.require(self.user, action, case)
            self.c.policy.require_serving(units or [], case)

        # Checked on the case the command itself loads: one read, no gap between.
        return self._respond(lambda context: call(self.version, context), guard=check)

    def new_case(
        self,
        placement: Callable[[], Placement],
        call: Callable[[CommandContext], WriteResult],
        extra: Callable[[WriteResult], dict[str, Any]] | None = None,
    ) -> JSONResponse:
        """``extra``: more of the answer, computed after the write (or its replay)."""

        def run(context: CommandContext) -> WriteResult:
            self.c.policy.require_place(self.user, Action.REPORT, placement())
            return call(context)

        return self._respond(run, extra=extra)

    def _respond(
        self,
        run: Callable[[CommandContext], WriteResult],
        guard: Callable[[Case], None] | None = None,
        extra: Callable[[WriteResult], dict[str, Any]] | None = None,
    ) -> JSONResponse:
        key = RequestKey(self.user.user_id, self._key, self._hash) if self._key else None
        context = CommandContext(guard=guard, request_key=key)
        result = run_once(
            self.c.idempotency, context, write=run, answer=self.c.service.recorded_answer
        )
        body = WriteAccepted(**vars(result)).model_dump(mode="json", exclude_none=True)
        if extra is not None:
            body.update(extra(result))
        headers = {"Location": f"/cases/{body['case_id']}", "ETag": f'"{body["version"]}"'}
        return FastJSONResponse(body, status_code=201, headers=headers)


CommandsDep = Annotated[Commands, Depends(Commands)]
