"""Audit and operations: verify every hash chain; health with projection lag."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime

from eventsourcing.persistence import InterfaceError, OperationalError
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError

from application.access import Action
from application.errors import StorageUnavailable
from application.log_chain import LogSignature
from interfaces.http.deps import ContainerDep, CurrentUser
from interfaces.http.schemas import (
    ChainProblemPublic,
    CheckpointPublic,
    Health,
    LogProblemPublic,
    LogVerifyResult,
    ProjectionHealth,
    VerifyResult,
)

router = APIRouter(tags=["audit"])


@router.get("/audit/verify", response_model=VerifyResult)
def verify(c: ContainerDep, user: CurrentUser) -> VerifyResult:
    """Check every case's hash chain and events, and the whole log against its signatures
    (every event covered, every signed head reproduced); name every problem."""
    c.policy.require(user, Action.AUDIT)
    report = c.service.verify()
    log = report.log
    return VerifyResult(
        intact=report.intact,
        cases=report.cases,
        events=report.events,
        problems=[ChainProblemPublic(**asdict(p)) for p in report.problems],
        role_separation=c.role_separation,
        log=None
        if log is None
        else LogVerifyResult(
            intact=log.intact,
            signatures=log.signatures,
            signed_position=log.signed_position,
            trust=log.trust,
            keys=log.keys,
            adopted_position=log.adopted_position,
            newest_checkpoint=_public(log.newest_checkpoint),
            checkpoint_age_seconds=log.checkpoint_age(report.checked_at or datetime.now(UTC)),
            problems=[LogProblemPublic(**asdict(p)) for p in log.problems],
        ),
    )


@router.get("/audit/checkpoints", response_model=list[CheckpointPublic])
def checkpoints(c: ContainerDep, user: CurrentUser) -> list[CheckpointPublic]:
    """Every signed checkpoint, adoption and key rotation, newest first: each is a
    self-contained anchor (`chuishao verify --anchor FILE` takes one)."""
    c.policy.require(user, Action.AUDIT)
    return [CheckpointPublic(**row.as_anchor()) for row in reversed(c.service.checkpoints())]


def _public(row: LogSignature | None) -> CheckpointPublic | None:
    return None if row is None else CheckpointPublic(**row.as_anchor())


@router.get("/healthz", response_model=Health)
def healthz(c: ContainerDep) -> JSONResponse:
    """Liveness and projection lag; 503 when the database cannot be reached."""
    try:
        head = c.projector.head()
        positions = c.projector.positions()
    except (StorageUnavailable, OperationalError, InterfaceError, DBAPIError) as e:
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
