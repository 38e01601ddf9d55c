"""Console pages of 双报到 and 共驻共建 (issue 19): the needs (需求清单) with the forms each
role may use on them, the roster (members and council seats), a member's 活动记录 with
its downloads, and the measures panel beside the case dashboards.

Reads are the roster projection's (projections/roster_reads.py), access the roster
service's: what a caller may not see is a 404 page, as over the API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from application.access import Forbidden, User
from application.roster import member_id_of_user
from application.roster_access import RosterNotFound, community_ids_seen
from domain.errors import DomainError
from domain.jurisdiction import Jurisdiction
from domain.roster import Member
from domain.times import BEIJING
from domain.values import Assessment, ClaimantKind, NeedKind, NeedState, Role
from interfaces.bootstrap import Container
from interfaces.http.deps import ContainerDep
from interfaces.http.need_commands import claimed_by, liaison_sees
from interfaces.http.routes.roster import measures_seen
from interfaces.roster_documents import period_bound
from interfaces.web import forms
from interfaces.web.session import PageUser
from projections import roster_reads as reads
from projections.roster import NeedRow, RosterView
from projections.roster_measures import PlaceMeasures

router = APIRouter(prefix="/ui", include_in_schema=False)
ROSTER_ROLES = frozenset({Role.COORDINATOR, Role.ADMIN, Role.AUDITOR, Role.LIAISON, Role.MEMBER})
MANAGERS = frozenset({Role.COORDINATOR, Role.ADMIN})
STATE_CHOICES = [("", "全部"), *((s.value, s.label) for s in NeedState)]
Place = Annotated[str, Query(max_length=64)]


def _render(request: Request, name: str, user: User, **context: Any) -> HTMLResponse:
    from interfaces.web.pages import render  # the page renderer lives with the other pages

    return render(request, name, user, **context)


def _form_page(
    request: Request,
    name: str,
    user: User,
    status_code: int,
    *,
    errors: dict[str, dict[str, str]] | None,
    values: dict[str, Any] | None,
    done: str,
    **context: Any,
) -> HTMLResponse:
    """A page of forms: each form's refused input and kept values, their one-time keys,
    and the note of what was just done."""
    response = _render(
        request,
        name,
        user,
        errors=errors or {},
        values=values or {},
        done=done,
        form_key=forms.new_form_key,
        **context,
    )
    response.status_code = status_code
    return response


def require_roster_role(user: User) -> None:
    if user.role not in ROSTER_ROLES:
        raise Forbidden(
            f"{user.role.label}不使用双报到名册", f"role {user.role.value} has no roster pages"
        )


# ----- needs -------------------------------------------------------------------------------


def visible_needs(c: Container, user: User, view: RosterView) -> list[NeedRow]:
    """The needs the caller may see, as GET /needs answers them."""
    if user.role is Role.LIAISON:
        return [n for n in reads.needs(view) if liaison_sees(view, user, n)]
    return reads.needs(view, communities=community_ids_seen(user, c.roster.policy))


def actions_for(c: Container, user: User, n: NeedRow, view: RosterView) -> list[str]:
    """The forms to offer on a need: the service still checks each."""
    manages = c.roster.policy.manages(user, n.community_id)
    mine = claimed_by(user, n)
    out = []
    if n.state == NeedState.POSTED.value and user.role in (Role.MEMBER, Role.LIAISON):
        out.append("claim")
    if n.state == NeedState.POSTED.value and manages:
        out.append("claim_for")  # a claim made by telephone, recorded by the community
    if n.state == NeedState.CLAIMED.value and (mine or manages):
        out += ["complete", "release"]
    if n.state == NeedState.DONE.value and manages:
        out.append("confirm")
    if n.state in (NeedState.POSTED.value, NeedState.CLAIMED.value) and manages:
        out.append("cancel")
    return out


def claimant_text(c: Container, n: NeedRow, names: dict[UUID, str | None]) -> str:
    if n.claimant_id is None:
        return ""
    if n.claimant_kind == ClaimantKind.UNIT.value:
        unit = c.service.jurisdiction.units.get(n.claimant_unit_id or "")
        return unit.name if unit else (n.claimant_unit_id or "")
    return names.get(UUID(n.claimant_id)) or "已删除"


def claimant_choices(c: Container, view: RosterView, community_id: str) -> list[tuple[str, str]]:
    """Who a coordinator may record a claim for: the community's members on the roster and
    the units whose active seat covers it (``kind:id``)."""
    street = c.service.jurisdiction.communities[community_id].street_id
    members = reads.members(view, communities={community_id})
    names = c.roster.member_names([UUID(m.member_id) for m in members])
    units = c.service.jurisdiction.units
    out = [
        (f"member:{m.member_id}", f"党员：{names.get(UUID(m.member_id)) or '已删除'}")
        for m in members
    ]
    out += [
        (f"unit:{s.seat_id}", f"单位：{units[s.unit_id].name if s.unit_id in units else s.unit_id}")
        for s in view.seats.values()
        if s.active and s.place_id == (community_id if s.level == "community" else street)
    ]
    return out


def needs_page(
    request: Request,
    c: Container,
    user: User,
    *,
    state: str = "",
    community: str = "",
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
    done: str = "",
) -> HTMLResponse:
    require_roster_role(user)
    view = c.roster_view.refresh()
    rows = visible_needs(c, user, view)
    if state:
        rows = [n for n in rows if n.state == state]
    if community:
        rows = [n for n in rows if n.community_id == community]
    mine = [n for n in rows if claimed_by(user, n)]
    member_ids = {
        UUID(n.claimant_id)
        for n in rows
        if n.claimant_kind == ClaimantKind.MEMBER.value and n.claimant_id
    }
    names = c.roster.member_names(sorted(member_ids)) if member_ids else {}
    j = c.service.jurisdiction
    managed = [(k, v.name) for k, v in j.communities.items() if c.roster.policy.manages(user, k)]
    claimants = {
        k: claimant_choices(c, view, k)
        for k in {n.community_id for n in rows if "claim_for" in actions_for(c, user, n, view)}
    }
    return _form_page(
        request,
        "roster_needs.html",
        user,
        status_code,
        errors=errors,
        values=values,
        done=done,
        needs=rows,
        mine={n.need_id for n in mine},
        actions={n.need_id: actions_for(c, user, n, view) for n in rows},
        claimant={n.need_id: claimant_text(c, n, names) for n in rows},
        claimants=claimants,
        communities={k: v.name for k, v in j.communities.items()},
        managed=managed,
        kinds=[(k.value, k.label) for k in NeedKind],
        assessments=[(a.value, a.label) for a in Assessment],
        states=STATE_CHOICES,
        state=state,
        community=community,
        NeedKind=NeedKind,
        NeedState=NeedState,
        Assessment=Assessment,
        me=member_id_of_user(user.user_id) if user.role is Role.MEMBER else None,
    )


@router.get("/needs", response_class=HTMLResponse)
def needs(
    request: Request,
    c: ContainerDep,
    user: PageUser,
    state: str = "",
    community: Place = "",
    done: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    """需求清单: a member's community's needs (认领, 完成), a coordinator's (发布, 确认),
    a liaison's seats' communities (认领 for the unit)."""
    state = state if state in {s.value for s in NeedState} else ""
    return needs_page(request, c, user, state=state, community=community, done=done)


@router.get("/me")
def my_record(c: ContainerDep, user: PageUser) -> Response:
    """A member's own 活动记录."""
    if user.role is not Role.MEMBER:
        raise RosterNotFound("报到党员", "me")
    return RedirectResponse(f"/ui/members/{member_id_of_user(user.user_id)}", status_code=303)


# ----- roster --------------------------------------------------------------------------------


def roster_page(
    request: Request,
    c: Container,
    user: User,
    *,
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
    done: str = "",
) -> HTMLResponse:
    require_roster_role(user)
    if user.role is Role.MEMBER:
        raise Forbidden("报到党员请查看本人活动记录", "members see their own record")
    view = c.roster_view.refresh()
    j = c.service.jurisdiction
    if user.role is Role.LIAISON:
        members = reads.members(view, unit_id=user.unit_id, active_only=False)
        seats = reads.seats(view, unit_id=user.unit_id, active_only=False)
        contribution = reads.unit_contribution(view, user.unit_id or "")
    else:
        seen = community_ids_seen(user, c.roster.policy)
        members = reads.members(view, communities=seen, active_only=False)
        seats = reads.seats(view, communities=seen, active_only=False)
        contribution = None
    names = c.roster.member_names([UUID(m.member_id) for m in members])
    managed = [(k, v.name) for k, v in j.communities.items() if c.roster.policy.manages(user, k)]
    streets = [(k, v.name) for k, v in j.streets.items() if c.roster.policy.manages_street(user, k)]
    places = [(f"community:{k}", f"社区：{n}") for k, n in managed] + [
        (f"street:{k}", f"街道：{n}") for k, n in streets
    ]
    today = datetime.now(UTC).astimezone(BEIJING).date()
    return _form_page(
        request,
        "roster_members.html",
        user,
        status_code,
        errors=errors,
        values=values,
        done=done,
        members=members,
        seats=seats,
        names={m.member_id: names.get(UUID(m.member_id)) for m in members},
        communities={k: v.name for k, v in j.communities.items()},
        streets={k: v.name for k, v in j.streets.items()},
        units=sorted(((u.id, u.name) for u in j.units.values()), key=lambda u: u[1]),
        unit_names={u.id: u.name for u in j.units.values()},
        managed=managed,
        places=places,
        manages=bool(managed),
        contribution=contribution,
        month_start=today.replace(day=1).isoformat(),
        today=today.isoformat(),
    )


@router.get("/roster", response_class=HTMLResponse)
def roster(
    request: Request,
    c: ContainerDep,
    user: PageUser,
    done: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    """报到名册: members and council seats; a coordinator registers and removes them, a
    liaison sees its unit's members, their records and the unit's 反馈卡."""
    return roster_page(request, c, user, done=done)


@router.get("/members/{member_id}", response_class=HTMLResponse)
def member(
    request: Request,
    member_id: UUID,
    c: ContainerDep,
    user: PageUser,
    start: Annotated[str, Query(max_length=40)] = "",
    end: Annotated[str, Query(max_length=40)] = "",
    done: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    """活动记录: every need the member claimed, confirmed hours, the downloads; and the
    forms a coordinator (or the member, or an administrator) uses on the member."""
    return member_page(request, c, user, member_id, start=start, end=end, done=done)


def member_page(
    request: Request,
    c: Container,
    user: User,
    member_id: UUID,
    *,
    start: str = "",
    end: str = "",
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
    done: str = "",
) -> HTMLResponse:
    require_roster_role(user)
    member = c.roster.member(user, member_id)  # 404 when the caller may not see the member
    view = c.roster_view.refresh()
    if str(member_id) not in view.members:
        raise RosterNotFound("报到党员", member_id)
    begin, until = period_bound(start, "start"), period_bound(end, "end", end=True)
    record = reads.member_record(view, str(member_id), start=begin, end=until)
    name = c.roster.member_names([member_id])[member_id]
    j = c.service.jurisdiction
    today = datetime.now(UTC).astimezone(BEIJING).date()
    unit = j.units.get(record.member.unit_id or "")
    response = _render(
        request,
        "roster_record.html",
        user,
        record=record,
        member_name=name,
        member_id=member_id,
        community=j.communities[record.member.community_id].name
        if record.member.community_id in j.communities
        else record.member.community_id,
        employer=unit.name if unit else record.member.employer,
        communities={k: v.name for k, v in j.communities.items()},
        start=start,
        end=end,
        month_start=today.replace(day=1).isoformat(),
        today=today.isoformat(),
        NeedKind=NeedKind,
        NeedState=NeedState,
        Assessment=Assessment,
        may=member_actions(c, user, member),
        move_choices=_move_choices(j, member.community_id),
        errors=errors or {},
        values=values or {},
        done=done,
        form_key=forms.new_form_key,
    )
    response.status_code = status_code
    return response


def _move_choices(j: Jurisdiction, current: str) -> list[tuple[str, str]]:
    """Every other community of the jurisdiction, as 街道 · 社区 (a move may leave the
    coordinator's street: the new community's coordinator takes the member over)."""
    streets = {k: v.name for k, v in j.streets.items()}
    return [
        (k, f"{streets.get(v.street_id, v.street_id)} · {v.name}")
        for k, v in j.communities.items()
        if k != current
    ]


def member_rights(c: Container, user: User, member: Member) -> frozenset[str]:
    """The member commands the caller's role and scope allow, as the roster service
    decides them: the community's coordinator (or an administrator) moves and records
    leaving, the member leaves themself, only an administrator erases."""
    manages = c.roster.policy.manages(user, member.community_id)
    own = user.role is Role.MEMBER and member.user_id == user.user_id
    found = {"move", "leave"} if manages else {"leave"} if own else set()
    if user.role is Role.ADMIN:
        found.add("erase")
    return frozenset(found)


def member_actions(c: Container, user: User, member: Member) -> frozenset[str]:
    """The member forms the caller gets: their rights, where the member's state still
    takes the command (the service checks both again)."""
    state = {"move": member.active, "leave": member.active, "erase": not member.contact_erased_at}
    return frozenset(n for n in member_rights(c, user, member) if state[n])


# ----- the measures panel beside the case dashboards ------------------------------------------


def roster_panel(request: Request, user: User | None, from_month: str, to_month: str,
                 as_of: str) -> dict[str, Any] | None:  # fmt: skip
    """双报到 measures over the dashboard's months and instant, for the roles that read
    them (coordinator, auditor, admin); None for the others (or unreadable parameters:
    the dashboard itself says what is wrong with them)."""
    if user is None or user.role not in (Role.COORDINATOR, Role.AUDITOR, Role.ADMIN):
        return None
    c: Container = request.app.state.container
    try:
        at = period_bound(as_of, "as_of") or c.roster.clock()
        start = _month(from_month) or datetime(2000, 1, 1, tzinfo=BEIJING)
        end = _month(to_month, after=True) or at
    except (ValueError, DomainError):  # a bad parameter: the dashboard itself says so
        return None
    if end <= start:
        return None
    j = c.service.jurisdiction
    got = measures_seen(c, user, start=start, end=end, as_of=at)

    def row(p: PlaceMeasures, name: str) -> dict[str, Any]:
        return {"name": name, "m": p}

    return {
        "start": start,
        "end": end,
        "as_of": at,
        "total": row(got.total, "合计"),
        "streets": [row(p, _name(j.streets, p.place_id)) for p in got.streets.values()],
        "communities": [row(p, _name(j.communities, p.place_id)) for p in got.communities.values()],
    }


def _name(table: dict[str, Any], key: str) -> str:
    found = table.get(key)
    return found.name if found else key


def _month(text: str, *, after: bool = False) -> datetime | None:
    """``YYYY-MM`` → the month's first instant in Beijing (``after``: the next month's)."""
    if not text:
        return None
    year, month = (int(p) for p in text.split("-"))
    if after:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return datetime(year, month, 1, tzinfo=BEIJING)
