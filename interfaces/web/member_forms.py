"""Console forms on one 报到党员's page (/ui/members/{id}): moved house to another
community (迁移报到社区), left the roster (退出报到), and an administrator's erasure of the
member's name and phone (删除个人信息, PIPL).

Each calls the same ``RosterService`` command as ``POST /members/{id}/move|leave|erasure``,
with the console's CSRF check and one-time form key (a double submit writes once); the
service checks who may, as over the API. Refused input is shown beside the form, kept, in
Chinese; what the caller may not see is a 404 page. Erasure cannot be undone, so its form
must carry the ticked confirmation: without it nothing is written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel

from application.access import Forbidden, User
from application.requests import CommandContext
from application.roster_access import RosterNotFound
from application.views import WriteResult
from domain.errors import DomainError
from interfaces.bootstrap import Container
from interfaces.http.deps import ContainerDep
from interfaces.http.problems import status_of
from interfaces.http.roster_schemas import LeaveCreate, MoveCreate
from interfaces.web import forms
from interfaces.web.commands import Posted
from interfaces.web.roster_forms import _write, fields_of
from interfaces.web.roster_pages import member_page, member_rights
from interfaces.web.session import Csrf, PageUser

router = APIRouter(prefix="/ui", include_in_schema=False)
CONFIRM = "confirm"  # the erasure form's checkbox: not part of the API's body
CONFIRM_ZH = "删除后无法恢复：请勾选确认后再提交"
REFUSED = {
    "move": ("只有该党员报到社区的协调员可以迁移报到社区", "only the community's coordinator moves a member"),
    "leave": ("只有该党员报到社区的协调员或党员本人可以登记退出报到", "only the community's coordinator or the member records leaving"),
    "erase": ("删除个人信息须由管理员执行", "only an administrator erases contacts"),
}  # fmt: skip
MEMBER_FORMS: dict[str, type[BaseModel]] = {
    "move": MoveCreate,
    "leave": LeaveCreate,
    "erase": LeaveCreate,
}


def _call(c: Container, user: User, name: str, member_id: UUID, body: Any
          ) -> Callable[[CommandContext], WriteResult]:  # fmt: skip
    r = c.roster
    match name:
        case "move":
            return lambda ctx: r.move_member(
                user, member_id, community_id=body.community_id, context=ctx
            )
        case "leave":
            return lambda ctx: r.leave_member(user, member_id, reason=body.reason, context=ctx)
    return lambda ctx: r.forget_member(user, member_id, reason=body.reason, context=ctx)


@router.post("/members/{member_id}/{name}")
def member_command(
    request: Request,
    member_id: UUID,
    name: str,
    c: ContainerDep,
    user: PageUser,
    _: Csrf,
    raw: Posted,
) -> Response:
    model = MEMBER_FORMS.get(name)
    if model is None:
        raise RosterNotFound("操作", name)
    try:
        member = c.roster.member(user, member_id)
    except RosterNotFound:
        # Not (or no longer: moved out by this very form) the caller's to see: a form sent
        # twice is answered as the first was, anything else is a 404 (page or command).
        member = None
    if member is not None and name not in member_rights(c, user, member):
        raise Forbidden(*REFUSED[name])  # before the input is looked at
    fields = fields_of(raw)
    confirmed = fields.pop(CONFIRM, "") == "yes"
    values = {k: v for k, v in raw.items() if k not in forms.PLUMBING}

    def again(errors: dict[str, str], status_code: int) -> Response:
        return member_page(request, c, user, member_id, errors={name: errors},
                           values={name: values}, status_code=status_code)  # fmt: skip

    body, errors = forms.validate(model, fields)
    if name == "erase" and not confirmed:
        errors[CONFIRM] = CONFIRM_ZH
    if body is None or errors:
        return again(errors, 422)
    try:
        _write(c, user, raw, request.url.path, fields, _call(c, user, name, member_id, body))
    except RosterNotFound:
        raise
    except DomainError as e:
        return again(forms.domain_errors(e), status_of(e))
    if name == "move" and not c.roster.policy.manages(user, body.community_id):
        # Handed over to another community's coordinator: no longer this caller's to see.
        return RedirectResponse("/ui/roster?done=moved", status_code=303)
    return RedirectResponse(f"/ui/members/{member_id}?done={name}", status_code=303)
