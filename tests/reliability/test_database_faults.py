"""PostgreSQL restarted mid-load: 503 (never 500) while it is down, recovery by itself,
and no acknowledged write lost. Uses a throwaway cluster, not the shared server."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from application.errors import StorageUnavailable
from domain.values import Role
from infrastructure.settings import Settings
from interfaces.bootstrap import Container, build_container
from interfaces.cli.users import add_user
from interfaces.http.app import create_app
from tests.reliability.throwaway_pg import ThrowawayCluster
from tests.support.acked_writers import AckedWriters

CASE = {"grid_id": "binhewan", "category_id": "ebike", "title": "数据库故障测试"}


@pytest.fixture
def cluster() -> Iterator[ThrowawayCluster]:
    if shutil.which("runuser") is None or os.geteuid() != 0:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("the database fault test needs root to run a throwaway cluster")
        pytest.skip("needs root to run a throwaway PostgreSQL cluster")
    c = ThrowawayCluster()
    c.start()
    try:
        yield c
    finally:
        c.destroy()


@pytest.fixture
def app(cluster: ThrowawayCluster, tmp_path: Path) -> Iterator[tuple[TestClient, Container, str]]:
    settings = Settings(
        database_url=cluster.url,
        data_dir=tmp_path,
        pool_size=4,
        checkpoint_interval_seconds=0,
        checkpoint_every_events=0,
    )
    with build_container(settings) as c:
        token = add_user(c, "admin", "admin", Role.ADMIN, [])
        with TestClient(create_app(c)) as client:
            yield client, c, token


def test_database_restart_answers_503_then_recovers_losing_nothing(
    cluster: ThrowawayCluster, app: tuple[TestClient, Container, str]
) -> None:
    client, container, token = app
    headers = {"Authorization": f"Bearer {token}"}
    writers = AckedWriters(client, headers, CASE, count=3, problem_json=True).start()
    acked, statuses = writers.acked, writers.statuses
    time.sleep(1.0)
    cluster.stop()
    time.sleep(1.5)
    down = client.get("/cases", headers=headers)
    health = client.get("/healthz")
    cluster.start()
    time.sleep(2.0)
    writers.stop()

    assert down.status_code == 503 and health.status_code == 503
    assert 503 in statuses, "no request met the database while it was down"
    assert 500 not in statuses
    after = client.post("/cases", json=CASE, headers=headers)
    assert after.status_code == 201, after.text
    log = {
        (str(n.originator_id), n.originator_version)
        for n in container.service.recorder.select_notifications(1, 100_000)
    }
    assert set(acked) <= log
    assert container.service.verify().intact
    head = container.projector.head()
    deadline = time.monotonic() + 60
    while min(container.projector.positions().values()) < head and time.monotonic() < deadline:
        time.sleep(0.2)
    assert min(container.projector.positions().values()) == head, "views did not recover"
    assert client.get("/healthz").json()["status"] == "ok"


def test_with_the_database_stopped_every_store_raises_storage_unavailable(
    cluster: ThrowawayCluster, app: tuple[TestClient, Container, str]
) -> None:
    client, c, token = app
    assert client.post("/cases", json=CASE, headers={"Authorization": f"Bearer {token}"}).is_success
    c.projector.stop()  # its own retries would race the reads below
    cluster.stop()
    # One read of the event log (the library retries for ~25 s before giving up), then
    # each SQL store: all raise the project's error, none a driver's.
    reads = {
        "event log head": c.projector.head,
        "users": lambda: c.users.by_token_hash("0" * 64),
        "idempotency keys": lambda: c.idempotency.get("admin", "k"),
        "view positions": c.projector.positions,
        "ledger": lambda: c.ledger.inbox("jianshe-police"),
    }
    untranslated: dict[str, str] = {}
    for what, read in reads.items():
        try:
            read()
        except StorageUnavailable:
            continue
        except Exception as e:
            untranslated[what] = type(e).__name__
        else:
            untranslated[what] = "no error"
    assert untranslated == {}
    r = client.get("/healthz")
    assert r.status_code == 503 and r.json()["database"] == "unavailable"
