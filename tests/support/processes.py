"""Real processes: the CLI as a subprocess, a free port, and the demo served over HTTP."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

CLI = [sys.executable, "-c", "from interfaces.cli import main; main()"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_serve(
    env: dict[str, str], deadline_seconds: float = 120
) -> tuple[subprocess.Popen[bytes], str]:
    """`chuishao serve` as a real process on a free port, with ``env``; the process and its
    base URL once it answers (generous: a loaded machine starts it slowly)."""
    port = free_port()
    server = subprocess.Popen(
        [*CLI, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return server, base
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    server.kill()
    server.wait(30)
    pytest.fail(f"chuishao serve did not start (exit code {server.returncode})")


@contextmanager
def demo_server(data_dir: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """Run `chuishao demo` then `chuishao serve` as real processes on the embedded store;
    yield the base URL and the demo tokens the demo printed."""
    env = {**os.environ, "CHUISHAO_DATA_DIR": str(data_dir), "COLUMNS": "200"}
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
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
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
