"""Audit and operations: verify every hash chain; health with projection lag."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from application.access import Action
from application.errors import StorageUnavailable
from application.log_audit import LogReport
from application.log_chain import LogSignature
from application.signed_log import checkpoints_of_logs
from interfaces.bootstrap import Container
from interfaces.http.deps import ContainerDep, CurrentUser
from interfaces.http.schemas import (
    ChainProblemPublic,
    CheckpointPublic,
    ContactReadPublic,
    ErasurePublic,
    Health,
    ListedCheckpointPublic,
    LogProblemPublic,
    LogVerifyResult,
    ProjectionHealth,
    SignedLogVerifyResult,
    VerifyResult,
    ViewDifferencePublic,
    ViewsVerifyResult,
)
from projections.audit import audit_views

router = APIRouter(tags=["audit"])


@router.get("/audit/verify", response_model=VerifyResult)
def verify(c: ContainerDep, user: CurrentUser, views: bool = False) -> VerifyResult:
    """Check every case's hash chain and events, and the whole log against its signatures
    (every event covered, every signed head reproduced); with ``views=true`` also check the
    views against the log. Names every problem."""
    c.policy.require(user, Action.AUDIT)
    report = c.service.verify()
    log = report.log
    roster = c.roster.signed_log.verify() if c.roster.signed_log is not None else None
    result = VerifyResult(
        intact=report.intact,
        cases=report.cases,
        events=report.events,
        problems=[ChainProblemPublic(**asdict(p)) for p in report.problems],
        role_separation=c.role_separation,
        log=_log_result(log, report.checked_at),
        roster=None
        if roster is None
        else SignedLogVerifyResult(
            name=roster.name,
            label=roster.label,
            intact=roster.intact,
            aggregates=roster.aggregates,
            events=roster.events,
            problems=[ChainProblemPublic(**asdict(p)) for p in roster.problems],
            log=_log_result(roster.log, roster.checked_at),
        ),
    )
    result.intact = result.intact and (roster is None or roster.intact)
    if views:
        result.views = views_result(c)
        result.intact = result.intact and result.views.intact
    return result


def _log_result(log: LogReport | None, checked_at: datetime | None) -> LogVerifyResult | None:
    if log is None:
        return None
    return LogVerifyResult(
        intact=log.intact,
        signatures=log.signatures,
        signed_position=log.signed_position,
        trust=log.trust,
        keys=log.keys,
        adopted_position=log.adopted_position,
        newest_checkpoint=_public(log.newest_checkpoint),
        checkpoint_age_seconds=log.checkpoint_age(checked_at or datetime.now(UTC)),
        problems=[LogProblemPublic(**asdict(p)) for p in log.problems],
    )


def views_result(c: Container) -> ViewsVerifyResult:
    checked = audit_views(c.projector)
    return ViewsVerifyResult(
        intact=checked.intact,
        position=checked.position,
        cases=checked.cases,
        rows=checked.rows,
        total=checked.total,
        differences=[ViewDifferencePublic(**asdict(d)) for d in checked.differences],
    )


@router.get("/audit/checkpoints", response_model=list[ListedCheckpointPublic])
def checkpoints(c: ContainerDep, user: CurrentUser) -> list[ListedCheckpointPublic]:
    """Every signed checkpoint, adoption and key rotation of both logs, each newest first:
    the case log's (``log: cases``) then the 双报到 roster log's (``log: roster``). Each is
    a self-contained anchor (`chuishao verify --anchor FILE` takes a case log's,
    `--roster-anchor FILE` a roster log's)."""
    c.policy.require(user, Action.AUDIT)
    others = [c.roster.signed_log] if c.roster.signed_log is not None else []
    return [
        ListedCheckpointPublic(**cp.row.as_anchor(), log=cp.log, log_label=cp.label)
        for cp in checkpoints_of_logs(c.service.checkpoints(), others)
    ]


def _public(row: LogSignature | None) -> CheckpointPublic | None:
    return None if row is None else CheckpointPublic(**row.as_anchor())


@router.get("/audit/erasures", response_model=list[ErasurePublic])
def erasures(c: ContainerDep, user: CurrentUser) -> list[ErasurePublic]:
    """Every erasure of a resident's contact: case, operator, role, reason, time (oldest first)."""
    c.policy.require(user, Action.AUDIT)
    return [ErasurePublic(**asdict(e)) for e in c.service.erasures()]


@router.get("/audit/contact-reads", response_model=list[ContactReadPublic])
def contact_reads(
    c: ContainerDep,
    user: CurrentUser,
    case_id: UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[ContactReadPublic]:
    """Who read which case's resident contact, and when (newest first)."""
    c.policy.require(user, Action.AUDIT)
    return [
        ContactReadPublic(**asdict(r))
        for r in c.service.contact_reads(case_id, limit=limit, offset=offset)
    ]


@router.get("/healthz", response_model=Health)
def healthz(c: ContainerDep) -> JSONResponse:
    """Liveness and projection lag; 503 when the database cannot be reached."""
    try:
        head = c.projector.head()
        positions = c.projector.positions()
    except StorageUnavailable as e:
        body = Health(status="degraded", database="unavailable", head=0, projections={})
        return JSONResponse(body.model_dump() | {"error": type(e).__name__}, status_code=503)
    degraded = c.projector.failing
    body = Health(
        status="degraded" if degraded else "ok",
        database="ok",
        head=head,
        projections={n: ProjectionHealth(position=p, lag=head - p) for n, p in positions.items()},
    )
    return JSONResponse(body.model_dump(), status_code=200)
