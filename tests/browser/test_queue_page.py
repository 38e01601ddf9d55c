"""我的待办 on a phone: cards that fit 390 px, nothing to scroll sideways."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.browser import Served, sign_in

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module", autouse=True)
def open_cases(served: Served) -> None:
    """Two open cases in 建设街道, one with a long title that must wrap on a phone."""
    for title in ("滨河湾消防通道被私家车长期占用（浏览器测试）", "滨河湾" + "路灯不亮" * 20):
        body = {"grid_id": "binhewan", "category_id": "fire-lane", "title": title}
        assert served.api("admin", "POST", "/cases", json=body).status_code == 201


def test_queue_fits_a_phone_screen(page: Any, served: Served) -> None:
    page.set_viewport_size(PHONE)
    sign_in(page, served, "co-jianshe")
    page.goto(served.base + "/ui/queue")
    expected = served.api("co-jianshe", "GET", "/queue").json()["items"]
    cards = page.locator("li.queue-card")
    assert cards.count() == len(expected) >= 2
    for selector in ("form.queue-filters", "li.queue-card", "h1"):
        for box in (e.bounding_box() for e in page.locator(selector).all()):
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    main_width = page.evaluate("document.querySelector('main').scrollWidth")
    assert main_width <= PHONE["width"]


def test_queue_keyword_search_from_the_box(page: Any, served: Served) -> None:
    page.set_viewport_size(PHONE)
    sign_in(page, served, "co-jianshe")
    page.goto(served.base + "/ui/queue")
    page.fill("input[name=q]", "消防通道")
    page.click("form.queue-filters button[type=submit]")
    page.wait_for_url("**/ui/queue?**")
    expected = served.api("co-jianshe", "GET", "/queue", params={"q": "消防通道"}).json()["items"]
    assert page.locator("li.queue-card").count() == len(expected) >= 1
    assert all(
        "消防通道" in t for t in page.locator("li.queue-card .queue-title").all_inner_texts()
    )


def test_queue_shows_a_bad_filter(page: Any, served: Served) -> None:
    sign_in(page, served, "co-jianshe")
    page.goto(served.base + "/ui/queue?grid=nowhere")
    assert "未知的网格" in page.locator("#filter-error").inner_text()
