"""双报到 in a real browser at phone width: the demo's reporting member 张建国 (pm-zhang)
signs in, claims a need of 亿利金威社区, completes it with hours and a result; the street's
coordinator confirms it; the member's 活动记录 shows the confirmed hours. The pages do
not scroll sideways and their buttons are big enough to tap."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.browser import ARTIFACTS, Served, sign_in

PHONE = {"width": 390, "height": 844}
TITLE = "滨河湾独居老人探访（浏览器测试）"


@pytest.fixture
def phone(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    pg = context.new_page()
    yield pg
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def fits(page: Any) -> None:
    assert int(page.evaluate("document.scrollingElement.scrollWidth")) <= PHONE["width"]
    small = page.evaluate(
        """() => [...document.querySelectorAll('nav a, button, a.button')]
            .filter(e => e.offsetParent !== null)
            .filter(e => e.getBoundingClientRect().height < 44)
            .map(e => e.outerHTML.slice(0, 80))"""
    )
    assert small == []


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"roster-{name}.png"), full_page=True)


def as_user(page: Any, served: Served, user: str) -> None:
    page.context.clear_cookies()
    sign_in(page, served, user)


def test_member_claims_and_completes_a_need_the_coordinator_confirms(
    phone: Any, served: Served
) -> None:
    posted = served.api(
        "co-jianshe",
        "POST",
        "/needs",
        json={"community_id": "yili-jinwei", "kind": "elder_care", "title": TITLE, "people": 2},
    )
    assert posted.status_code == 201, posted.text
    need = posted.json()["id"]
    page = phone

    as_user(page, served, "pm-zhang")
    assert page.url.endswith("/ui/needs")  # a member's start page: their community's needs
    fits(page)
    card = page.locator(f"#need-{need}")
    assert card.get_attribute("data-state") == "posted"
    card.locator("button", has_text="认领").click()
    page.wait_for_url("**/ui/needs?done=claim*")
    assert page.locator(f"#need-{need}").get_attribute("data-state") == "claimed"
    shot(page, "member-claimed")

    form = page.locator(f"#complete-{need}")
    form.get_by_label("服务时长（小时）").fill("2.5")
    form.get_by_label("服务成效").fill("探访独居老人4户，协助预约体检")
    form.locator("button", has_text="完成").click()
    page.wait_for_url("**/ui/needs?done=complete*")
    assert page.locator(f"#need-{need}").get_attribute("data-state") == "done"
    fits(page)

    as_user(page, served, "co-jianshe")
    page.goto(served.base + "/ui/needs?state=done")
    shot(page, "coordinator-done")
    confirm = page.locator(f"#confirm-{need}")
    confirm.get_by_label("社区评价").select_option("excellent")
    confirm.get_by_label("评价意见").fill("细致周到")
    confirm.locator("button", has_text="确认").click()
    page.wait_for_url("**/ui/needs?done=confirm*")
    assert page.locator(f"#need-{need}").get_attribute("data-state") == "confirmed"
    page.goto(served.base + "/ui/roster")
    assert "张建国（演示）" in page.locator("#members").inner_text()
    fits(page)
    shot(page, "coordinator-roster")

    as_user(page, served, "pm-zhang")
    page.click("nav a:has-text('我的活动记录')")
    item = page.locator(f"#item-{need}")
    assert item.get_attribute("data-state") == "confirmed"
    assert "2.5 小时" in item.inner_text() and "优秀" in item.inner_text()
    # the demo's night patrol (6 h) and this visit (2.5 h), both confirmed
    assert page.locator("#confirmed-hours").inner_text() == "8.5 小时"
    fits(page)
    with page.expect_download() as download:
        page.click("#record-xlsx")
    assert download.value.suggested_filename.endswith(".xlsx")
