"""Failover: the primary crashes under load, its synchronous standby is promoted, and the
service — whose URL points at a moving address (a virtual IP; here a forwarding port) —
reconnects to the new primary by itself: every acknowledged write is there, the chains
verify, and writes and views carry on. Throwaway clusters only."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from domain.values import Role
from infrastructure.settings import Settings
from interfaces.bootstrap import build_container
from interfaces.cli.users import add_user
from interfaces.http.app import create_app
from projections.queries import CaseFilter, Scope
from tests.reliability.standby_pair import StandbyPair, require_root
from tests.support.acked_writers import AckedWriters
from tests.support.tcp_proxy import TcpProxy

CASE = {"grid_id": "binhewan", "category_id": "ebike", "title": "主备切换测试"}
RECOVERY_SECONDS = 90


@pytest.fixture
def pair() -> Iterator[StandbyPair]:
    require_root()
    p = StandbyPair(synchronous=True)
    try:
        yield p
    finally:
        p.destroy()


@pytest.fixture
def vip(pair: StandbyPair) -> Iterator[TcpProxy]:
    proxy = TcpProxy(pair.primary.port)
    try:
        yield proxy
    finally:
        proxy.close()


def test_after_failover_the_service_reconnects_losing_no_acknowledged_write(
    pair: StandbyPair, vip: TcpProxy, tmp_path: Path
) -> None:
    settings = Settings(
        database_url=f"postgresql://postgres@127.0.0.1:{vip.port}/postgres",
        data_dir=tmp_path,
        pool_size=3,
        checkpoint_interval_seconds=0,
        checkpoint_every_events=0,
        notify=False,
    )
    # Server errors come back as 500s (not raised in the writer threads) and are counted.
    with (
        build_container(settings) as c,
        TestClient(create_app(c), raise_server_exceptions=False) as client,
    ):
        headers = {"Authorization": f"Bearer {add_user(c, 'admin', 'admin', Role.ADMIN, [])}"}
        writers = AckedWriters(client, headers, CASE, count=2).start()
        acked, statuses = writers.acked, writers.statuses
        _until(lambda: len(acked) >= 10, "no writes before the failover")
        pair.primary.stop()  # a crash: immediate, no checkpoint
        before = len(acked)
        pair.standby.promote()
        vip.move(pair.standby.port)  # what Patroni + a VIP (or HAProxy's check) do
        _until(lambda: len(acked) >= before + 10, "no writes after the failover")
        writers.stop()

        assert 500 not in statuses, statuses
        assert pair.sql(pair.standby, "SELECT pg_is_in_recovery()") == [(False,)]
        log = {
            (str(n.originator_id), n.originator_version)
            for n in c.service.recorder.select_notifications(1, 100_000)
        }
        assert set(acked) <= log, "an acknowledged write is missing on the new primary"
        assert c.service.verify().intact
        head = c.projector.head()
        _until(lambda: min(c.projector.positions().values()) >= head, "views did not recover")
        rows, _ = c.ledger.list_cases(CaseFilter(), Scope(everything=True), limit=10**6, offset=0)
        assert {case_id for case_id, _ in acked} <= {str(r["case_id"]) for r in rows}
        assert client.get("/healthz").json()["status"] == "ok"


def _until(done: object, message: str) -> None:
    assert callable(done)
    deadline = time.monotonic() + RECOVERY_SECONDS
    while time.monotonic() < deadline:
        if done():
            return
        time.sleep(0.1)
    pytest.fail(message)
