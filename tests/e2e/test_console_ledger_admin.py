"""The console's ledger page (filters, sorting, pages, 超期) and user administration
(add / revoke / rotate, admins only, CSRF on every form)."""

from __future__ import annotations

import re

import pytest

from interfaces.http.deps import SESSION_COOKIE
from interfaces.web import ledger as ledger_page
from interfaces.web.session import CSRF_COOKIE
from tests.e2e import helpers as h
from tests.e2e.test_console_pages import sign_in
from tests.support.api import Api


def _cases_listed(page: str) -> list[str]:
    return re.findall(r'<tr data-case="([^"]+)"', page)


def _caught_up(api: Api) -> None:
    api.get("admin", "/cases", min_position=api.event_count())


def test_ledger_filters_by_category_status_and_place(api: Api) -> None:
    fire = h.report(api, title="消防通道")
    other = h.report(api, category_id="sanitation", title="垃圾")
    elsewhere = h.report(api, user="other_grid_lead", grid_id="jintai", title="别处")
    h.resolve(api, fire, user="grid_lead")
    _caught_up(api)
    sign_in(api, "admin")
    by_category = _cases_listed(api.client.get("/ui/ledger?category=sanitation").text)
    assert by_category == [other]
    resolved = _cases_listed(api.client.get("/ui/ledger?status=resolved").text)
    assert resolved == [fire]
    in_grid = _cases_listed(api.client.get("/ui/ledger?grid=jintai").text)
    assert in_grid == [elsewhere]


def test_ledger_shows_and_filters_overdue_as_of_now(api: Api) -> None:
    late = h.report(api, title="早报的案件")
    api.clock.advance(days=60)  # past any category's resolution limit
    fresh = h.report(api, title="新报的案件")
    done = h.report(api, title="已解决的案件")
    h.resolve(api, done, user="grid_lead")
    _caught_up(api)
    sign_in(api, "admin")
    page = api.client.get("/ui/ledger").text
    row = page.split(f'<tr data-case="{late}"', 1)[1].split("</tr>", 1)[0]
    assert 'class="overdue"' in page.split(f'<tr data-case="{late}"', 1)[0][-40:] + row[:40]
    assert "超期" in row
    only = _cases_listed(api.client.get("/ui/ledger?overdue=yes").text)
    assert only == [late]
    rest = _cases_listed(api.client.get("/ui/ledger?overdue=no").text)
    assert set(rest) == {fresh, done}


def test_ledger_sorts_by_reported_time_due_and_status(api: Api) -> None:
    first = h.report(api, title="一")
    api.clock.advance(days=7)  # deadlines count whole working days: a week apart differs
    second = h.report(api, title="二")
    h.resolve(api, first, user="grid_lead")
    _caught_up(api)
    sign_in(api, "admin")
    assert _cases_listed(api.client.get("/ui/ledger").text) == [second, first]
    assert _cases_listed(api.client.get("/ui/ledger?sort=reported&order=asc").text) == [
        first,
        second,
    ]
    assert _cases_listed(api.client.get("/ui/ledger?sort=due&order=asc").text) == [first, second]
    # 已受理 comes before 已解决待回访 in the case's course.
    assert _cases_listed(api.client.get("/ui/ledger?sort=status&order=asc").text) == [
        second,
        first,
    ]


def test_ledger_pages_keep_the_filters(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ledger_page, "PAGE", 2)
    made = []
    for i in range(3):
        made.append(h.report(api, title=f"案件{i}"))
        api.clock.advance(minutes=1)
    _caught_up(api)
    sign_in(api, "admin")
    first = api.client.get("/ui/ledger?category=fire-lane").text
    assert _cases_listed(first) == made[::-1][:2]
    link = re.search(r'id="next-page" href="([^"]+)"', first)
    assert link is not None and "category=fire-lane" in link.group(1)
    second = api.client.get("/ui/ledger" + link.group(1).replace("&amp;", "&")).text
    assert _cases_listed(second) == [made[0]] and 'id="prev-page"' in second


def test_ledger_page_has_the_key_columns_only(api: Api) -> None:
    h.report(api)
    _caught_up(api)
    sign_in(api, "admin")
    page = api.client.get("/ui/ledger").text
    head = page.split("<thead>", 1)[1].split("</thead>", 1)[0]
    assert head.count("<th>") + head.count("<th ") <= 8 and "超期" in head
    assert "认领资金" not in head


# ---- user administration -------------------------------------------------------------


def _csrf(api: Api) -> str:
    token = api.client.cookies.get(CSRF_COOKIE)
    assert token
    return token


def _user_ids(api: Api) -> set[str]:
    return {u.user_id for u in api.container.users.all()}


def _works(api: Api, token: str) -> bool:
    r = api.client.get("/dashboards/rates", headers={"Authorization": f"Bearer {token}"})
    return r.status_code == 200


def test_admin_lists_users_with_role_scope_and_state(api: Api) -> None:
    sign_in(api, "admin")
    page = api.client.get("/ui/admin/users").text
    row = page.split('<tr data-user="coordinator">', 1)[1].split("</tr>", 1)[0]
    assert "街道/社区协调员" in row and "street:jianshe" in row and "有效" in row


def test_admin_adds_a_user_and_sees_the_token_once(api: Api) -> None:
    sign_in(api, "admin")
    api.client.get("/ui/admin/users")
    form = {"csrf": _csrf(api), "user_id": "zhao", "name": "赵敏", "role": "auditor"}
    r = api.client.post("/ui/admin/users", data=form)
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    token = re.search(r'<p class="token" id="token">([^<]+)</p>', r.text)
    assert token is not None and _works(api, token.group(1))
    again = api.client.get("/ui/admin/users").text
    assert "赵敏" in again and token.group(1) not in again


def test_admin_revokes_a_token(api: Api) -> None:
    sign_in(api, "admin")
    api.client.get("/ui/admin/users")
    assert _works(api, api.tokens["auditor"])
    r = api.client.post("/ui/admin/users/auditor/revoke", data={"csrf": _csrf(api)})
    assert r.status_code == 200 and "已吊销" in r.text
    assert not _works(api, api.tokens["auditor"])


def test_admin_rotates_a_token_and_the_old_one_stops(api: Api) -> None:
    sign_in(api, "admin")
    api.client.get("/ui/admin/users")
    r = api.client.post("/ui/admin/users/coordinator/rotate", data={"csrf": _csrf(api)})
    new = re.search(r'<p class="token" id="token">([^<]+)</p>', r.text)
    assert new is not None and _works(api, new.group(1))
    assert not _works(api, api.tokens["coordinator"])


def test_rotating_an_unknown_user_is_a_chinese_page_and_writes_nothing(api: Api) -> None:
    sign_in(api, "admin")
    api.client.get("/ui/admin/users")
    r = api.client.post("/ui/admin/users/nobody/rotate", data={"csrf": _csrf(api)})
    assert r.status_code == 422 and "不存在" in r.text and "text/html" in r.headers["content-type"]


@pytest.mark.parametrize("user", ["coordinator", "auditor", "grid_lead", "police"])
def test_non_admins_get_a_403_page_and_cannot_post(api: Api, user: str) -> None:
    sign_in(api, user)
    r = api.client.get("/ui/admin/users")
    assert r.status_code == 403 and 'id="error-page"' in r.text
    form = {"csrf": _csrf(api), "user_id": "mole", "role": "admin"}
    assert api.client.post("/ui/admin/users", data=form).status_code == 403
    assert api.client.post("/ui/admin/users/admin/revoke", data=form).status_code == 403
    assert "mole" not in _user_ids(api) and _works(api, api.tokens["admin"])


def test_admin_forms_without_the_csrf_token_are_refused(api: Api) -> None:
    sign_in(api, "admin")
    api.client.get("/ui/admin/users")
    session = api.client.cookies.get(SESSION_COOKIE)
    assert session
    # A forged form from another site: the session cookie rides along, the CSRF token cannot.
    forged = {"csrf": "forged", "user_id": "mole", "role": "admin"}
    assert api.client.post("/ui/admin/users", data=forged).status_code == 403
    assert api.client.post("/ui/admin/users/auditor/revoke", data=forged).status_code == 403
    assert api.client.post("/ui/admin/users/auditor/rotate", data={}).status_code == 403
    assert "mole" not in _user_ids(api) and _works(api, api.tokens["auditor"])


def test_resolved_is_not_overdue(api: Api) -> None:
    case_id = h.report(api)
    h.resolve(api, case_id, user="grid_lead")
    api.clock.advance(days=60)
    _caught_up(api)
    sign_in(api, "admin")
    assert _cases_listed(api.client.get("/ui/ledger?overdue=yes").text) == []
