"""The FastAPI application: routers, error table, body limit, lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from interfaces.bootstrap import Container
from interfaces.checkpointer import Checkpointer
from interfaces.http import docs, openapi, problems
from interfaces.http.answers import AnswerCache
from interfaces.http.limits import MULTIPART_SLACK, BodyLimit
from interfaces.http.observability import Observability
from interfaces.http.routes import (
    audit,
    cases,
    commands,
    dashboards,
    files,
    inbox,
    inbox_stream,
    ledger,
    merges,
    notifications,
    open311,
    operations,
    province,
    queue,
    reference,
    roster,
    work_orders,
)
from interfaces.web import pages, roster_console
from interfaces.web import queue as queue_page
from interfaces.web.csp import ConsolePolicy

DESCRIPTION = """
街乡吹哨、部门报到 案件办理接口。Grid leads report cases; coordinators escalate, blow whistles
and resolve; department liaisons report in; auditors replay histories and verify hash chains.

Authenticate with `Authorization: Bearer <token>` (tokens come from `chuishao users add`).
Errors are `application/problem+json` with `detail` (English) and `detail_zh` (中文).
Writes answer 201 with the case id, its new version and the log position; send `If-Match: "<version>"`
to make a write conditional and `Idempotency-Key` to make a retry safe.
"""


def create_app(
    container: Container,
    *,
    run_projections: bool = True,
    run_notifications: bool = False,
    run_checkpoints: bool = True,
    owns_container: bool = False,
) -> FastAPI:
    """``run_notifications``: the deadline timer and webhook sender in the background
    (`chuishao serve` turns it on; an app built for tests leaves it off). Under
    `serve --workers N` the web workers run none of the three: their own processes do
    (interfaces/supervisor.py); ``owns_container``: closed when the app stops."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if run_projections:
            container.projector.start()
        if run_notifications:
            container.notifier.start()
        checkpoints = Checkpointer(
            container.service,
            every_seconds=container.settings.checkpoint_interval_seconds,
            every_events=container.settings.checkpoint_every_events,
            others=[container.roster.signed_log] if container.roster.signed_log else [],
        )
        if run_checkpoints:
            checkpoints.start()
        yield
        checkpoints.stop()
        container.notifier.stop()
        container.projector.stop()
        if owns_container:
            container.close()

    app = FastAPI(
        title="chuishao 吹哨",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served from packaged assets by docs.install
        redoc_url=None,
    )
    app.state.container = container
    app.state.answers = AnswerCache()
    problems.install(app)
    for module in (
        cases,
        commands,
        merges,
        files,
        inbox,
        inbox_stream,
        dashboards,
        ledger,
        audit,
        reference,
        queue,
        notifications,
        work_orders,
        operations,
        province,
        roster,
    ):
        app.include_router(module.router)
    app.include_router(open311.router)
    pages.install(app)
    queue_page.install(app)
    roster_console.install(app)
    docs.install(app)
    openapi.install(app)
    app.add_middleware(ConsolePolicy)
    # Read when a request comes: the container (and its settings) may be set later.
    app.add_middleware(
        BodyLimit,
        upload_bytes=lambda: app.state.container.settings.max_upload_bytes + MULTIPART_SLACK,
    )
    app.add_middleware(Observability)  # outermost: its time and status are the caller's
    return app
