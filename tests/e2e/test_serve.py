"""`chuishao serve` really serves: start it as a process, sign in with a demo token, read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.processes import demo_server


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    with demo_server(tmp_path) as running:
        yield running


def test_serve_answers_with_the_demo_cases(served: tuple[str, dict[str, str]]) -> None:
    base, tokens = served
    assert set(tokens) >= {"gl-huating", "co-jianshe", "li-jianshe-police", "auditor", "admin"}
    auth = {"Authorization": f"Bearer {tokens['auditor']}"}
    listed = httpx.get(f"{base}/cases", headers=auth, timeout=5).json()
    assert listed["total"] == 6  # the five seed cases and a 12345 order
    health = httpx.get(f"{base}/healthz", timeout=5).json()
    # 57 case events, and the two 共驻共建服务 the demo's roster confirms into the fire-lane case
    assert health["head"] == 59 and health["projections"]["ledger"]["lag"] == 0
    assert httpx.get(f"{base}/cases", timeout=5).status_code == 401
