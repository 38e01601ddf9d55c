"""`chuishao serve` really serves: start it as a process, sign in with a demo token, read."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

CLI = [sys.executable, "-c", "from interfaces.cli import main; main()"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    env = {**os.environ, "CHUISHAO_DATA_DIR": str(tmp_path), "COLUMNS": "200"}
    env.pop("CHUISHAO_DATABASE_URL", None)
    demo = subprocess.run(
        [*CLI, "demo", "--no-histories"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    tokens = dict(re.findall(r"│ (\S+)\s+│ \S+\s+│ (cs_\S+)", demo.stdout))
    port = free_port()
    server = subprocess.Popen(
        [*CLI, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail("server did not start")
        yield base, tokens
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_serve_answers_with_the_demo_cases(served: tuple[str, dict[str, str]]) -> None:
    base, tokens = served
    assert set(tokens) >= {"gl-huating", "co-jianshe", "li-jianshe-police", "auditor", "admin"}
    auth = {"Authorization": f"Bearer {tokens['auditor']}"}
    listed = httpx.get(f"{base}/cases", headers=auth, timeout=5).json()
    assert listed["total"] == 5
    health = httpx.get(f"{base}/healthz", timeout=5).json()
    assert health["head"] == 49 and health["projections"]["ledger"]["lag"] == 0
    assert httpx.get(f"{base}/cases", timeout=5).status_code == 401
