"""The 12345 platform and a residents' app work through the API: signing in to the console
with their token is refused on the sign-in page, in Chinese, and opens no session (review of
issue 16: they used to land on a 403 page under a navigation whose every link was 403)."""

from __future__ import annotations

import pytest

from domain.values import Role
from interfaces.cli.users import add_user
from interfaces.web.session import SESSION_COOKIE
from tests.support.api import Api
from tests.support.backends import sqlite_only
from tests.support.console import login_csrf

pytestmark = sqlite_only  # the console's sign-in: the backend cannot change it


@pytest.mark.parametrize("role", [Role.PLATFORM, Role.PORTAL])
def test_an_api_only_account_is_refused_at_sign_in(api: Api, role: Role) -> None:
    token = add_user(api.container, "machine", "对接账号", role, [])
    form = {"user": "machine", "token": token, "next": "/ui/", "csrf": login_csrf(api)}
    answer = api.client.post("/ui/login", data=form, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/ui/login?error=api")
    assert SESSION_COOKIE not in answer.cookies
    page = api.client.get(answer.headers["location"]).text
    assert "通过接口对接，不使用控制台" in page
    assert api.client.get("/ui/", follow_redirects=False).status_code in (303, 401)


def test_a_console_user_still_signs_in(api: Api) -> None:
    form = {"user": "admin", "token": api.tokens["admin"], "next": "/ui/", "csrf": login_csrf(api)}
    answer = api.client.post("/ui/login", data=form, follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/ui/")
