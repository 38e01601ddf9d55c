"""双报到 and 共驻共建 over HTTP: council units, in-service members, the community's needs
and the work done on them, each member's record and feedback sheet, a unit's contribution,
and the measures. Writes take Idempotency-Key (and If-Match on a need) like the case routes;
access is the roster service's (application/roster_access.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query
from pydantic import BaseModel

from application.access import Forbidden, User
from application.idempotency import run_once
from application.requests import CommandContext, RequestKey
from application.roster import member_id_of_user
from application.roster_access import RosterNotFound, community_ids_seen
from application.views import WriteResult
from domain.errors import InvalidValue
from domain.values import Level, NeedKind, NeedState, Role
from interfaces.bootstrap import Container
from interfaces.http.deps import ContainerDep, CurrentUser, expected_version, request_hash
from interfaces.http.json_response import FastJSONResponse
from interfaces.http.need_commands import claimed_by, liaison_sees, need_write
from interfaces.http.roster_schemas import (
    ClaimCreate,
    CompletionCreate,
    ConfirmationCreate,
    CouncilUnitCreate,
    FeedbackSheetPublic,
    LeaveCreate,
    MemberCreate,
    MemberPublic,
    MoveCreate,
    NeedCreate,
    NeedPublic,
    RosterMeasuresPublic,
    RosterWriteAccepted,
    SeatPublic,
    ServiceRecordPublic,
    UnitContributionPublic,
)
from projections import roster_reads as reads
from projections.roster import MemberRow, NeedRow, SeatRow
from projections.roster_measures import PlaceMeasures, RosterMeasures, roster_measures

router = APIRouter(tags=["双报到 roster and needs"])
WRITE: dict[str, Any] = {"status_code": 201, "response_model": RosterWriteAccepted}


class RosterCommands:
    """One roster write for the current user: Idempotency-Key, If-Match, the 201 answer."""

    def __init__(
        self,
        c: ContainerDep,
        user: CurrentUser,
        body_hash: Annotated[str, Depends(request_hash)],
        version: Annotated[int | None, Depends(expected_version)],
        idempotency_key: Annotated[
            str | None, Header(alias="Idempotency-Key", description="Retry-safe key (≤200 chars)")
        ] = None,
    ) -> None:
        self.c, self.user, self.version = c, user, version
        self._key, self._hash = idempotency_key, body_hash

    def run(self, call: Callable[[CommandContext], WriteResult], location: str) -> FastJSONResponse:
        key = RequestKey(self.user.user_id, self._key, self._hash) if self._key else None
        result = run_once(
            self.c.idempotency,
            CommandContext(request_key=key),
            write=call,
            answer=self.c.roster.recorded_answer,
        )
        body = RosterWriteAccepted(
            id=result.case_id, version=result.version, position=result.position
        ).model_dump(mode="json")
        headers = {"Location": location.format(id=result.case_id), "ETag": f'"{result.version}"'}
        return FastJSONResponse(body, status_code=201, headers=headers)

    def need(self, need_id: UUID, name: str, body: BaseModel) -> FastJSONResponse:
        """The need command ``name`` (need_commands.NEED_COMMANDS) with its If-Match."""
        write = need_write(self.c.roster, self.user, need_id, name, body, self.version)
        return self.run(write, "/needs/{id}")


RosterCommandsDep = Annotated[RosterCommands, Depends(RosterCommands)]


# ----- council units ---------------------------------------------------------------------


@router.post("/council-units", **WRITE)
def join_council(body: CouncilUnitCreate, cmd: RosterCommandsDep) -> FastJSONResponse:
    """A unit joins a community's or street's 共驻共建 council (coordinator of the place)."""
    return cmd.run(
        lambda ctx: cmd.c.roster.join_council(
            cmd.user,
            unit_id=body.unit_id,
            level=body.level,
            place_id=body.place_id,
            liaison=body.liaison,
            offers=body.offers,
            context=ctx,
        ),
        "/council-units/{id}",
    )


@router.get("/council-units", response_model=list[SeatPublic])
def list_council_units(
    c: ContainerDep,
    user: CurrentUser,
    community_id: str | None = None,
    unit_id: str | None = None,
    include_left: bool = False,
) -> list[SeatPublic]:
    view = c.roster_view.refresh()
    if user.role is Role.LIAISON:
        rows = reads.seats(view, unit_id=user.unit_id, active_only=not include_left)
    else:
        _require_reader(user)
        seen = community_ids_seen(user, c.roster.policy)
        wanted = _narrow(seen, community_id)
        rows = reads.seats(view, communities=wanted, unit_id=unit_id, active_only=not include_left)
    return [seat_public(c, s) for s in rows]


@router.post("/council-units/{seat_id}/leave", **WRITE)
def leave_council(seat_id: UUID, body: LeaveCreate, cmd: RosterCommandsDep) -> FastJSONResponse:
    return cmd.run(
        lambda ctx: cmd.c.roster.leave_council(cmd.user, seat_id, reason=body.reason, context=ctx),
        "/council-units/{id}",
    )


@router.get("/units/{unit_id}/contribution", response_model=UnitContributionPublic)
def unit_contribution(
    unit_id: str,
    c: ContainerDep,
    user: CurrentUser,
    start: str | None = None,
    end: str | None = None,
) -> UnitContributionPublic:
    """A unit's contribution to its communities: its liaison, auditors and admins."""
    if unit_id not in c.service.jurisdiction.units:
        raise RosterNotFound("单位", unit_id)
    if not (user.role in (Role.AUDITOR, Role.ADMIN) or user.unit_id == unit_id):
        raise RosterNotFound("单位", unit_id)
    got = reads.unit_contribution(
        c.roster_view.refresh(), unit_id, start=_instant(start, "start"), end=_instant(end, "end")
    )
    return UnitContributionPublic(
        unit_id=unit_id,
        unit_name=c.service.jurisdiction.units[unit_id].name,
        seats=[seat_public(c, s) for s in got.seats],
        items=[vars(i) | {} for i in got.items],  # type: ignore[misc]
        unit_hours=got.unit_hours,
        members=got.members,
        member_hours=got.member_hours,
        by_community=got.by_community,
    )


# ----- members ---------------------------------------------------------------------------


@router.post("/members", **WRITE)
def register_member(body: MemberCreate, cmd: RosterCommandsDep) -> FastJSONResponse:
    """An 在职党员 registers with the community where they live (its coordinator records
    it). Name and phone go to the erasable contact store, never into the log."""
    if body.user_id is not None:
        _check_member_account(cmd.c, body.user_id, body.community_id)
    return cmd.run(
        lambda ctx: cmd.c.roster.register_member(
            cmd.user,
            community_id=body.community_id,
            name=body.name,
            phone=body.phone,
            unit_id=body.unit_id,
            employer=body.employer,
            skills=body.skills,
            available=body.available,
            user_id=body.user_id,
            context=ctx,
        ),
        "/members/{id}",
    )


@router.get("/members", response_model=list[MemberPublic])
def list_members(
    c: ContainerDep,
    user: CurrentUser,
    community_id: str | None = None,
    include_left: bool = False,
) -> list[MemberPublic]:
    """The roster: a coordinator's communities, a liaison's own employees, everything for
    auditors. Names only (phones on the member's own page, a logged read)."""
    view = c.roster_view.refresh()
    if user.role is Role.LIAISON:
        rows = reads.members(view, unit_id=user.unit_id, active_only=not include_left)
    else:
        _require_reader(user)
        wanted = _narrow(community_ids_seen(user, c.roster.policy), community_id)
        rows = reads.members(view, communities=wanted, active_only=not include_left)
    names = c.roster.member_names([UUID(m.member_id) for m in rows])
    return [member_public(m, names.get(UUID(m.member_id))) for m in rows]


@router.get("/members/me", response_model=MemberPublic)
def read_own_member(c: ContainerDep, user: CurrentUser) -> MemberPublic:
    """A member's own roster entry (role member): where their record and needs start."""
    if user.role is not Role.MEMBER:
        raise RosterNotFound("报到党员", "me")
    return read_member(member_id_of_user(user.user_id), c, user)


@router.get("/members/{member_id}", response_model=MemberPublic)
def read_member(member_id: UUID, c: ContainerDep, user: CurrentUser) -> MemberPublic:
    contact = c.roster.member_contact(user, member_id)  # checks access, logs the read
    row = _member_row(c, member_id)
    return member_public(row, contact.name, contact.phone)


@router.post("/members/{member_id}/leave", **WRITE)
def leave_member(member_id: UUID, body: LeaveCreate, cmd: RosterCommandsDep) -> FastJSONResponse:
    return cmd.run(
        lambda ctx: cmd.c.roster.leave_member(cmd.user, member_id, reason=body.reason, context=ctx),
        "/members/{id}",
    )


@router.post("/members/{member_id}/move", **WRITE)
def move_member(member_id: UUID, body: MoveCreate, cmd: RosterCommandsDep) -> FastJSONResponse:
    return cmd.run(
        lambda ctx: cmd.c.roster.move_member(
            cmd.user, member_id, community_id=body.community_id, context=ctx
        ),
        "/members/{id}",
    )


@router.post("/members/{member_id}/erasure", **WRITE)
def forget_member(member_id: UUID, body: LeaveCreate, cmd: RosterCommandsDep) -> FastJSONResponse:
    """Erase the member's name and phone (PIPL; administrators). Records, sheets and
    exports show 已删除 from then on."""
    return cmd.run(
        lambda ctx: cmd.c.roster.forget_member(
            cmd.user, member_id, reason=body.reason, context=ctx
        ),
        "/members/{id}",
    )


@router.get("/members/{member_id}/record", response_model=ServiceRecordPublic)
def member_record(
    member_id: UUID,
    c: ContainerDep,
    user: CurrentUser,
    start: str | None = None,
    end: str | None = None,
) -> ServiceRecordPublic:
    """活动记录: every need the member claimed; hours count confirmed work."""
    c.roster.member(user, member_id)  # access
    view = c.roster_view.refresh()
    row = _member_row(c, member_id)
    got = reads.member_record(
        view, str(member_id), start=_instant(start, "start"), end=_instant(end, "end")
    )
    name = c.roster.member_names([member_id])[member_id]
    return ServiceRecordPublic(
        member=member_public(row, name),
        items=[vars(i) for i in got.items],  # type: ignore[misc]
        confirmed_hours=got.confirmed_hours,
        confirmed=got.confirmed,
    )


@router.get("/members/{member_id}/feedback", response_model=FeedbackSheetPublic)
def member_feedback(
    member_id: UUID,
    c: ContainerDep,
    user: CurrentUser,
    start: Annotated[str, Query(description="ISO 8601 with offset")],
    end: Annotated[str, Query(description="ISO 8601 with offset")],
) -> FeedbackSheetPublic:
    """反馈卡 for the employer: confirmed work done in [start, end), hours, assessments."""
    c.roster.member(user, member_id)
    view = c.roster_view.refresh()
    row = _member_row(c, member_id)
    begin, until = _required(start, "start"), _required(end, "end")
    if until <= begin:
        raise InvalidValue("结束时间须晚于开始时间", "end must be after start", field="end")
    got = reads.feedback_sheet(view, str(member_id), start=begin, end=until)
    name = c.roster.member_names([member_id])[member_id]
    return FeedbackSheetPublic(
        member=member_public(row, name),
        start=got.start,
        end=got.end,
        items=[vars(i) for i in got.items],  # type: ignore[misc]
        hours=got.hours,
        assessments=got.assessments,
        overall=got.overall,  # type: ignore[arg-type]
    )


# ----- needs -------------------------------------------------------------------------------


@router.post("/needs", **WRITE)
def post_need(body: NeedCreate, cmd: RosterCommandsDep) -> FastJSONResponse:
    """A community posts a need (需求清单); with ``case_id``, a need of that case."""
    return cmd.run(
        lambda ctx: cmd.c.roster.post_need(
            cmd.user,
            community_id=body.community_id,
            kind=body.kind,
            title=body.title,
            description=body.description,
            people=body.people,
            case_id=body.case_id,
            context=ctx,
        ),
        "/needs/{id}",
    )


@router.get("/needs", response_model=list[NeedPublic])
def list_needs(
    c: ContainerDep,
    user: CurrentUser,
    community_id: str | None = None,
    state: str | None = None,
    case_id: str | None = None,
    mine: bool = False,
) -> list[NeedPublic]:
    """The needs a caller may see: a member's community, a coordinator's communities, a
    liaison's seats' communities (and what its unit claimed); ``mine``: claimed by me."""
    view = c.roster_view.refresh()
    if user.role is Role.LIAISON:
        seen = frozenset(n.community_id for n in view.needs.values() if liaison_sees(view, user, n))
    else:
        _require_reader(user, member_ok=True)
        seen = community_ids_seen(user, c.roster.policy)  # type: ignore[assignment]
    rows = reads.needs(view, communities=_narrow(seen, community_id), state=state, case_id=case_id)
    if mine:
        rows = [n for n in rows if claimed_by(user, n)]
    return [need_public(n) for n in rows]


@router.get("/needs/{need_id}", response_model=NeedPublic)
def read_need(need_id: UUID, c: ContainerDep, user: CurrentUser) -> NeedPublic:
    c.roster.need(user, need_id)
    row = c.roster_view.refresh().needs.get(str(need_id))
    if row is None:
        raise RosterNotFound("需求", need_id)
    return need_public(row)


@router.post("/needs/{need_id}/claims", **WRITE)
def claim_need(need_id: UUID, body: ClaimCreate, cmd: RosterCommandsDep) -> FastJSONResponse:
    """认领: a member for themself (their community only), a liaison for their unit's
    council seat, a coordinator on behalf of a member or seat."""
    return cmd.need(need_id, "claims", body)


@router.post("/needs/{need_id}/release", **WRITE)
def release_need(need_id: UUID, body: LeaveCreate, cmd: RosterCommandsDep) -> FastJSONResponse:
    """The claimant gives the need back (or the community takes it back): posted again."""
    return cmd.need(need_id, "release", body)


@router.post("/needs/{need_id}/completion", **WRITE)
def complete_need(
    need_id: UUID, body: CompletionCreate, cmd: RosterCommandsDep
) -> FastJSONResponse:
    """The claimant records hours and a short result; the need awaits confirmation."""
    return cmd.need(need_id, "completion", body)


@router.post("/needs/{need_id}/confirmation", **WRITE)
def confirm_need(
    need_id: UUID, body: ConfirmationCreate, cmd: RosterCommandsDep
) -> FastJSONResponse:
    """The community confirms the work with its assessment; a need of a case then shows
    in the case's timeline (共驻共建服务)."""
    return cmd.need(need_id, "confirmation", body)


@router.post("/needs/{need_id}/cancellation", **WRITE)
def cancel_need(need_id: UUID, body: LeaveCreate, cmd: RosterCommandsDep) -> FastJSONResponse:
    return cmd.need(need_id, "cancellation", body)


# ----- measures ----------------------------------------------------------------------------


@router.get("/roster-measures", response_model=RosterMeasuresPublic)
def measures(
    c: ContainerDep,
    user: CurrentUser,
    start: Annotated[str, Query(description="ISO 8601 with offset")],
    end: Annotated[str, Query(description="ISO 8601 with offset")],
    as_of: str | None = None,
) -> RosterMeasuresPublic:
    """报到率, hours per member and per unit, needs met and how fast — per community,
    per street and in all, over the communities the caller sees (docs/measures.md)."""
    _require_reader(user)
    begin, until = _required(start, "start"), _required(end, "end")
    if until <= begin:
        raise InvalidValue("结束时间须晚于开始时间", "end must be after start", field="end")
    at = _instant(as_of, "as_of") or c.roster.clock()
    j = c.service.jurisdiction
    got = measures_seen(c, user, start=begin, end=until, as_of=at)

    def place(p: PlaceMeasures, names: dict[str, Any]) -> dict[str, Any]:
        found = names.get(p.place_id)
        return {
            "place_id": p.place_id,
            "name": found.name if found else "合计",
            "members": p.members,
            "served": p.served,
            "report_rate": p.report_rate,
            "member_hours": p.member_minutes / 60,
            "hours_per_member": p.hours_per_member,
            "units": p.units,
            "unit_hours": p.unit_minutes / 60,
            "hours_per_unit": p.hours_per_unit,
            "needs_posted": p.needs_posted,
            "needs_met": p.needs_met,
            "met_rate": p.met_rate,
            "median_hours_to_claim": p.median_hours_to_claim,
            "median_hours_to_confirm": p.median_hours_to_confirm,
        }

    return RosterMeasuresPublic.model_validate(
        {
            "start": begin,
            "end": until,
            "as_of": at,
            "communities": [place(p, j.communities) for p in got.communities.values()],
            "streets": [place(p, j.streets) for p in got.streets.values()],
            "total": place(got.total, {}),
            "unit_hours": got.unit_hours,
        }
    )


def measures_seen(
    c: Container, user: User, *, start: datetime, end: datetime, as_of: datetime
) -> RosterMeasures:
    """The measures over the communities the caller sees (this route's, and the console
    panel's beside the case dashboards)."""
    j = c.service.jurisdiction
    return roster_measures(
        c.roster_view.refresh(),
        start=start,
        end=end,
        as_of=as_of,
        street_of={k: v.street_id for k, v in j.communities.items()},
        communities=community_ids_seen(user, c.roster.policy),
    )


# ----- shapes and checks -------------------------------------------------------------------


def seat_public(c: Container, s: SeatRow) -> SeatPublic:
    unit = c.service.jurisdiction.units.get(s.unit_id)
    return SeatPublic(
        id=UUID(s.seat_id),
        unit_id=s.unit_id,
        unit_name=unit.name if unit else s.unit_id,
        level=Level(s.level),
        place_id=s.place_id,
        street_id=s.street_id,
        liaison=s.liaison,
        offers=s.offers,
        active=s.active,
        joined_at=s.joined_at,
        left_at=s.left_at,
    )


def member_public(m: MemberRow, name: str | None, phone: str | None = None) -> MemberPublic:
    return MemberPublic(
        id=UUID(m.member_id),
        name=name,
        phone=phone,
        community_id=m.community_id,
        street_id=m.street_id,
        unit_id=m.unit_id,
        employer=m.employer,
        skills=m.skills,
        available=m.available,
        user_id=m.user_id,
        active=m.active,
        registered_at=m.registered_at,
        left_at=m.left_at,
        contact_erased=m.contact_erased,
        version=m.version,
    )


def need_public(n: NeedRow) -> NeedPublic:
    return NeedPublic.model_validate(
        vars(n)
        | {
            "id": n.need_id,
            "hours": n.hours,
            "kind_label": NeedKind(n.kind).label,
            "state_label": NeedState(n.state).label,
        }
    )


def _member_row(c: Container, member_id: UUID) -> MemberRow:
    row = c.roster_view.refresh().members.get(str(member_id))
    if row is None:
        raise RosterNotFound("报到党员", member_id)
    return row


def _require_reader(user: User, *, member_ok: bool = False) -> None:
    allowed = {Role.COORDINATOR, Role.ADMIN, Role.AUDITOR} | ({Role.MEMBER} if member_ok else set())
    if user.role not in allowed:
        raise Forbidden(
            f"{user.role.label}无权查看报到名册", f"role {user.role.value} may not read this"
        )


def _narrow(seen: frozenset[str] | None, community_id: str | None) -> frozenset[str] | None:
    if community_id is None:
        return seen
    if seen is not None and community_id not in seen:
        return frozenset()  # outside the caller's scope: an empty list, like an unknown id
    return frozenset({community_id})


def _check_member_account(c: Container, user_id: str, community_id: str) -> None:
    """A member's account must be a member user of the community they register with."""
    account = next((u for u in c.users.all() if u.user_id == user_id), None)
    if account is None or account.role is not Role.MEMBER:
        raise InvalidValue(
            "user_id 须为角色为在职党员的账号",
            "user_id must name a user of role member",
            field="user_id",
        )
    if community_id not in account.scope_ids("community"):
        raise InvalidValue(
            "该账号不属于此社区", "that account is scoped to another community", field="user_id"
        )


def _required(text: str, field: str) -> datetime:
    at = _instant(text, field)
    if at is None:
        raise InvalidValue(f"须指定 {field}", f"{field} is required", field=field)
    return at


def _instant(text: str | None, field: str) -> datetime | None:
    if text is None or not text.strip():
        return None
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidValue(
            f"{field} 不是 ISO 8601 时间", f"{field} is not an ISO 8601 instant", field=field
        ) from None
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidValue(f"{field} 须带时区偏移", f"{field} needs a UTC offset", field=field)
    try:
        return at.astimezone(UTC)
    except OverflowError:
        raise InvalidValue(f"{field} 超出范围", f"{field} is out of range", field=field) from None
