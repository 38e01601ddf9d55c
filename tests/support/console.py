"""Signing in to the web console from a test client (the sign-in form's CSRF included)."""

from __future__ import annotations

import re

from tests.support.api import Api


def login_csrf(api: Api) -> str:
    """The CSRF token the sign-in form carries (its cookie is set with the page)."""
    page = api.client.get("/ui/login").text
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def sign_in(api: Api, user: str) -> None:
    api.client.cookies.clear()
    form = {"user": user, "token": api.tokens[user], "next": "/ui/", "csrf": login_csrf(api)}
    r = api.client.post("/ui/login", data=form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/ui/", r.text[:300]
