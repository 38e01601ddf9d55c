"""The console's 我的待办 page: each role's queue as cards; bad filters are shown, not ignored."""

from __future__ import annotations

import pytest

from tests.e2e import helpers as h
from tests.e2e.test_console_pages import sign_in
from tests.support.api import USERS, Api


def settle(api: Api) -> None:
    api.get("admin", "/cases", min_position=api.event_count())


@pytest.mark.parametrize("user", sorted(USERS))
def test_queue_page_renders_for_every_role(api: Api, user: str) -> None:
    h.whistled_case(api)
    settle(api)
    sign_in(api, user)
    r = api.client.get("/ui/queue")
    assert r.status_code == 200, r.text[:300]
    assert "我的待办" in r.text and 'href="/static/queue.css"' in r.text


def test_queue_page_lists_the_grid_leads_cases_with_overdue_marked(api: Api) -> None:
    late = h.report(api, category_id="heating", title="暖气不热")
    api.clock.advance(hours=3)
    fresh = h.report(api, category_id="heating", title="暖气漏水")
    theirs = h.report(api, user="other_grid_lead", grid_id="jintai", title="别处的暖气")
    settle(api)
    sign_in(api, "grid_lead")
    page = api.client.get("/ui/queue").text
    assert page.index(late) < page.index(fresh)  # the overdue one first
    assert theirs not in page
    late_card = page[page.index(late) - 200 : page.index(fresh)]
    assert "overdue" in late_card and "超期" in late_card
    searched = api.client.get("/ui/queue", params={"q": "漏水"}).text
    assert fresh in searched and late not in searched


def test_queue_page_shows_a_bad_filter_instead_of_ignoring_it(api: Api) -> None:
    h.report(api)
    settle(api)
    sign_in(api, "grid_lead")
    for params, named in (
        ({"grid": "nowhere"}, "网格"),
        ({"category": "nope"}, "问题类别"),
        ({"status": "lost"}, "status"),
        ({"reported_from": "yesterday"}, "reported_from"),
        ({"q": "长" * 101}, "关键词"),
    ):
        r = api.client.get("/ui/queue", params=params)
        assert r.status_code == 422, params
        assert 'id="filter-error"' in r.text and named in r.text, params
        assert 'class="queue-card' not in r.text


def test_queue_page_escapes_the_keyword(api: Api) -> None:
    sign_in(api, "grid_lead")
    r = api.client.get("/ui/queue", params={"q": '"><script>alert(1)</script>'})
    assert r.status_code == 200
    assert "<script>alert(1)</script>" not in r.text


def test_ledger_page_shows_an_unknown_filter_id(api: Api) -> None:
    sign_in(api, "coordinator")
    r = api.client.get("/ui/ledger", params={"community": "atlantis"})
    assert r.status_code == 422
    assert "未知的社区" in r.text and "atlantis" in r.text
