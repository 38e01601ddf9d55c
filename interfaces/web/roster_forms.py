"""Console forms of 双报到: post, claim, complete, confirm, release and cancel a need;
register members and take them off the roster; seat units on a council and let them go.

Each calls the same ``RosterService`` command as the HTTP API, with the form's one-time
key (a double submit writes once) and, on a need, the version the page showed (a page
left open while someone else acted is answered with the need as it now is). Refused
input is shown beside the form, kept; what the caller may not see is a 404 page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel

from application.access import User
from application.errors import ConcurrencyConflict, StaleVersion
from application.idempotency import run_once
from application.requests import CommandContext
from application.roster_access import RosterNotFound
from application.views import WriteResult
from domain.errors import DomainError
from domain.values import Level
from interfaces.bootstrap import Container
from interfaces.http.deps import ContainerDep
from interfaces.http.need_commands import NEED_COMMANDS, need_write
from interfaces.http.problems import status_of
from interfaces.http.roster_schemas import (
    CouncilUnitCreate,
    LeaveCreate,
    MemberCreate,
    NeedCreate,
)
from interfaces.http.routes.roster import _check_member_account
from interfaces.web import forms
from interfaces.web.commands import Posted, _key, _version
from interfaces.web.roster_pages import needs_page, roster_page
from interfaces.web.session import Csrf, PageUser

router = APIRouter(prefix="/ui", include_in_schema=False)
STALE_ZH = "需求已被他人更新，请查看最新状态后再操作"
NUMBERS = {"people": int, "hours": float}


def fields_of(raw: Any) -> dict[str, Any]:
    """The form as the API's JSON body: numbers as numbers, skills and offers as lists,
    a chosen claimant as its kind and id."""
    out = forms.form_fields(raw)
    for name, convert in NUMBERS.items():
        value = out.get(name)
        if isinstance(value, str):
            try:
                out[name] = convert(value)
            except ValueError:
                pass  # the model says what is wrong with it
    kind, _sep, ref = str(out.pop("claimant", "")).partition(":")
    if ref:  # a coordinator's choice of claimant, "member:<id>" or "unit:<seat id>"
        out |= {"claimant_kind": kind, "claimant_id": ref}
    for name in ("skills", "offers"):  # one text field, comma-separated
        if name in out:
            text = str(out[name]).replace("，", ",").replace("、", ",")
            out[name] = [s.strip() for s in text.split(",") if s.strip()]
    return out


def _write(
    c: Container,
    user: User,
    raw: Any,
    path: str,
    fields: dict[str, Any],
    call: Callable[[CommandContext], WriteResult],
) -> WriteResult:
    context = CommandContext(request_key=_key(c, user, raw, path, fields))
    return run_once(c.idempotency, context, write=call, answer=c.roster.recorded_answer)


# ----- needs --------------------------------------------------------------------------------

# The console's need forms: the command each makes (need_commands.NEED_COMMANDS) and the
# arguments it fixes. A claim for oneself names no claimant, whatever the form posted.
NEED_FORMS: dict[str, tuple[str, dict[str, Any]]] = {
    "claim": ("claims", {"claimant_kind": None, "claimant_id": None}),
    "claim_for": ("claims", {}),
    "complete": ("completion", {}),
    "confirm": ("confirmation", {}),
    "release": ("release", {}),
    "cancel": ("cancellation", {}),
}


@router.post("/needs/{need_id}/{name}")
def need_command(
    request: Request,
    need_id: UUID,
    name: str,
    c: ContainerDep,
    user: PageUser,
    _: Csrf,
    raw: Posted,
) -> Response:
    form = NEED_FORMS.get(name)
    if form is None:
        raise RosterNotFound("操作", name)
    command, fixed = form
    c.roster.need(user, need_id)  # 404 before anything else when the need is not seen
    fields = fields_of(raw)
    values = {k: v for k, v in raw.items() if k not in forms.PLUMBING}
    body, errors = forms.validate(NEED_COMMANDS[command].schema, fields)
    key = str(need_id)
    if body is None:
        return needs_page(request, c, user, errors={key: errors}, values={key: values},
                          status_code=422)  # fmt: skip
    call = need_write(c.roster, user, need_id, command, body, _version(raw), **fixed)
    try:
        _write(c, user, raw, request.url.path, fields, call)
    except (StaleVersion, ConcurrencyConflict):
        return needs_page(request, c, user, errors={key: {forms.GENERAL: STALE_ZH}},
                          status_code=409)  # fmt: skip
    except RosterNotFound:
        raise
    except DomainError as e:
        return needs_page(request, c, user, errors={key: forms.domain_errors(e)},
                          values={key: values}, status_code=status_of(e))  # fmt: skip
    return RedirectResponse(f"/ui/needs?done={name}#need-{need_id}", status_code=303)


@router.post("/needs")
def post_need(request: Request, c: ContainerDep, user: PageUser, _: Csrf, raw: Posted) -> Response:
    def call(body: Any, ctx: CommandContext) -> WriteResult:
        return c.roster.post_need(
            user, community_id=body.community_id, kind=body.kind, title=body.title,
            description=body.description, people=body.people, case_id=body.case_id, context=ctx,
        )  # fmt: skip

    return _add(request, c, user, raw, fields_of(raw), NeedCreate, "new", needs_page, call,
                "/ui/needs?done=post")  # fmt: skip


# ----- roster -------------------------------------------------------------------------------


@router.post("/roster/members")
def register_member(
    request: Request, c: ContainerDep, user: PageUser, _: Csrf, raw: Posted
) -> Response:
    def call(body: Any, ctx: CommandContext) -> WriteResult:
        if body.user_id is not None:
            _check_member_account(c, body.user_id, body.community_id)
        return c.roster.register_member(
            user, community_id=body.community_id, name=body.name, phone=body.phone,
            unit_id=body.unit_id, employer=body.employer, skills=body.skills,
            available=body.available, user_id=body.user_id, context=ctx,
        )  # fmt: skip

    return _add(request, c, user, raw, fields_of(raw), MemberCreate, "member", roster_page, call,
                "/ui/roster?done=member")  # fmt: skip


@router.post("/roster/members/{member_id}/leave")
def leave_member(
    request: Request, member_id: UUID, c: ContainerDep, user: PageUser, _: Csrf, raw: Posted
) -> Response:
    c.roster.member(user, member_id)
    return _leave(request, c, user, raw, member_id, c.roster.leave_member, "left")


@router.post("/roster/seats")
def join_council(
    request: Request, c: ContainerDep, user: PageUser, _: Csrf, raw: Posted
) -> Response:
    fields = fields_of(raw)
    place = str(fields.pop("place", ""))
    level, _sep, place_id = place.partition(":")
    fields |= {"level": level or Level.COMMUNITY.value, "place_id": place_id}

    def call(body: Any, ctx: CommandContext) -> WriteResult:
        return c.roster.join_council(
            user, unit_id=body.unit_id, level=body.level, place_id=body.place_id,
            liaison=body.liaison, offers=body.offers, context=ctx,
        )  # fmt: skip

    # the form's one place field stands for the level and the place
    return _add(request, c, user, raw, fields, CouncilUnitCreate, "seat", roster_page, call,
                "/ui/roster?done=seat", shown_as={"place_id": "place", "level": "place"})  # fmt: skip


def _add(request: Request, c: Container, user: User, raw: Any, fields: dict[str, Any],
         model: type[BaseModel], form: str, page: Callable[..., HTMLResponse],
         call: Callable[[Any, CommandContext], WriteResult], done: str,
         shown_as: dict[str, str] | None = None) -> Response:  # fmt: skip
    """A form that adds a need, a member or a seat: refused input is shown beside the
    form (``form``) on its page, kept; else back to the page with what was done.
    ``shown_as``: a model field whose error shows at another form field."""
    values = {k: v for k, v in raw.items() if k not in forms.PLUMBING}
    body, errors = forms.validate(model, fields)
    if body is None:
        for wrong, shown in (shown_as or {}).items():
            if wrong in errors:
                errors[shown] = errors.pop(wrong)
        return page(request, c, user, errors={form: errors}, values={form: values},
                    status_code=422)  # fmt: skip
    try:
        _write(c, user, raw, request.url.path, fields, lambda ctx: call(body, ctx))
    except DomainError as e:
        return page(request, c, user, errors={form: forms.domain_errors(e)},
                    values={form: values}, status_code=status_of(e))  # fmt: skip
    return RedirectResponse(done, status_code=303)


@router.post("/roster/seats/{seat_id}/leave")
def leave_council(
    request: Request, seat_id: UUID, c: ContainerDep, user: PageUser, _: Csrf, raw: Posted
) -> Response:
    c.roster.seat(user, seat_id)
    return _leave(request, c, user, raw, seat_id, c.roster.leave_council, "seat_left")


class _Leave(Protocol):
    def __call__(
        self, user: User, entry_id: UUID, /, *, reason: str, context: CommandContext
    ) -> WriteResult: ...


def _leave(request: Request, c: Container, user: User, raw: Any, entry_id: UUID,
           leave: _Leave, done: str) -> Response:  # fmt: skip
    """A member or a seat leaves the roster (the caller has been shown the entry):
    refused input beside the entry's form, else back to the roster."""
    fields = fields_of(raw)
    body, errors = forms.validate(LeaveCreate, fields)
    key = str(entry_id)
    if body is None:
        return roster_page(request, c, user, errors={key: errors}, status_code=422)
    try:
        _write(c, user, raw, request.url.path, fields,
               lambda ctx: leave(user, entry_id, reason=body.reason, context=ctx))  # fmt: skip
    except RosterNotFound:
        raise
    except DomainError as e:
        return roster_page(request, c, user, errors={key: forms.domain_errors(e)},
                           status_code=status_of(e))  # fmt: skip
    return RedirectResponse(f"/ui/roster?done={done}", status_code=303)
