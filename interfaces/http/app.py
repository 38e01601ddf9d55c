"""The FastAPI application: routers, error table, body limit, lifespan."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from domain.errors import DomainError
from interfaces.bootstrap import Container
from interfaces.http import problems
from interfaces.http.answers import AnswerCache
from interfaces.http.limits import BodyLimit
from interfaces.http.routes import audit, cases, commands, dashboards, inbox, ledger
from interfaces.web import pages

DESCRIPTION = """
街乡吹哨、部门报到 案件办理接口。Grid leads report cases; coordinators escalate, blow whistles
and resolve; department liaisons report in; auditors replay histories and verify hash chains.

Authenticate with `Authorization: Bearer <token>` (tokens come from `chuishao users add`).
Errors are `application/problem+json` with `detail` (English) and `detail_zh` (中文).
Writes answer 201 with the case id, its new version and the log position; send `If-Match: "<version>"`
to make a write conditional and `Idempotency-Key` to make a retry safe.
"""


def create_app(container: Container, *, run_projections: bool = True) -> FastAPI:
    stop_sealing = threading.Event()

    def seal_periodically(interval: float) -> None:
        while not stop_sealing.wait(interval):
            with contextlib.suppress(DomainError):  # database down: try again next time
                container.service.seal()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if run_projections:
            container.projector.start()
        interval = container.settings.seal_interval_seconds
        if interval > 0:
            threading.Thread(
                target=seal_periodically, args=(interval,), daemon=True, name="chuishao-sealer"
            ).start()
        yield
        stop_sealing.set()
        container.projector.stop()

    app = FastAPI(
        title="chuishao 吹哨",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.container = container
    app.state.answers = AnswerCache()
    problems.install(app)
    for module in (cases, commands, inbox, dashboards, ledger, audit):
        app.include_router(module.router)
    pages.install(app)
    app.add_middleware(BodyLimit)
    return app
