"""Browser tier: a real `chuishao serve` process driven by Playwright in Debian's Chromium."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

CHROMIUM = Path("/usr/bin/chromium")
CLI = [sys.executable, "-c", "from interfaces.cli import main; main()"]
ARTIFACTS = Path(os.environ.get("CHUISHAO_ARTIFACTS", Path(__file__).parents[2] / "artifacts"))
# Closed network here: keep Chromium from phoning home (see the machine notes).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class Served:
    base: str
    tokens: dict[str, str]

    def api(self, user: str, method: str, path: str, **kwargs: object) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[user]}"}
        return httpx.request(method, self.base + path, headers=headers, timeout=10, **kwargs)  # type: ignore[arg-type]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    data = tmp_path_factory.mktemp("browser-data")
    env = {**os.environ, "CHUISHAO_DATA_DIR": str(data), "COLUMNS": "200"}
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
    port = _free_port()
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
        yield Served(base, tokens)
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Chromium is required in CI: .ci/run installs Debian's chromium")
        pytest.skip("no /usr/bin/chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser: object, request: pytest.FixtureRequest) -> Iterator[object]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    pg = context.new_page()
    yield pg
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def sign_in(page: object, served: Served, user: str) -> None:
    page.goto(served.base + "/ui/")  # type: ignore[attr-defined]
    page.fill("#token", served.tokens[user])  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_url(re.compile(r".*/ui/.*"))  # type: ignore[attr-defined]
