"""A store whose database went away answers 503 problem+json (never 500), though the HTTP
layer names no driver: the adapters raise StorageUnavailable in place of their errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from tests.support.api import Api
from tests.unreachable import BACKENDS, unreachable_engine


@pytest.fixture(params=BACKENDS)
def down(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    engine = unreachable_engine(request.param, tmp_path / "down")
    yield engine
    engine.dispose()


def assert_storage_unavailable(r: httpx.Response) -> None:
    assert r.status_code == 503, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.headers["retry-after"] == "5"
    body = r.json()
    assert body["code"] == "storage_unavailable" and body["status"] == 503
    assert body["detail_zh"] == "数据库暂时不可用，请稍后重试"


def test_users_store_unreachable_answers_503(api: Api, down: Engine) -> None:
    users = api.container.users
    # Every request looks its caller up first (on the reader); changes use the writer.
    users.engine = users.reader = down
    assert_storage_unavailable(api.get("coordinator", "/cases"))


def test_ledger_unreachable_answers_503(api: Api, down: Engine) -> None:
    api.container.ledger.engine = down
    assert_storage_unavailable(api.get("coordinator", "/cases"))


def test_idempotency_store_unreachable_answers_503_writing_nothing(api: Api, down: Engine) -> None:
    before = api.event_count()
    api.container.idempotency.engine = down
    body = {"grid_id": "chengshi-huating", "category_id": "fire-lane", "title": "车辆占用消防通道"}
    assert_storage_unavailable(api.post("grid_lead", "/cases", body, **{"Idempotency-Key": "k1"}))
    assert api.event_count() == before


def test_views_unreachable_make_health_503(api: Api, down: Engine) -> None:
    for view in api.container.projector.views:
        view.reader = down
    r = api.client.get("/healthz")
    assert r.status_code == 503
    assert r.json()["database"] == "unavailable"
