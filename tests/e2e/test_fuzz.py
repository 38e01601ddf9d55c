"""Property-based fuzzing of the HTTP API from its own OpenAPI document (schemathesis).

Every operation gets generated requests (valid and invalid bodies, parameters and
headers) sent with the admin's token, so authorisation does not mask the rest. About
three quarters of the generated case ids are swapped for a real case in one of a few
states, so writes reach the domain rules instead of stopping at 404.

Properties: no answer is a 5xx; every 4xx is problem+json and wrote no event; every
201 wrote exactly one event (none for a replayed Idempotency-Key) and matches its
documented schema, as does every 200. SQLite only, to keep it quick.

The bugs these suites found (out-of-range instants answering 500 or stopping the ledger
projection, NUL in text and filters, non-ASCII If-Match digits) are pinned by regression
tests in test_endpoints.py; the fuzzer keeps looking for new ones.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, cast
from uuid import UUID

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from application.service import CaseService
from domain.values import Actor, Level, Role, Satisfaction, Solved
from infrastructure.settings import Settings
from interfaces.bootstrap import Container, build_container
from interfaces.cli.users import add_user
from interfaces.http.app import create_app
from tests.support.clock import FakeClock

ADMIN = Actor("fuzz-admin", Role.ADMIN)
# Resolves the setup cases, so the fuzzing admin may record their 回访 (never the resolver).
RESOLVER = Actor("fuzz-resolver", Role.ADMIN)
PROBLEM_JSON = "application/problem+json"


@dataclass
class Target:
    container: Container
    clock: FakeClock
    token: str

    @property
    def service(self) -> CaseService:
        return self.container.service

    def event_count(self) -> int:
        """Events in the case log and in the 双报到 roster's log."""
        roster = self.container.roster.recorder.max_notification_id() or 0
        return (self.service.recorder.max_notification_id() or 0) + roster

    def real_case(self, state: int) -> UUID:
        """A fresh case: reported (0), whistled at street level (1), resolved (2),
        or evaluated unsatisfied (3). Written straight through the service: it is setup."""
        s, now = self.service, self.clock.now
        case_id = s.report_case(
            actor=ADMIN, grid_id="chengshi-huating", category_id="fire-lane", title="消防通道"
        ).case_id
        if state == 1:
            s.escalate(case_id, actor=ADMIN, to_level=Level.STREET, reason="升级")
            s.blow_whistle(
                case_id,
                actor=ADMIN,
                unit_ids=["jianshe-police", "yljw-property"],
                report_in_deadline=now + timedelta(minutes=30),
                reason="吹哨",
            )
        if state >= 2:
            s.resolve(case_id, actor=RESOLVER, summary="已解决")
        if state == 3:
            s.evaluate_case(
                case_id, actor=ADMIN, solved=Solved.UNSOLVED, satisfaction=Satisfaction.UNSATISFIED
            )
        return case_id


class CurrentApp:
    """An ASGI app that forwards to the app of the running test.

    The schema is loaded once at import (``schemathesis.pytest.from_fixture`` does not run
    under this pytest), from an app whose OpenAPI document is the real one; each test then
    points this at an app over a fresh store. Lifespan is answered here: the fixture runs
    the projections itself.
    """

    def __init__(self) -> None:
        self.app: Any = create_app(cast(Container, None), run_projections=False)
        self.openapi_only = self.app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                kind = message["type"].rsplit(".", 1)[-1]  # startup or shutdown
                await send({"type": f"lifespan.{kind}.complete"})
                if kind == "shutdown":
                    return
        await self.app(scope, receive, send)


CURRENT = CurrentApp()
schema = schemathesis.openapi.from_asgi("/openapi.json", CURRENT)


@pytest.fixture
def target(tmp_path: Path) -> Iterator[Target]:
    clock = FakeClock()
    with build_container(Settings(data_dir=tmp_path, database_url=None), clock=clock) as c:
        token = add_user(c, "fuzz-admin", "fuzz-admin", Role.ADMIN, [])
        c.projector.start()
        CURRENT.app = create_app(c, run_projections=False)
        try:
            yield Target(c, clock, token)
        finally:
            CURRENT.app = CURRENT.openapi_only


def _use_real_ids(case: Any, target: Target) -> None:
    """Swap most generated ids for real ones, chosen deterministically from the generated
    data: the path's case (in one of four states), its whistle, and the body's references."""
    params = case.path_parameters or {}
    raw = str(params.get("case_id", ""))
    if not raw:
        return
    digest = sum(raw.encode())
    if digest % 4 == 0:  # keep a quarter of the generated ids: unknown or malformed
        return
    body = case.body if isinstance(case.body, dict) else {}
    refers_to_whistle = "whistle_id" in params or "whistle_id" in body
    state = 1 if refers_to_whistle or "unit_ids" in body else digest % 4
    params["case_id"] = str(target.real_case(state))
    if digest % 3 == 0:  # keep a third of the generated references
        return
    if "whistle_id" in params:
        params["whistle_id"] = "W1"
    if "whistle_id" in body:
        body["whistle_id"] = "W1"
    if isinstance(body.get("unit_id"), str):
        body["unit_id"] = "jianshe-police"
    if isinstance(body.get("unit_ids"), list):
        body["unit_ids"] = ["jianshe-police", "yljw-property"][: max(1, len(body["unit_ids"]))]
    if isinstance(body.get("report_in_deadline"), str):
        body["report_in_deadline"] = (target.clock.now + timedelta(hours=1)).isoformat()
    if isinstance(body.get("original_case_id"), str):
        body["original_case_id"] = str(target.real_case(0))


def _authorise(case: Any, token: str) -> dict[str, str]:
    headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    headers["Authorization"] = f"Bearer {token}"
    case.headers = headers
    return headers


def _content_type(response: Any) -> str:
    value = {k.lower(): v for k, v in response.headers.items()}.get("content-type", "")
    return str(value[0] if isinstance(value, list) else value)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_survives_generated_requests(case: Any, target: Target) -> None:
    _use_real_ids(case, target)
    headers = _authorise(case, target.token)
    before = target.event_count()

    response = case.call(headers=headers)

    written = target.event_count() - before
    status = response.status_code
    where = f"{case.method} {case.formatted_path} -> {status}: {response.content[:300]!r}"
    case.validate_response(response, checks=[not_a_server_error], headers=headers)
    assert status < 500, where
    if 400 <= status < 500:
        assert _content_type(response).startswith(PROBLEM_JSON), where
        body = response.json()
        assert body["status"] == status and body["detail_zh"], where
        assert written == 0, f"a refused request wrote {written} event(s): {where}"
    elif status == 201:
        replayed = "Idempotency-Key" in (case.headers or {})
        assert written == 1 or (replayed and written == 0), where
    if status in (200, 201):
        case.validate_response(response, checks=[response_schema_conformance], headers=headers)
