"""The browser tier's served demo and its sign-in step; where Chromium and screenshots live."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

CHROMIUM = Path("/usr/bin/chromium")
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


def sign_in(page: object, served: Served, user: str) -> None:
    page.goto(served.base + "/ui/")  # type: ignore[attr-defined]
    page.fill("#user", user)  # type: ignore[attr-defined]
    page.fill("#token", served.tokens[user])  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_url(re.compile(r".*/ui/.*"))  # type: ignore[attr-defined]


def whistled_case(served: Served, title: str) -> dict[str, Any]:
    """An emergency at 滨河湾, escalated to the street and whistled to 建设派出所 (30 minutes
    to report in): the whistle's answer with its ``case_id``."""
    case = served.api(
        "admin",
        "POST",
        "/cases",
        json={"grid_id": "binhewan", "category_id": "emergency", "title": title},
    ).json()
    served.api(
        "admin",
        "POST",
        f"/cases/{case['case_id']}/escalations",
        json={"to_level": "street", "reason": "需派出所维持秩序"},
    )
    deadline = (datetime.now(UTC) + timedelta(minutes=30)).isoformat()
    whistle = served.api(
        "co-jianshe",
        "POST",
        f"/cases/{case['case_id']}/whistles",
        json={"unit_ids": ["jianshe-police"], "report_in_deadline": deadline, "reason": "突发险情"},
    ).json()
    return {"case_id": case["case_id"], **whistle}
