"""The 12345 platform end to end against the real `chuishao serve`: a simulated platform
pushes orders, two about one matter are merged, a unit is whistled, the orders are resolved
and reported back (反馈); the platform fails for a while (deliveries retry with backoff),
the service is SIGKILLed while a 反馈 is in flight and restarted, an order merged after
the 反馈 is told the outcome. Every notice is delivered, none acted on twice, no dead
letters; then the platform records its 回访. SQLite: the outbox is the same SQL on both."""

from __future__ import annotations

import os
import subprocess
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from domain.values import Role
from infrastructure.settings import Settings
from interfaces.bootstrap import build_container
from interfaces.cli.users import add_user
from tests.support.clock import FakeClock
from tests.support.platform_sim import PlatformSim, platform_sim, wait_until
from tests.support.processes import start_serve
from tests.support.webhooks import POLICE, SECRET, SECRET_ENV, notify_jurisdiction

USERS = {
    "platform-12345": (Role.PLATFORM, []),
    "co-jianshe": (Role.COORDINATOR, ["street:jianshe"]),
    "admin": (Role.ADMIN, []),
}
SAME_MATTER = "滨河湾小区5号楼暖气不热，室温不足16度"


class Street:
    """The street's coordinator (and an admin) over HTTP."""

    def __init__(self, base: str, tokens: dict[str, str]) -> None:
        self.base, self.tokens = base, tokens

    def post(self, path: str, body: dict[str, Any], user: str = "co-jianshe") -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[user]}"}
        answer = httpx.post(f"{self.base}{path}", json=body, headers=headers, timeout=60)
        assert answer.status_code == 201, (path, answer.text)
        return answer.json()

    def deliveries(self, status: str) -> list[dict[str, Any]]:
        headers = {"Authorization": f"Bearer {self.tokens['admin']}"}
        answer = httpx.get(
            f"{self.base}/admin/notifications",
            params={"status": status, "limit": 500},
            headers=headers,
            timeout=60,
        )
        assert answer.status_code == 200, answer.text
        return list(answer.json()["items"])

    def handle(self, case_id: str, summary: str) -> None:
        self.post(f"/cases/{case_id}/resolution", {"summary": summary})
        self.post(f"/cases/{case_id}/feedback", {})


def test_the_platforms_orders_merged_whistled_reported_back_through_outage_and_kill(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    with platform_sim() as sim:
        jurisdiction = notify_jurisdiction(tmp_path, sim.webhook_url, platform=True)
        settings = Settings(data_dir=tmp_path, database_url=None, jurisdiction_file=jurisdiction)
        with build_container(settings, clock=FakeClock()) as c:
            tokens = {u: add_user(c, u, u, role, scopes) for u, (role, scopes) in USERS.items()}
        env = {
            **os.environ,
            "CHUISHAO_DATA_DIR": str(tmp_path),
            "CHUISHAO_JURISDICTION_FILE": str(jurisdiction),
            # Quick retries and polls, never a dead letter; a restarted sender takes over
            # at once what the killed one held (lease 0); a held POST outlasts the kill.
            "CHUISHAO_NOTIFY_BACKOFF_BASE_SECONDS": "0.2",
            "CHUISHAO_NOTIFY_BACKOFF_MAX_SECONDS": "1",
            "CHUISHAO_NOTIFY_MAX_ATTEMPTS": "10000",
            "CHUISHAO_NOTIFY_POLL_SECONDS": "0.2",
            "CHUISHAO_NOTIFY_LEASE_SECONDS": "0",
            "CHUISHAO_NOTIFY_TIMEOUT_SECONDS": "60",
        }
        env.pop("CHUISHAO_DATABASE_URL", None)
        server, base = start_serve(env)
        try:
            server = run_scenario(sim, env, server, base, tokens)
        finally:
            sim.receiver.release.set()
            server.kill()
            server.wait(30)


def run_scenario(
    sim: PlatformSim,
    env: dict[str, str],
    server: subprocess.Popen[bytes],
    base: str,
    tokens: dict[str, str],
) -> subprocess.Popen[bytes]:
    sim.connect(base, tokens["platform-12345"])
    street = Street(base, tokens)
    a = sim.push("H7-A", content=SAME_MATTER)
    b = sim.push("H7-B", content=SAME_MATTER + "，家中有老人")
    c = sim.push("H7-C", content="滨河湾小区路灯不亮", place_text="滨河湾小区北门")

    # 退单 of one order, overruled by the platform's 审定: it comes back to be 签收.
    street.post(f"/cases/{c}/order-returns", {"reason": "wrong_place", "note": "非本街道"})
    assert sim.decide_return("H7-C", accepted=False, comment="属本街道").status_code == 201
    for case_id in (a, b, c):
        street.post(f"/cases/{case_id}/order-acceptance", {})
    street.post(f"/cases/{a}/merges", {"case_ids": [b]})
    street.post(f"/cases/{a}/escalations", {"to_level": "street", "reason": "需供热公司到场"})
    deadline = datetime.now(UTC) + timedelta(hours=2)
    street.post(
        f"/cases/{a}/whistles",
        {"unit_ids": [POLICE], "report_in_deadline": deadline.isoformat(), "reason": "入户协调"},
    )
    wait_until(lambda: len(sim.received("whistle_blown")) == 1, "the whistle's webhook")

    # The platform goes down; the 反馈 of both live orders (and the merged one) retry.
    sim.fail()
    street.handle(a, "已更换5号楼供暖立管，室温20度")
    street.handle(c, "已更换路灯灯泡")

    def each_retried() -> bool:
        pending = [r for r in street.deliveries("pending") if r["kind"] == "feedback"]
        return len(pending) == 3 and all(r["attempts"] >= 2 for r in pending)

    wait_until(each_retried, "each 反馈 refused and retried during the outage")

    # It recovers; the service is killed while the first 反馈 is being delivered.
    sim.receiver.hold_at = len(sim.receiver.arrivals) + 1
    sim.recover()
    wait_until(sim.receiver.held.is_set, "a 反馈 in flight")
    server.kill()  # SIGKILL: the delivery in flight is never marked sent
    server.wait(30)
    sim.receiver.release.set()
    held = sim.receiver.arrivals[-1]

    server, base = start_serve(env)
    sim.connect(base, tokens["platform-12345"])
    street = Street(base, tokens)
    # A repeat call about the matter, merged after its 反馈, is told the outcome too.
    d = sim.push("H7-D", content=SAME_MATTER + "，已多次来电")
    street.post(f"/cases/{a}/merges", {"case_ids": [d]})

    orders = {"H7-A", "H7-B", "H7-C", "H7-D"}
    wait_until(lambda: set(sim.feedback_per_order()) == orders, "every order's 反馈")
    wait_until(lambda: not street.deliveries("pending"), "the outbox drained")

    assert sim.feedback_per_order() == Counter(dict.fromkeys(orders, 1))
    assert len(sim.received("whistle_blown")) == 1
    assert sim.receiver.repeats == Counter({held: 2})  # re-sent, same id, acted on once
    assert sim.receiver.rejected == 0
    assert street.deliveries("dead") == []
    sent = street.deliveries("sent")
    assert len(sent) == 5 and {r["kind"] for r in sent} == {"whistle_blown", "feedback"}
    retried = [r["attempts"] > 2 for r in sent if r["kind"] == "feedback" and r["case_id"] != d]
    assert retried == [True] * 3  # two refused, then one that arrived
    for order, case_id in (("H7-B", b), ("H7-D", d)):
        merged = sim.feedback(order)
        assert (merged["case_id"], merged["merged_into"]) == (case_id, a)
        assert merged["resolution"] == "已更换5号楼供暖立管，室温20度"
    assert "merged_into" not in sim.feedback("H7-A")
    assert sim.feedback("H7-C")["resolution"] == "已更换路灯灯泡"

    # The platform calls the residents back and records its 回访 through the API.
    for order in ("H7-A", "H7-C"):
        assert sim.call_back(order).status_code == 201
    return server
