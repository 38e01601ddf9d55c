"""Cases: report one, list them, read one now or as it was, read its history."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from application.access import Action
from application.views import CaseSnapshot, WriteResult
from domain.errors import InvalidValue
from domain.events import EVENT_LABELS
from domain.places import check_location
from domain.rules import check_aware
from interfaces.http.case_filter import CaseFilters
from interfaces.http.deps import CommandsDep, ContainerDep, CurrentUser, scope_of
from interfaces.http.merge_schemas import CaseReported, LikelyDuplicatePublic
from interfaces.http.schemas import (
    CaseCreate,
    CaseList,
    CasePublic,
    ContactPublic,
    ErasureCreate,
    EventPublic,
    LedgerRow,
    WhistlePublic,
)
from interfaces.http.waiting import wait_for_position
from projections.case_duplicates import Draft

router = APIRouter(tags=["cases"])


@router.post("/cases", status_code=201, response_model=CaseReported)
def report_case(body: CaseCreate, commands: CommandsDep, c: ContainerDep) -> JSONResponse:
    """A grid lead reports a case in a grid of their scope (上报). The answer lists the
    case's likely duplicates the caller may see (可能重复的案件; a coordinator may merge
    them: ``POST /cases/{id}/merges``)."""

    def likely(result: WriteResult) -> dict[str, Any]:
        draft = Draft(
            body.grid_id,
            body.category_id,
            body.title,
            body.description,
            c.service.clock(),
            exclude_case_id=str(result.case_id),
        )
        found = c.duplicates.likely(draft, scope_of(commands.user, c))
        if not found:  # like whistle_id and late: absent when there is nothing to say
            return {}
        return {
            "likely_duplicates": [
                LikelyDuplicatePublic(**asdict(d)).model_dump(mode="json") for d in found
            ]
        }

    return commands.new_case(
        lambda: c.service.jurisdiction.placement(body.grid_id),
        lambda ctx: c.service.report_case(
            actor=commands.actor,
            grid_id=body.grid_id,
            category_id=body.category_id,
            title=body.title,
            description=body.description,
            channel=body.channel,
            urgency=body.urgency,
            resident_name=body.resident_name,
            resident_phone=body.resident_phone,
            location=None
            if body.location is None
            else check_location(body.location.lat, body.location.long),
            context=ctx,
        ),
        extra=likely,
    )


@router.get("/cases", response_model=CaseList)
def list_cases(
    c: ContainerDep,
    user: CurrentUser,
    filters: CaseFilters,
    reported_from: Annotated[
        datetime | None, Query(description="inclusive, ISO-8601 with zone")
    ] = None,
    reported_to: Annotated[
        datetime | None, Query(description="exclusive, ISO-8601 with zone")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    min_position: Annotated[
        int | None, Query(ge=0, description="wait until views include this log position")
    ] = None,
) -> CaseList:
    """The case ledger in the caller's scope, newest first."""
    c.policy.require(user, Action.READ)
    for name, moment in (("reported_from", reported_from), ("reported_to", reported_to)):
        if moment is not None:
            check_aware(moment, field=name)
    ledger = wait_for_position(c, min_position).side.ledger
    rows, total = ledger.list_cases(
        replace(filters.filter, reported_from=reported_from, reported_to=reported_to),
        scope_of(user, c),
        limit=limit,
        offset=offset,
    )
    return CaseList(items=[LedgerRow(**r) for r in rows], total=total, limit=limit, offset=offset)


@router.get("/cases/{case_id}", response_model=CasePublic)
def get_case(
    case_id: UUID,
    c: ContainerDep,
    user: CurrentUser,
    response: Response,
    version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
    as_of: Annotated[datetime | None, Query(description="ISO-8601 with zone")] = None,
) -> CasePublic:
    """The case now, at a version (?version=N), or as it was at a moment (?as_of=)."""
    current = c.service.get_case(case_id)
    c.policy.require(user, Action.READ, current)
    if version is not None and as_of is not None:
        raise InvalidValue("version 与 as_of 只能二选一", "give version or as_of, not both")
    if as_of is not None and as_of.tzinfo is None:
        raise InvalidValue("as_of 须带时区", "as_of needs a time zone")
    snapshot = (
        current
        if version is None and as_of is None
        else c.service.case_at(case_id, version=version, as_of=as_of)
    )
    response.headers["ETag"] = f'"{snapshot.version}"'
    return case_public(snapshot)


@router.get("/cases/{case_id}/events", response_model=list[EventPublic])
def case_events(case_id: UUID, c: ContainerDep, user: CurrentUser) -> list[EventPublic]:
    """Every event of the case: version, type, time, actor, data and chain hashes."""
    c.policy.require(user, Action.READ, c.service.get_case(case_id))
    return [
        EventPublic(**asdict(r), label=EVENT_LABELS.get(r.type, r.type))
        for r in c.service.history(case_id)
    ]


def case_public(s: CaseSnapshot) -> CasePublic:
    return CasePublic(
        **{k: v for k, v in asdict(s).items() if k not in {"whistles"}},
        status_label=s.status.label,
        pledged_fen=s.pledged_fen,
        callers=s.callers,
        whistles=[WhistlePublic(**asdict(w)) for w in s.whistles],
    )


@router.get("/cases/{case_id}/resident", response_model=ContactPublic)
def resident_contact(case_id: UUID, c: ContainerDep, user: CurrentUser) -> ContactPublic:
    """The resident's name and phone (grid leads and coordinators in scope, admins).

    Every read is logged (who, when, which case); auditors list the log."""
    c.policy.require(user, Action.CONTACT, c.service.get_case(case_id))
    contact = c.service.resident_contact(case_id, reader=user.actor)
    if contact is None:
        return ContactPublic(case_id=case_id, name=None, phone=None, erased_at=None, erased_by=None)
    return ContactPublic(**asdict(contact))


@router.post("/cases/{case_id}/resident/erasure", response_model=ContactPublic)
def forget_resident(
    case_id: UUID, body: ErasureCreate, c: ContainerDep, user: CurrentUser
) -> ContactPublic:
    """Erase the resident's name and phone (admins; PIPL). The contact's key is destroyed
    and a ``ResidentContactErased`` event records who, when and why; the case's history
    stays whole and verifiable. Allowed on closed cases too, changing nothing else."""
    c.policy.require(user, Action.FORGET, c.service.get_case(case_id))
    c.service.forget_resident(case_id, actor=user.actor, reason=body.reason)
    case = c.service.get_case(case_id)
    return ContactPublic(
        case_id=case_id,
        name=None,
        phone=None,
        erased_at=case.contact_erased_at,
        erased_by=case.contact_erased_by,
    )
