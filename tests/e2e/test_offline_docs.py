"""Every page works on a network without the internet: the API docs and the console name
no outside address, and every asset they load is served by the app itself."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest

from tests.e2e import helpers as h
from tests.e2e.test_console_pages import sign_in
from tests.support.api import Api

LINK = re.compile(r"""(?:src|href|spec-url)\s*=\s*["']([^"']*)["']|url\(\s*['"]?([^'")]+)""")
ACTION = re.compile(r"""action\s*=\s*["']([^"']*)["']""")  # checked, not followed (POST)
# SwaggerUIBundle({ url: '/openapi.json' }): the schema the page fetches
SCHEMA_URL = re.compile(r"""\burl:\s*['"]([^'"]+)['"]""")
MAX_PAGES = 80


def references(text: str) -> list[str]:
    found = [a or b for a, b in LINK.findall(text)] + SCHEMA_URL.findall(text)
    return _clean(found)


def _clean(found: list[str]) -> list[str]:
    return [u.strip() for u in found if u.strip() and not u.startswith(("#", "data:"))]


def external(urls: list[str]) -> list[str]:
    return [u for u in urls if urlsplit(u).scheme or u.startswith("//")]


def crawl(api: Api, start: list[str]) -> dict[str, str]:
    """GET every same-origin page reachable from ``start`` (console and docs), with the
    client's current cookies; returns path → body of each HTML, CSS or JSON answer."""
    seen: dict[str, str] = {}
    todo = list(start)
    while todo and len(seen) < MAX_PAGES:
        path = todo.pop(0)
        if path in seen or path.startswith("/ui/logout"):
            continue
        r = api.client.get(path)
        assert r.status_code == 200, (path, r.status_code)
        kind = r.headers.get("content-type", "")
        seen[path] = r.text if kind.startswith(("text/html", "text/css")) else ""
        for url in references(seen[path]):
            target = urljoin(path, url)
            if target.startswith("/") and target not in seen:
                todo.append(target)
    return seen


def test_docs_and_redoc_load_only_packaged_assets(api: Api) -> None:
    for page in ("/docs", "/redoc"):
        html = api.client.get(page).text
        urls = references(html)
        assert external(urls) == [], page
        assets = [u for u in urls if u.endswith((".js", ".css"))]
        assert assets, page  # the page does load Swagger UI / ReDoc, from here
        for url in [*assets, "/openapi.json"]:
            r = api.client.get(url)
            assert r.status_code == 200 and len(r.content) > 1000, url
    assert "validatorUrl" in api.client.get("/docs").text  # no badge from validator.swagger.io


@pytest.mark.parametrize("user", ["admin", "police", "grid_lead"])
def test_no_console_page_names_an_outside_address(api: Api, user: str) -> None:
    case_id, whistle_id = h.whistled_case(api)  # the police liaison is summoned
    h.pledge(api, case_id)
    api.get("admin", "/cases", min_position=api.event_count())
    sign_in(api, user)
    pages = crawl(api, ["/ui/", "/ui/ledger", "/ui/inbox", "/docs", "/redoc"])
    assert "/static/style.css" in pages
    assert f"/ui/cases/{case_id}" in pages  # reached through the ledger's links
    for path, body in pages.items():
        assert external(references(body)) == [], path
        assert external(_clean(ACTION.findall(body))) == [], path


def test_favicon_answers_with_an_icon(api: Api) -> None:
    r = api.client.get("/favicon.ico")
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/png"
    assert r.content.startswith(b"\x89PNG")
