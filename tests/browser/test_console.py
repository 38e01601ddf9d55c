"""The web console in a real browser: sign in, read figures, step through versions, report in."""

from __future__ import annotations

import re
from typing import Any

from tests.support.browser import ARTIFACTS, Served, sign_in, whistled_case

FIRE_LANE = "2f478007-b133-5704-b5af-0d929fbea700"


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def test_sign_in_and_dashboard_shows_the_same_figures_as_the_api(page: Any, served: Served) -> None:
    sign_in(page, served, "auditor")
    assert page.locator("h1").inner_text() == "办结率 · 响应率 · 满意率"
    api = served.api("auditor", "GET", "/dashboards/rates").json()
    for key in ("resolution_rate", "on_time_rate", "response_rate", "satisfaction_rate"):
        shown = page.locator(f'.kpi[data-rate="{key}"] .value').inner_text()
        assert shown == pct(api["total"]["rates"][key])
    assert page.locator('[data-count="reported"]').inner_text() == str(
        api["total"]["counts"]["reported"]
    )
    for row in api["rows"]:
        cell = page.locator(f'tr[data-key="{row["key"]}"] td[data-rate="resolution_rate"] .num')
        assert cell.inner_text() == pct(row["rates"]["resolution_rate"])
    assert page.locator("svg.chart line.target").count() == 1

    page.click('tr[data-key="jianshe"] a')  # drill down street → community
    page.wait_for_url(re.compile(r".*by=community.*"))
    assert page.locator('tr[data-key="yili-jinwei"]').count() == 1


def test_case_timeline_steps_back_through_versions(page: Any, served: Served) -> None:
    sign_in(page, served, "auditor")
    page.goto(f"{served.base}/ui/cases/{FIRE_LANE}")
    # 13 steps, and the two 共驻共建服务 the demo's roster adds (the 入户走访, the night patrol)
    assert page.locator("ol.timeline li").count() == 15
    assert page.locator("#chain").inner_text() == "完整"
    assert page.locator("#status").inner_text() == "已办结"
    statuses = []
    for _ in range(14):
        page.click("#prev-version")
        statuses.append(page.locator("#status").inner_text())
    assert page.locator("#version").inner_text().startswith("1 /")
    assert statuses[-1] == "已受理"
    assert "已解决待回访" in statuses
    assert page.locator("ol.timeline li.future").count() == 14


def test_liaison_reports_in_from_the_inbox_and_the_inbox_empties(page: Any, served: Served) -> None:
    whistle = whistled_case(served, "滨河湾爆管（浏览器测试）")
    served.api(
        "admin",
        "GET",
        "/inbox",
        params={"unit": "jianshe-police", "min_position": whistle["position"]},
    )

    sign_in(page, served, "li-jianshe-police")
    page.goto(served.base + "/ui/inbox")
    assert page.locator("ul.inbox li").count() == 1
    assert "剩余" in page.locator("ul.inbox li").inner_text()
    page.fill('input[name="note"]', "民警已到场")
    page.click("ul.inbox button")
    page.wait_for_url(re.compile(r".*/ui/inbox\?done=.*"))
    assert page.locator("#inbox-empty").is_visible()
    events = served.api("auditor", "GET", f"/cases/{whistle['case_id']}/events").json()
    assert events[-1]["type"] == "UnitReportedIn" and events[-1]["actor_id"] == "li-jianshe-police"
    assert events[-1]["data"]["late"] is False


def test_phone_sized_ledger_page_renders_and_offers_downloads(page: Any, served: Served) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, served, "co-jianshe")
    page.goto(served.base + "/ui/ledger")
    assert page.locator("table.ledger tbody tr").count() >= 1
    assert page.locator('a[href^="/ledger.csv"]').count() == 1
    assert ARTIFACTS.name == "artifacts"
