"""`chuishao serve --workers 2` as real processes: on PostgreSQL two web workers, the
projector and the notifier, supervised; on SQLite refused with a clear message."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from domain.values import Role
from infrastructure.settings import Settings
from interfaces.bootstrap import build_container
from interfaces.cli.users import add_user
from tests.e2e import helpers as h
from tests.support.backends import sqlite_only
from tests.support.processes import CLI, free_port

T = TypeVar("T")
START_SECONDS = 180.0  # four Python processes on a loaded two-core machine


def env_for(settings: Settings) -> dict[str, str]:
    env = {**os.environ, "CHUISHAO_DATA_DIR": str(settings.data_dir), "COLUMNS": "200"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.pop("CHUISHAO_DATABASE_URL", None)
    if settings.database_url is not None:
        env["CHUISHAO_DATABASE_URL"] = settings.database_url.get_secret_value()
        env["CHUISHAO_DATABASE_SCHEMA"] = settings.database_schema
    return env


def eventually(what: str, probe: Callable[[], T | None], seconds: float = 90.0) -> T:
    """``probe``'s first answer that is not None (a generous deadline, not a timing claim)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            found = probe()
        except httpx.TransportError:
            found = None
        if found is not None:
            return found
        time.sleep(0.2)
    raise AssertionError(f"never happened: {what}")


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    base: str
    auth: dict[str, str]
    pid_file: Path
    log: Path

    def pids(self) -> dict[str, int]:
        if not self.pid_file.exists():
            return {}
        pairs = (line.split() for line in self.pid_file.read_text().splitlines())
        return {name: int(pid) for name, pid in pairs}


# Several processes serve PostgreSQL only; SQLite's answer is the refusal below.
postgres_only = pytest.mark.parametrize(
    "settings", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


@pytest.fixture
def served(settings: Settings, tmp_path: Path) -> Iterator[Served]:
    with build_container(settings) as c:
        token = add_user(c, "ops-admin", "运维", Role.ADMIN, [])
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [*CLI, "serve", "--workers", "2", "--port", str(port)],
            env=env_for(settings),
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    run = Served(
        process,
        f"http://127.0.0.1:{port}",
        {"Authorization": f"Bearer {token}"},
        settings.data_dir / "serve.pids",
        log,
    )
    try:
        eventually(
            "the server is ready",
            lambda: True if httpx.get(f"{run.base}/readyz", timeout=5).status_code == 200 else None,
            START_SECONDS,
        )
        yield run
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def write_case(run: Served) -> dict[str, Any]:
    r = httpx.post(f"{run.base}/cases", json=h.case_body(), headers=run.auth, timeout=30)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def listed_with(run: Served, position: int, case_id: str) -> bool | None:
    """Read-your-writes: the list read at ``position`` (None while the views are behind)."""
    r = httpx.get(
        f"{run.base}/cases", params={"min_position": position}, headers=run.auth, timeout=30
    )
    if r.status_code == 503:
        return None
    assert r.status_code == 200, r.text
    return case_id in {row["case_id"] for row in r.json()["items"]}


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@postgres_only
def test_two_workers_read_their_writes_and_a_killed_projector_comes_back(
    served: Served,
) -> None:
    run = served
    children = run.pids()
    assert set(children) == {"web", "projector", "notifier"}, run.log.read_text()[-3000:]
    for _ in range(4):  # each write and read may land on either web worker
        written = write_case(run)
        assert listed_with(run, written["position"], written["case_id"]) is True

    os.kill(children["projector"], signal.SIGKILL)
    restarted = eventually(
        "the projector is started again",
        lambda: (
            run.pids()["projector"] if run.pids()["projector"] != children["projector"] else None
        ),
    )
    assert alive(restarted) and not alive(children["projector"])
    assert run.pids()["web"] == children["web"]  # only the dead child was restarted

    after = write_case(run)
    assert eventually(
        "the restarted projector catches the views up",
        lambda: listed_with(run, after["position"], after["case_id"]),
    )
    ready = httpx.get(f"{run.base}/readyz", timeout=10).json()
    assert ready["views"]["ledger"] == {"position": after["position"], "lag": 0, "lag_seconds": 0}

    metrics = httpx.get(f"{run.base}/metrics", headers=run.auth, timeout=10)
    assert metrics.status_code == 200
    assert httpx.get(f"{run.base}/metrics", timeout=10).status_code == 401
    # Both workers' counts, summed from the multiprocess files.
    line = 'chuishao_http_requests_total{method="POST",route="/cases",status="201"} 5.0'
    assert line in metrics.text.splitlines()

    running = run.pids()
    run.process.send_signal(signal.SIGTERM)
    assert run.process.wait(timeout=60) == 0
    assert not run.pid_file.exists()
    for pid in running.values():
        eventually(f"pid {pid} stopped", lambda pid=pid: True if not alive(pid) else None, 30)


@sqlite_only
def test_several_workers_on_sqlite_are_refused(settings: Settings) -> None:
    done = subprocess.run(
        [*CLI, "serve", "--workers", "2", "--port", str(free_port())],
        env=env_for(settings),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "--workers" in done.stdout and "PostgreSQL" in done.stdout
    assert not (settings.data_dir / "serve.pids").exists()
