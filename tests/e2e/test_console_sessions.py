"""Console sessions, played as an attacker: the cookie is a random session id stored hashed,
sign-out kills it on the server, it expires and idles out, sign-in needs the CSRF token
and is rate-limited, and revoking or rotating the user's token ends every session."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text

from application.access import hash_token, new_token
from application.sessions import hash_session_id
from interfaces.http.deps import SESSION_COOKIE
from tests.e2e import helpers as h
from tests.e2e.test_console_pages import login_csrf, sign_in
from tests.support.api import Api


def _session(api: Api) -> str:
    cookie = api.client.cookies.get(SESSION_COOKIE)
    assert cookie
    return cookie


def _signed_in(api: Api, cookie: str) -> bool:
    """Whether the console opens for a client holding only this session cookie."""
    api.client.cookies.clear()
    api.client.cookies.set(SESSION_COOKIE, cookie)
    r = api.client.get("/ui/ledger", follow_redirects=False)
    assert r.status_code in (200, 303), r.status_code
    return r.status_code == 200


def _set_cookie_headers(response: Any) -> dict[str, str]:
    return {c.split("=", 1)[0]: c for c in response.headers.get_list("set-cookie")}


def _login(api: Api, client: TestClient, user: str, token: str) -> Any:
    form = {"user": user, "token": token, "csrf": "t0ken"}
    client.cookies.set("chuishao_csrf", "t0ken")
    return client.post("/ui/login", data=form, follow_redirects=False)


def test_the_cookie_holds_a_random_session_id_stored_only_hashed(api: Api) -> None:
    sign_in(api, "grid_lead")
    cookie = _session(api)
    assert cookie != api.tokens["grid_lead"] and len(cookie) >= 40
    with api.container.engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM chuishao_console_sessions")).all()
    dump = " ".join(str(v) for row in rows for v in row)
    assert cookie not in dump and hash_session_id(cookie) in dump


def test_cookie_flags_httponly_samesite_strict_and_secure_when_set(api: Api) -> None:
    form = {"user": "grid_lead", "token": api.tokens["grid_lead"], "csrf": login_csrf(api)}
    r = api.client.post("/ui/login", data=form, follow_redirects=False)
    session = _set_cookie_headers(r)[SESSION_COOKIE].lower()
    assert "httponly" in session and "samesite=strict" in session and "path=/" in session
    assert "secure" not in session
    api.container.settings.secure_cookies = True  # served over HTTPS
    form["csrf"] = login_csrf(api)
    r = api.client.post("/ui/login", data=form, follow_redirects=False)
    cookies = _set_cookie_headers(r)
    assert all("; secure" in c.lower() for c in cookies.values()), cookies


def test_a_stolen_cookie_is_worthless_after_sign_out(api: Api) -> None:
    sign_in(api, "coordinator")
    stolen = _session(api)
    csrf = login_csrf(api)
    assert api.client.post("/ui/logout", data={"csrf": csrf}, follow_redirects=False).is_redirect
    assert not _signed_in(api, stolen)
    # nor does it open the API's reads (the ledger downloads take the session cookie)
    api.client.cookies.clear()
    api.client.cookies.set(SESSION_COOKIE, stolen)
    h.assert_problem(api.client.get("/ledger.csv"), 401)


def test_a_session_cookie_alone_cannot_write(api: Api) -> None:
    case_id = h.report(api)
    sign_in(api, "coordinator")
    before = api.event_count()
    response = api.client.post(f"/cases/{case_id}/notes", json={"text": "伪造"})
    h.assert_refused(api, before, response, 401)


def test_the_raw_api_token_in_the_cookie_opens_nothing(api: Api) -> None:
    assert not _signed_in(api, api.tokens["admin"])


def test_cross_site_sign_in_without_the_csrf_token_is_refused(api: Api) -> None:
    form = {"user": "admin", "token": api.tokens["admin"], "next": "/ui/"}
    r = api.client.post("/ui/login", data=form, follow_redirects=False)
    assert r.status_code == 403 and "表单已过期" in r.text
    assert SESSION_COOKIE not in _set_cookie_headers(r)
    r = api.client.post("/ui/login", data={**form, "csrf": "forged"}, follow_redirects=False)
    assert r.status_code == 403 and SESSION_COOKIE not in _set_cookie_headers(r)


def test_brute_force_from_one_address_meets_a_429_page(api: Api) -> None:
    for _ in range(5):
        assert "error=1" in _login(api, api.client, "admin", "cs_guess").headers["location"]
    blocked = _login(api, api.client, "admin", api.tokens["admin"])  # even the right token
    assert blocked.status_code == 429 and "登录失败次数过多" in blocked.text
    assert SESSION_COOKIE not in _set_cookie_headers(blocked)
    # another user from the same address is blocked too; the window passes, sign-in works
    assert _login(api, api.client, "auditor", api.tokens["auditor"]).status_code == 429
    api.clock.advance(minutes=5, seconds=1)
    assert _login(api, api.client, "admin", api.tokens["admin"]).status_code == 303


def test_brute_force_on_one_user_from_many_addresses_meets_a_429_page(api: Api) -> None:
    app = api.client.app
    for i in range(5):
        attacker = TestClient(app, client=(f"10.0.0.{i}", 4000))
        assert _login(api, attacker, "admin", "cs_guess").status_code == 303
    elsewhere = TestClient(app, client=("10.0.1.1", 4000))
    assert _login(api, elsewhere, "admin", api.tokens["admin"]).status_code == 429
    assert _login(api, elsewhere, "auditor", api.tokens["auditor"]).status_code == 303


def test_a_token_of_another_user_does_not_sign_in(api: Api) -> None:
    r = _login(api, api.client, "admin", api.tokens["auditor"])
    assert r.status_code == 303 and "error=1" in r.headers["location"]


def test_an_idle_session_ends(api: Api) -> None:
    sign_in(api, "auditor")
    cookie = _session(api)
    api.clock.advance(minutes=29)
    assert _signed_in(api, cookie)  # activity refreshes the idle clock
    api.clock.advance(minutes=29)
    assert _signed_in(api, cookie)
    api.clock.advance(minutes=30)
    assert not _signed_in(api, cookie)
    assert not _signed_in(api, cookie)  # and it stays ended


def test_an_active_session_ends_after_its_lifetime(api: Api) -> None:
    sign_in(api, "auditor")
    cookie = _session(api)
    for _ in range(8 * 3 - 1):  # busy all day: a request every 20 minutes
        api.clock.advance(minutes=20)
        assert _signed_in(api, cookie)
    api.clock.advance(minutes=20)  # 8 hours after sign-in
    assert not _signed_in(api, cookie)


def test_revoking_or_rotating_the_token_ends_the_users_sessions(api: Api) -> None:
    sign_in(api, "auditor")
    revoked = _session(api)
    sign_in(api, "coordinator")
    rotated = _session(api)
    assert api.container.users.revoke("auditor")
    assert api.container.users.rotate("coordinator", hash_token(new_token()))
    assert not _signed_in(api, revoked)
    assert not _signed_in(api, rotated)
    # re-enabling the user with a new token does not revive the old session
    assert api.container.users.enable("auditor", hash_token(new_token()))
    assert not _signed_in(api, revoked)
