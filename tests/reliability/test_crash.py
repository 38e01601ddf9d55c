"""Crash safety: kill -9 the server and the projection worker under write load (PostgreSQL).

Clients retry every write with its Idempotency-Key until it is answered 201. After
the chaos: every answered write is in the log exactly once, the chains verify, and
the restarted worker's views match the log.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from sqlalchemy import func, select

from domain.values import Role
from infrastructure.settings import Settings
from interfaces.bootstrap import build_container
from interfaces.cli.users import add_user
from projections.ledger_tables import cases
from tests.support.processes import CLI, free_port

WRITERS = 6
LOAD_SECONDS = 10
CASE = {"grid_id": "binhewan", "category_id": "ebike", "title": "崩溃测试"}


@dataclass
class Chaos:
    env: dict[str, str]
    port: int
    server: subprocess.Popen[bytes] | None = None
    worker: subprocess.Popen[bytes] | None = None
    kills: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start_server(self) -> None:
        self.server = subprocess.Popen(
            [*CLI, "serve", "--port", str(self.port), "--no-projections"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(200):
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code in (200, 503):
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        raise AssertionError("server did not come up")

    def start_worker(self) -> None:
        self.worker = subprocess.Popen(
            [*CLI, "project"], env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    def kill(self, which: str) -> None:
        proc = self.server if which == "server" else self.worker
        assert proc is not None
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        self.kills.append(which)

    def stop(self) -> None:
        for proc in (self.server, self.worker):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=10)


@pytest.fixture
def chaos(settings: Settings) -> Iterator[tuple[Chaos, str, Settings]]:
    if settings.database_url is None:
        pytest.skip("crash test runs against PostgreSQL")
    with build_container(settings) as c:
        token = add_user(c, "chaos-admin", "chaos", Role.ADMIN, [])
    env = {
        **os.environ,
        "CHUISHAO_DATABASE_URL": settings.database_url.get_secret_value(),
        "CHUISHAO_DATABASE_SCHEMA": settings.database_schema,
        "CHUISHAO_DATA_DIR": str(settings.data_dir),
    }
    run = Chaos(env, free_port())
    run.start_server()
    run.start_worker()
    try:
        yield run, token, settings
    finally:
        run.stop()


def test_acknowledged_writes_survive_kill_9_of_server_and_worker(
    chaos: tuple[Chaos, str, Settings],
) -> None:
    run, token, settings = chaos
    headers = {"Authorization": f"Bearer {token}"}
    acked: dict[str, tuple[str, int]] = {}
    lock = threading.Lock()
    stop = threading.Event()
    rng = random.Random(7)

    def send(path: str, body: dict[str, object], key: str) -> dict[str, object]:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                r = httpx.post(
                    run.base + path,
                    json=body,
                    timeout=10,
                    headers=headers | {"Idempotency-Key": key},
                )
            except httpx.TransportError:
                time.sleep(0.1)  # server down: retry the same key
                continue
            if r.status_code == 201:
                return r.json()  # type: ignore[no-any-return]
            assert r.status_code in (409, 503), r.text
            time.sleep(0.1)
        raise AssertionError(f"write {key} never acknowledged")

    def writer() -> None:
        case_id: str | None = None
        while not stop.is_set():
            key = str(uuid.uuid4())
            if case_id is None or rng.random() < 0.2:
                answer = send("/cases", CASE, key)
            else:
                answer = send(f"/cases/{case_id}/notes", {"text": key}, key)
            case_id = str(answer["case_id"])
            with lock:
                acked[key] = (case_id, int(answer["version"]))  # type: ignore[call-overload]

    threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
    for t in threads:
        t.start()
    end = time.monotonic() + LOAD_SECONDS
    rounds = 0
    while time.monotonic() < end or rounds < 4:
        time.sleep(rng.uniform(0.8, 1.6))
        which = ("server", "worker")[rounds % 2]  # at random moments, both in turn
        rounds += 1
        run.kill(which)
        time.sleep(rng.uniform(0.1, 0.5))
        run.start_server() if which == "server" else run.start_worker()
    stop.set()
    for t in threads:
        t.join(timeout=90)

    assert {"server", "worker"} <= set(run.kills)
    with build_container(settings) as c:
        log = {
            (str(n.originator_id), n.originator_version)
            for n in c.service.recorder.select_notifications(1, 1_000_000)
        }
        assert set(acked.values()) <= log, "an acknowledged write is missing"
        assert len(log) == len(acked), "a retried write was recorded twice"
        assert c.service.verify().intact
        head = c.projector.head()
        deadline = time.monotonic() + 60
        while min(c.projector.positions().values()) < head and time.monotonic() < deadline:
            time.sleep(0.2)
        assert min(c.projector.positions().values()) == head
        with c.engine.connect() as conn:
            rows = dict(conn.execute(select(cases.c.case_id, cases.c.version)).all())
            assert conn.execute(select(func.count()).select_from(cases)).scalar_one() == len(rows)
    last = {}
    for case_id, version in log:
        last[case_id] = max(version, last.get(case_id, 0))
    assert rows == last, "the views do not match the log after the crashes"
