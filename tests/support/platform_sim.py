"""A simulated 12345 platform for tests that run the real service: it pushes orders over
HTTP as the ``platform`` user, receives the service's webhooks (the shared ``Receiver``:
signatures checked, repeats dropped by ``X-Chuishao-Delivery``), counts 反馈 per order id,
fails (503) while told to and recovers, and records its 审定 and 回访 through the API."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.support.orders import order_body
from tests.support.webhooks import Receiver, running


class PlatformSim:
    def __init__(self, receiver: Receiver) -> None:
        self.receiver = receiver
        self.base = ""  # the service's URL: known once it runs
        self.token = ""

    @property
    def webhook_url(self) -> str:
        """Where the service sends its notices (the jurisdiction file's endpoint)."""
        return self.receiver.url

    # ----- the platform's side of the API -----------------------------------------------

    def connect(self, base: str, token: str) -> None:
        self.base, self.token = base, token

    def _post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"}
        return httpx.post(f"{self.base}{path}", json=body, headers=headers, timeout=60)

    def push(self, order_id: str, **overrides: Any) -> str:
        """派单 of a 供暖 order to 建设街道 (``order_body``'s defaults); its case id."""
        answer = self._post("/work-orders", order_body(order_id, datetime.now(UTC), **overrides))
        assert answer.status_code in (200, 201), answer.text
        return str(answer.json()["case_id"])

    def decide_return(self, order_id: str, *, accepted: bool, comment: str = "") -> httpx.Response:
        """审定 of the street's 退单."""
        body = {"accepted": accepted, "comment": comment}
        return self._post(f"/work-orders/{order_id}/return-decisions", body)

    def call_back(
        self, order_id: str, solved: str = "solved", satisfaction: str = "satisfied"
    ) -> httpx.Response:
        """回访 of the resident, after the 反馈."""
        body = {"solved": solved, "satisfaction": satisfaction}
        return self._post(f"/work-orders/{order_id}/callbacks", body)

    # ----- its webhook receiver -----------------------------------------------------------

    def fail(self) -> None:
        """Answer every webhook 503 until ``recover``."""
        self.receiver.down = True

    def recover(self) -> None:
        self.receiver.down = False

    def received(self, kind: str) -> list[dict[str, Any]]:
        """The notices of ``kind`` acted on (each delivery id once)."""
        with self.receiver.lock:
            return [p for p in self.receiver.processed.values() if p["kind"] == kind]

    def feedback_per_order(self) -> Counter[str]:
        """反馈 acted on per order id: two different deliveries for one order count 2."""
        return Counter(p["order_id"] for p in self.received("feedback"))

    def feedback(self, order_id: str) -> dict[str, Any]:
        (payload,) = [p for p in self.received("feedback") if p["order_id"] == order_id]
        return payload


@contextmanager
def platform_sim() -> Iterator[PlatformSim]:
    """The simulator with its receiver running on a free port (the caller sets the shared
    secret's variable, ``tests.support.webhooks.SECRET_ENV``)."""
    with running(Receiver()) as receiver:
        yield PlatformSim(receiver)


def wait_until(check: Callable[[], bool], what: str, seconds: float = 180) -> None:
    """Poll ``check`` until it holds; fail naming ``what`` after a generous deadline (the
    test asserts what happened, never how fast)."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting: {what}")
        time.sleep(0.2)
