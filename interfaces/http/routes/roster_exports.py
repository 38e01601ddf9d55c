"""The 双报到 documents as files: a member's 活动记录 and 反馈卡, an employer unit's 反馈卡,
each as XLSX or PDF. Reads: a bearer token, or the console's session (its links).

Who: a member's files go to whoever may see the member (its coordinator, the member, its
employer's liaison, auditors, admins), anyone else gets 404 like the member's API. A
unit's card goes to the unit's liaison, auditors and admins; units are public reference
data, so another unit's liaison is refused (403) rather than told it does not exist."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import Response

from application.access import Forbidden, User
from application.roster_access import RosterNotFound
from domain.values import Role
from interfaces.bootstrap import Container
from interfaces.http.deps import ContainerDep, CurrentUser
from interfaces.http.openapi import XLSX_MEDIA_TYPE, download
from interfaces.roster_documents import (
    Document,
    member_feedback,
    member_record,
    period_bound,
    required_period,
    unit_feedback,
)
from interfaces.roster_pdf import PDF_MEDIA_TYPE, font_path, pdf_bytes
from interfaces.roster_xlsx import xlsx_bytes
from projections.roster import RosterView

router = APIRouter(tags=["双报到 roster and needs"])
Format = Literal["xlsx", "pdf"]
Bound = Annotated[
    str | None,
    Query(description="日期（北京时间，如 2016-04-01；截止日含当天）或带时区的 ISO 8601 时间"),
]
FILES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "XLSX 或 PDF",
        "content": {
            **download(XLSX_MEDIA_TYPE, "")["content"],
            **download(PDF_MEDIA_TYPE, "")["content"],
        },
    }
}


def file_response(c: Container, doc: Document, fmt: Format) -> Response:
    if fmt == "pdf":
        body, media = pdf_bytes(doc, font_path(c.settings.pdf_font)), PDF_MEDIA_TYPE
    else:
        body, media = xlsx_bytes(doc), XLSX_MEDIA_TYPE
    return Response(
        body,
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="{doc.filename}.{fmt}"',
            "Cache-Control": "no-store",  # names of people: not kept by caches
        },
    )


def names(c: Container) -> Callable[[list[UUID]], dict[UUID, str | None]]:
    return lambda ids: c.roster.member_names(ids)


def member_file(
    c: Container,
    member_id: UUID,
    fmt: Format,
    build: Callable[[RosterView, dict[UUID, str | None]], Document],
) -> Response:
    """A member's document as a file, once the caller's access is checked: the member
    must be in the view (404 else), their name comes from the contact store."""
    view = c.roster_view.refresh()
    if str(member_id) not in view.members:
        raise RosterNotFound("报到党员", member_id)
    return file_response(c, build(view, c.roster.member_names([member_id])), fmt)


@router.get("/members/{member_id}/record.{fmt}", response_class=Response, responses=FILES)
def record_file(
    member_id: UUID,
    fmt: Format,
    c: ContainerDep,
    user: CurrentUser,
    start: Bound = None,
    end: Bound = None,
) -> Response:
    """活动记录 as a file: every need the member claimed (in the period, if given)."""
    c.roster.member(user, member_id)  # access: 404 when the caller may not see the member
    return member_file(
        c,
        member_id,
        fmt,
        lambda view, names: member_record(
            view,
            member_id,
            names,
            c.service.jurisdiction,
            start=period_bound(start, "start"),
            end=period_bound(end, "end", end=True),
        ),
    )


@router.get("/members/{member_id}/feedback.{fmt}", response_class=Response, responses=FILES)
def feedback_file(
    member_id: UUID,
    fmt: Format,
    c: ContainerDep,
    user: CurrentUser,
    start: Bound = None,
    end: Bound = None,
) -> Response:
    """反馈卡 for the member's employer over [start, end]: confirmed work, hours, the
    community's assessments."""
    c.roster.member(user, member_id)
    begin, until = required_period(start, end)
    return member_file(
        c,
        member_id,
        fmt,
        lambda view, names: member_feedback(
            view, member_id, names, c.service.jurisdiction, start=begin, end=until
        ),
    )


def require_unit_reader(c: Container, user: User, unit_id: str) -> None:
    if unit_id not in c.service.jurisdiction.units:
        raise RosterNotFound("单位", unit_id)
    if user.role in (Role.AUDITOR, Role.ADMIN):
        return
    if user.role is Role.LIAISON and user.unit_id == unit_id:
        return
    raise Forbidden(
        "只有本单位联络员、审计员和管理员可以查看单位反馈卡",
        "a unit's feedback sheet is for its liaison, auditors and admins",
    )


@router.get("/units/{unit_id}/feedback.{fmt}", response_class=Response, responses=FILES)
def unit_feedback_file(
    unit_id: str,
    fmt: Format,
    c: ContainerDep,
    user: CurrentUser,
    start: Bound = None,
    end: Bound = None,
) -> Response:
    """The employer unit's 反馈卡 for [start, end]: its members' confirmed service and the
    needs the unit took on itself, with the community's assessments."""
    require_unit_reader(c, user, unit_id)
    begin, until = required_period(start, end)
    doc = unit_feedback(
        c.roster_view.refresh(),
        unit_id,
        names(c),
        c.service.jurisdiction,
        start=begin,
        end=until,
    )
    return file_response(c, doc, fmt)
