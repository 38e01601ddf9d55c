"""Issue 16's console pages at phone width (390 px), like ``test_phone_width``: a 12345
order's forms (签收 with its grid list, 退单, 申请延期, 延期审批), 可能重复的案件 with 合并,
and 通知投递 — none scrolls sideways, every button is big enough to tap, and nothing
inline (style attribute, script, handler) that the console's strict CSP would refuse."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.browser.test_phone_width import PHONE, _scroll_width, _small_targets
from tests.browser.test_phone_width import phone as phone  # the 390 px page fixture
from tests.support.browser import Served, sign_in

DEMO_ORDER_CASE = "272e0fa0-ec30-5326-86e2-e766b0d1d992"  # the demo's 12345 order


def _order(served: Served, order_id: str, **extra: object) -> str:
    body = {
        "order_id": order_id,
        "dispatched_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
        "category_id": "heating",
        "street_id": "jianshe",
        "place_text": "建设街道广场家园小区3号楼",
        "content": "3号楼暖气不热，室温不足16度，已持续两天。",
        **extra,
    }
    answer = served.api("platform-12345", "POST", "/work-orders", json=body)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["case_id"])


@pytest.fixture(scope="module")
def pages(served: Served) -> dict[str, tuple[str, str, str]]:
    """name → (user, path, the form or section the page must show)."""
    unplaced = _order(served, "PHONE-0001")
    pending = _order(served, "PHONE-0002", grid_id="guangchang-jiayuan")
    co = "co-jianshe"
    assert served.api(co, "POST", f"/cases/{pending}/order-acceptance", json={}).is_success
    new_due = (datetime.now(UTC) + timedelta(days=4)).isoformat()
    asked = {"reason": "楼内供暖立管需更换，供热公司备料需三天。", "new_due": new_due}
    assert served.api(co, "POST", f"/cases/{pending}/extensions", json=asked).is_success
    accepted = _order(served, "PHONE-0003", grid_id="guangchang-jiayuan")
    assert served.api(co, "POST", f"/cases/{accepted}/order-acceptance", json={}).is_success
    calls = [
        {
            "grid_id": "chengshi-huating",
            "category_id": "fire-lane",
            "title": title,
            "description": "城市华庭3号楼前消防通道停满私家车，消防车进不来",
        }
        for title in ("3号楼前消防通道被私家车占用", "3号楼前消防通道被车辆堵住")
    ]
    first = served.api("gl-huating", "POST", "/cases", json=calls[0]).json()
    second = served.api("gl-huating", "POST", "/cases", json=calls[1]).json()
    seen = served.api(
        co,
        "GET",
        f"/cases/{first['case_id']}/likely-duplicates",
        params={"min_position": second["position"]},
    ).json()
    assert [d["case_id"] for d in seen] == [second["case_id"]]
    return {
        "demo-order": (co, f"/ui/cases/{DEMO_ORDER_CASE}", "ol.timeline"),
        "unplaced-order": (co, f"/ui/cases/{unplaced}", "#form-accept_order"),
        "order-return": (co, f"/ui/cases/{unplaced}", "#form-return_order"),
        "extension-request": (co, f"/ui/cases/{accepted}", "#form-request_extension"),
        "extension-decision": ("admin", f"/ui/cases/{pending}", "#form-decide_extension"),
        "likely-duplicates": (co, f"/ui/cases/{first['case_id']}", "[id^=merge-into-]"),
        "notifications": ("admin", "/ui/admin/notifications", "#receivers"),
        "notifications-sent": ("admin", "/ui/admin/notifications?status=sent", "#receivers"),
    }


NAMES = [
    "demo-order",
    "unplaced-order",
    "order-return",
    "extension-request",
    "extension-decision",
    "likely-duplicates",
    "notifications",
    "notifications-sent",
]


@pytest.mark.parametrize("name", NAMES)
def test_issue_16_pages_fit_a_phone_without_inline_code(
    phone: Any, served: Served, pages: dict[str, tuple[str, str, str]], name: str
) -> None:
    user, path, shown = pages[name]
    refused: list[str] = []
    phone.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    sign_in(phone, served, user)
    phone.goto(served.base + path)
    assert phone.locator("h1").count() >= 1
    assert phone.locator(shown).count() >= 1, (name, shown)
    phone.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    assert _scroll_width(phone) <= PHONE["width"], name
    assert _small_targets(phone) == [], name
    inline = phone.evaluate(
        """() => [
            ...[...document.querySelectorAll('[style]')].map(e => e.outerHTML.slice(0, 80)),
            ...[...document.querySelectorAll('script:not([src])')].map(e => 'script'),
            ...[...document.querySelectorAll('*')].flatMap(e => [...e.attributes]
                .filter(a => a.name.startsWith('on')).map(a => e.tagName + ' ' + a.name)),
        ]"""
    )
    assert inline == [], name
    assert refused == [], name
