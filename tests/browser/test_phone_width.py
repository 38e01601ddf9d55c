"""The console at phone width (390 px): no page scrolls sideways, links and buttons are big
enough to tap (≥ 44 px high), the ledger shows cards rather than a wide table."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.test_console import FIRE_LANE
from tests.support.browser import ARTIFACTS, Served, sign_in

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    pg = context.new_page()
    yield pg
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def _scroll_width(page: Any) -> int:
    return int(page.evaluate("document.scrollingElement.scrollWidth"))


def _small_targets(page: Any) -> list[str]:
    """Visible links in the navigation and every button smaller than 44 px high."""
    return list(
        page.evaluate(
            """() => [...document.querySelectorAll('nav a, button, a.button, select')]
                .filter(e => e.offsetParent !== null)
                .filter(e => e.getBoundingClientRect().height < 44)
                .map(e => e.outerHTML.slice(0, 80))"""
        )
    )


@pytest.mark.parametrize(
    ("user", "path"),
    [
        ("auditor", "/ui/"),
        ("auditor", "/ui/?by=category"),
        ("auditor", "/ui/ledger"),
        ("auditor", f"/ui/cases/{FIRE_LANE}"),
        ("auditor", "/ui/grids"),
        ("auditor", "/ui/units"),
        ("li-jianshe-police", "/ui/inbox"),
        ("admin", "/ui/admin/users"),
        ("auditor", "/ui/cases/abc"),
    ],
    ids=lambda v: str(v).strip("/").replace("/", "-") or "dashboard",
)
def test_no_page_scrolls_sideways_at_390_px(
    phone: Any, served: Served, user: str, path: str
) -> None:
    sign_in(phone, served, user)
    phone.goto(served.base + path)
    assert phone.locator("h1").count() >= 1
    assert _scroll_width(phone) <= PHONE["width"], path
    assert _small_targets(phone) == [], path


def test_the_ledger_is_cards_on_a_phone(phone: Any, served: Served) -> None:
    sign_in(phone, served, "auditor")
    phone.goto(served.base + "/ui/ledger")
    head = phone.locator("table.ledger thead").bounding_box()
    assert head is None or head["height"] <= 1  # kept for screen readers, not shown
    row = phone.locator("table.ledger tbody tr").first
    box = row.bounding_box()
    assert box is not None and box["width"] <= PHONE["width"]
    label = row.locator("td.status").evaluate("td => getComputedStyle(td, '::before').content")
    assert label == '"状态"'  # each cell says what it is


def test_the_ledger_is_a_compact_table_at_desktop_width(page: Any, served: Served) -> None:
    sign_in(page, served, "auditor")
    page.goto(served.base + "/ui/ledger")
    assert page.locator("table.ledger thead").is_visible()
    title = page.locator("table.ledger tbody td.title").first
    box = title.bounding_box()
    assert box is not None and box["width"] >= 150  # not one character a line
    assert _scroll_width(page) <= 1280
