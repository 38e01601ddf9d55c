"""Audit and operations: verify every hash chain; health with projection lag."""

from __future__ import annotations

from dataclasses import asdict

from eventsourcing.persistence import InterfaceError, OperationalError
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError

from application.access import Action
from application.errors import StorageUnavailable
from interfaces.bootstrap import Container
from interfaces.http.deps import ContainerDep, CurrentUser
from interfaces.http.schemas import (
    ChainProblemPublic,
    Health,
    ProjectionHealth,
    VerifyResult,
    ViewDifferencePublic,
    ViewsVerifyResult,
)
from projections.audit import audit_views

router = APIRouter(tags=["audit"])


@router.get("/audit/verify", response_model=VerifyResult)
def verify(c: ContainerDep, user: CurrentUser, views: bool = False) -> VerifyResult:
    """Recompute every case's hash chain and name the first broken event of each;
    with ``views=true`` also check the views against the log and name every difference."""
    c.policy.require(user, Action.AUDIT)
    report = c.service.verify()
    result = VerifyResult(
        intact=report.intact,
        cases=report.cases,
        events=report.events,
        problems=[ChainProblemPublic(**asdict(p)) for p in report.problems],
    )
    if views:
        result.views = views_result(c)
        result.intact = result.intact and result.views.intact
    return result


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
