"""The seeds' 广场家园 case played entirely in the console, in a real browser, on a laptop
and on a phone: report, escalate, whistle, report in, pledge, resolve, 回访, close."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from domain.times import BEIJING
from tests.support.browser import CHROMIUM_ARGS, Served, sign_in
from tests.support.processes import CLI, demo_server

# Who plays the case besides the demo users (co-jianshe is the street's coordinator).
CAST = [
    ("gl-guangchang", "grid_lead", "grid:guangchang-jiayuan"),
    ("co-yljw", "coordinator", "community:yili-jinwei"),
    ("li-guangchang-owners", "liaison", "unit:guangchang-owners"),
    ("li-yljw-property", "liaison", "unit:yljw-property"),
]


@pytest.fixture(scope="module")
def cast(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A served demo with a user for every part the case needs, added by `chuishao users add`."""
    data = tmp_path_factory.mktemp("forms-data")
    with demo_server(data) as (base, tokens):
        env = {**os.environ, "CHUISHAO_DATA_DIR": str(data), "COLUMNS": "200"}
        env.pop("CHUISHAO_DATABASE_URL", None)
        for user_id, role, scope in CAST:
            out = subprocess.run(
                [*CLI, "users", "add", user_id, "--role", role, "--scope", scope],
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
                check=True,
            ).stdout
            found = re.search(r"(cs_\S+)", out)
            assert found is not None, out
            tokens[user_id] = found.group(1)
        yield Served(base, tokens)


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where the screenshots go: ``CHUISHAO_SCREENSHOTS`` if set, else the test's tmp dir."""
    folder = Path(os.environ.get("CHUISHAO_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def chromium() -> Any:
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("no /usr/bin/chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    return sync_playwright()


class Player:
    """One browser tab that signs in as each actor in turn and uses the case page's forms."""

    def __init__(self, page: Any, served: Served, shots: Path, width: int) -> None:
        self.page, self.served, self.shots, self.width = page, served, shots, width
        self.step = 0

    def as_user(self, user: str) -> None:
        self.page.context.clear_cookies()
        sign_in(self.page, self.served, user)

    def shot(self, what: str) -> None:
        self.step += 1
        path = self.shots / f"guangchang-{self.width}-{self.step:02d}-{what}.png"
        self.page.screenshot(path=str(path), full_page=True)

    def open_case(self, case_id: str) -> None:
        self.page.goto(f"{self.served.base}/ui/cases/{case_id}")

    def submit(self, name: str, fields: dict[str, str], selects: dict[str, str] | None = None,
               checks: list[str] | None = None) -> None:  # fmt: skip
        form = self.page.locator(f"#form-{name}")
        assert form.count() == 1, f"form {name} not offered to this user"
        if not form.is_visible():  # folded: a tap on its title opens it
            self.page.locator(f"#box-{name} > summary").click()
        for field, value in (selects or {}).items():
            form.locator(f'select[name="{field}"]').select_option(value)
        for field, value in fields.items():
            form.locator(f'[name="{field}"]').fill(value)
        for value in checks or []:
            form.locator(f'input[type=checkbox][value="{value}"]').check()
        button = form.locator("button[type=submit]")
        box = button.bounding_box()
        assert box is not None and box["width"] <= self.width and box["height"] >= 44  # tap size
        self.shot(f"{name}-filled")
        button.click()
        self.page.wait_for_url(re.compile(rf".*done={name}.*"))
        assert self.page.locator("#done").is_visible()
        self.shot(name)


def reported(served: Served) -> int:
    return int(
        served.api("auditor", "GET", "/dashboards/rates").json()["total"]["counts"]["reported"]
    )


def events(served: Served, case_id: str) -> list[dict[str, Any]]:
    return served.api("auditor", "GET", f"/cases/{case_id}/events").json()  # type: ignore[no-any-return]


@pytest.mark.parametrize("width", [1280, 390])
def test_the_guangchang_case_is_played_entirely_in_the_console(
    cast: Served, shots: Path, width: int
) -> None:
    with chromium() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True
        )
        context = browser.new_context(
            locale="zh-CN", viewport={"width": width, "height": 900 if width > 600 else 844}
        )
        try:
            play(Player(context.new_page(), cast, shots, width))
        finally:
            context.close()
            browser.close()


def play(me: Player) -> None:
    served, page = me.served, me.page
    before = reported(served)

    # 上报: the grid lead of 广场家园 reports the corroded water mains.
    me.as_user("gl-guangchang")
    page.goto(served.base + "/ui/new-case")
    form = page.locator("#form-report")
    form.locator('select[name="grid_id"]').select_option("guangchang-jiayuan")
    form.locator('select[name="category_id"]').select_option("facility-renovation")
    form.locator('select[name="channel"]').select_option("visit")
    form.locator('[name="title"]').fill(f"广场家园管网腐蚀破损，经常停水停暖（{me.width}）")
    form.locator('[name="description"]').fill("广场家园由于管网腐蚀破损严重，园区经常停水、停暖。")
    no_overflow(page, me.width, "#form-report")
    me.shot("report-filled")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/ui/cases/[0-9a-f-]+\?done=report.*"))
    case_id = re.search(r"/ui/cases/([0-9a-f-]+)", page.url).group(1)  # type: ignore[union-attr]
    me.shot("reported")

    # The dashboard's 受理 figure moves by one, as the API says.
    after = reported(served)
    assert after == before + 1
    me.as_user("auditor")
    page.goto(served.base + "/ui/")
    assert page.locator('[data-count="reported"]').inner_text() == str(after)

    # The community's coordinator takes it up to the street: the grid cannot fund the mains.
    me.as_user("co-yljw")
    me.open_case(case_id)
    no_overflow(page, me.width, "#case-actions")
    me.submit(
        "escalate", {"reason": "管网整体改造需筹措资金，网格无力解决。"}, {"to_level": "street"}
    )

    # The street's coordinator blows the whistle for the owners' committee and the property firm.
    me.as_user("co-jianshe")
    me.open_case(case_id)
    deadline = (datetime.now(UTC) + timedelta(days=1)).astimezone(BEIJING)
    me.submit(
        "whistle",
        {"report_in_deadline": deadline.strftime("%Y-%m-%dT%H:%M"), "reason": "管网改造，召集出资"},
        checks=["guangchang-owners", "yljw-property"],
    )

    # Each liaison reports in and pledges for their own unit.
    for liaison, kind, party, fen in (
        ("li-guangchang-owners", "owners_fund", "广场家园业委会（两共基金）", "60000000"),
        ("li-yljw-property", "property_company", "亿利金威物业公司", "20000000"),
    ):
        me.as_user(liaison)
        me.open_case(case_id)
        assert page.locator("#form-resolve").count() == 0  # a liaison does not resolve
        me.submit("report_in", {"note": "已到场"})
        me.submit("pledge", {"party_name": party, "amount_fen": fen, "purpose": "管网改造"},
                  {"party_kind": kind})  # fmt: skip

    # The community's coordinator resolves; another coordinator records the 回访; then 归档.
    me.as_user("co-yljw")
    me.open_case(case_id)
    me.submit("resolve", {"summary": "共同完成了管网改造，解决了居民的心头之忧。"})
    assert page.locator("#form-evaluate").count() == 0  # the resolver does not record it
    me.as_user("co-jianshe")
    me.open_case(case_id)
    me.submit(
        "evaluate", {"comment": "居民满意"}, {"solved": "solved", "satisfaction": "satisfied"}
    )
    me.as_user("co-yljw")
    me.open_case(case_id)
    me.submit("close", {"remark": "归档"})

    case = served.api("auditor", "GET", f"/cases/{case_id}").json()
    assert case["status"] == "closed" and case["pledged_fen"] == 80000000
    assert page.locator("#status").inner_text() == case["status_label"]
    assert page.locator("#no-actions").is_visible()
    types = [e["type"] for e in events(served, case_id)]
    assert types == [
        "CaseReported", "CaseEscalated", "WhistleBlown",
        "UnitReportedIn", "FundingPledged", "UnitReportedIn", "FundingPledged",
        "CaseResolved", "CaseEvaluated", "CaseClosed",
    ]  # fmt: skip
    actors = [e["actor_id"] for e in events(served, case_id)]
    assert actors[0] == "gl-guangchang" and actors[2] == "co-jianshe" and actors[8] == "co-jianshe"


def no_overflow(page: Any, width: int, selector: str) -> None:
    """The forms fit the screen: they stack at 390 px."""
    box = page.locator(selector).bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, box
