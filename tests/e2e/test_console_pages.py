"""Console pages over HTTP: every page renders for every role, scopes hold, forms need CSRF."""

from __future__ import annotations

import pytest

from tests.e2e import helpers as h
from tests.support.api import USERS, Api
from tests.support.console import login_csrf, sign_in

PAGES = [
    "/ui/",
    "/ui/?by=community&street=jianshe",
    "/ui/?by=category",
    "/ui/grids",
    "/ui/units",
    "/ui/ledger",
    "/ui/inbox",
]


@pytest.mark.parametrize("user", sorted(USERS))
def test_every_page_renders_for_every_role(api: Api, user: str) -> None:
    h.resolved_case(api)
    sign_in(api, user)
    for page in PAGES:
        r = api.client.get(page)
        assert r.status_code == 200, (page, r.text[:200])
        assert '<html lang="zh-CN">' in r.text


def test_pages_need_sign_in_and_bad_tokens_are_refused(api: Api) -> None:
    r = api.client.get("/ui/ledger", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/ui/login")
    form = {"user": "grid_lead", "token": "cs_nope", "csrf": login_csrf(api)}
    bad = api.client.post("/ui/login", data=form, follow_redirects=False)
    assert "error=1" in bad.headers["location"]


def test_ledger_page_shows_only_the_users_scope(api: Api) -> None:
    h.report(api, title="本网格的案件")
    theirs = h.report(api, user="other_grid_lead", grid_id="jintai", title="别的网格的案件")
    api.get("admin", "/cases", min_position=api.event_count())
    sign_in(api, "grid_lead")
    page = api.client.get("/ui/ledger").text
    assert "本网格的案件" in page and "别的网格的案件" not in page
    other_case = api.client.get(f"/ui/cases/{theirs}")
    assert other_case.status_code == 404 and "案件不存在" in other_case.text


def test_report_in_form_without_csrf_is_refused_and_writes_nothing(api: Api) -> None:
    case_id, whistle_id = h.whistled_case(api)
    sign_in(api, "police")
    api.client.get("/ui/inbox")
    before = api.event_count()
    r = api.client.post(f"/ui/inbox/{case_id}/{whistle_id}", data={"csrf": "forged"})
    assert r.status_code == 403
    assert api.event_count() == before
