"""Operations: GET /metrics (Prometheus) and GET /readyz (ready for traffic).

/healthz (routes/audit.py) says the process is alive; /readyz says whether a load
balancer should send it requests: the database answers and every view is within the
lag bound (CHUISHAO_READY_MAX_LAG_EVENTS / _SECONDS): the views the reads answer from,
not the webhook outbox.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from application.access import Forbidden, Unauthenticated
from application.errors import StorageUnavailable
from domain.values import Role
from infrastructure.metrics import CONTENT_TYPE, exposition
from interfaces.http.deps import BearerCredentials, ContainerDep, user_of_token
from interfaces.http.json_response import FastJSONResponse
from interfaces.http.live_metrics import LiveMetrics
from interfaces.http.problems import problem
from projections.lag import view_lags

router = APIRouter(tags=["operations"])
SCRAPERS = frozenset({Role.ADMIN, Role.AUDITOR})


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE: {}}, "description": "Prometheus text format"}},
)
def metrics(request: Request, c: ContainerDep, credentials: BearerCredentials) -> Response:
    """Prometheus metrics. Needs the scrape token (CHUISHAO_METRICS_TOKEN) or an admin's or
    auditor's token: the route names and counts say what the service is doing."""
    token = credentials.credentials if credentials is not None else None
    scrape = c.settings.metrics_token
    if not (
        token
        and scrape is not None
        and hmac.compare_digest(token.encode(), scrape.get_secret_value().encode())
    ):
        user = user_of_token(c, token)
        if user is None:
            raise Unauthenticated()
        if user.role not in SCRAPERS:
            raise Forbidden(
                "只有管理员和审计员可以读取运行指标", "metrics are for admins and auditors"
            )
        request.state.user_id = user.user_id
    return Response(exposition([LiveMetrics(c)]), media_type=CONTENT_TYPE)


@router.get("/readyz")
def readyz(c: ContainerDep) -> JSONResponse:
    """200 when the database answers and every view is within the lag bound; else 503
    (problem+json naming what is not ready). No token: a load balancer asks it."""
    settings = c.settings
    try:
        # The views reads depend on; the outbox (webhooks) lagging must not take the
        # web workers out of the load balancer: its lag is a metric.
        lags = view_lags(c.projector, datetime.now(UTC))
    except StorageUnavailable:
        return problem(
            503,
            "not_ready",
            "数据库不可用",
            "the database cannot be reached",
            database="unavailable",
        )
    views: dict[str, Any] = {
        lag.name: {
            "position": lag.position,
            "lag": lag.events,
            "lag_seconds": round(lag.seconds, 3),
        }
        for lag in lags
    }
    behind = sorted(
        lag.name
        for lag in lags
        if lag.events > settings.ready_max_lag_events
        or lag.seconds > settings.ready_max_lag_seconds
    )
    if behind:
        return problem(
            503,
            "not_ready",
            f"统计视图落后过多：{'、'.join(behind)}",
            f"views behind the log beyond the bound: {', '.join(behind)}",
            database="ok",
            views=views,
            behind=behind,
        )
    return FastJSONResponse({"status": "ready", "database": "ok", "views": views})
