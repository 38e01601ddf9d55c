"""The liaison's inbox page, left open, shows a whistle a coordinator blows meanwhile —
without a reload — under the console's strict Content-Security-Policy (which the dashboard
and the inbox break nowhere: Chromium reports each violation on the console)."""

from __future__ import annotations

from typing import Any

from tests.support.browser import Served, sign_in, whistled_case


def test_the_open_inbox_shows_a_new_whistle_without_reloading(page: Any, served: Served) -> None:
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security" in m.text else None)
    sign_in(page, served, "li-jianshe-police")  # lands on the dashboard: charts, no inline style
    response = page.goto(served.base + "/ui/inbox")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.evaluate("window.notReloaded = true")  # gone if the page reloads
    before = page.locator("ul.inbox li").count()
    page.wait_for_function("document.querySelector('#inbox-items') !== null")

    whistle = whistled_case(served, "滨河湾爆管（实时收件箱）")
    row = page.locator(f"#summons-{whistle['case_id']}-{whistle['whistle_id']}")
    row.wait_for(timeout=15_000)
    assert "滨河湾爆管（实时收件箱）" in row.inner_text()
    assert page.locator("#inbox-live").inner_text().startswith("有新的吹哨")
    assert page.locator("ul.inbox li").count() == before + 1
    assert page.evaluate("window.notReloaded") is True
    assert blocked == []

    # The added row reports in like a drawn one (its form carries the page's CSRF token).
    row.locator('input[name="note"]').fill("民警已到场")
    row.locator("button").click()
    page.wait_for_url("**/ui/inbox?done=*")
    events = served.api("auditor", "GET", f"/cases/{whistle['case_id']}/events").json()
    assert events[-1]["type"] == "UnitReportedIn"
