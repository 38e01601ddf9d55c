"""The console's 通知投递 page: an admin sees a dead letter and replays it (once, however
often the form is sent); anyone else gets the 403 page; what a hostile receiver answered
is shown as text, never run as markup. SQLite only: the page reads the same outbox store
that test_notify_outbox checks on both backends."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from infrastructure.settings import Settings
from tests.support.api import Api
from tests.support.backends import sqlite_only
from tests.support.clock import FakeClock
from tests.support.console import sign_in
from tests.support.webhooks import SECRET, SECRET_ENV, Receiver, dead_letter, refusing_api, running

pytestmark = sqlite_only
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def api(
    settings: Settings, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Api]:
    """A 政务微信-style robot that refuses every message with markup in its ``errmsg``."""
    monkeypatch.setenv(SECRET_ENV, SECRET)
    with running(Receiver()) as receiver:
        receiver.answer = (200, json.dumps({"errcode": 93000, "errmsg": HOSTILE}).encode())
        with refusing_api(settings, clock, tmp_path, receiver, fmt="wecom") as api:
            yield api


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_an_admin_sees_a_dead_letter_escaped_and_replays_it_once(api: Api) -> None:
    dead = dead_letter(api.container)
    sign_in(api, "admin")
    page = api.client.get("/ui/admin/notifications").text
    assert '<a href="/ui/admin/notifications">通知投递</a>' in page  # in the admin nav
    row = page.split(f'data-delivery="{dead.delivery_id}"', 1)[1].split("</tr>", 1)[0]
    assert "车辆占用消防通道" in row and "吹哨召集" in row and "测试接收方" in row
    assert HOSTILE not in page and "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in row  # shown, as text
    form = {"csrf": _csrf(page), "replays": "0"}
    action = f"/ui/admin/notifications/{dead.delivery_id}/replay"
    first = api.client.post(action, data=form, follow_redirects=False)
    assert first.status_code == 303
    assert "已重新排队投递" in api.client.get(first.headers["location"]).text
    twice = api.client.post(action, data=form, follow_redirects=False)  # sent again
    assert twice.status_code == 303 and twice.headers["location"].endswith("done=already")
    row_now = api.container.notifier.store.get(dead.delivery_id)
    assert (row_now.status, row_now.replays) == ("pending", 1)
    pending = api.client.get("/ui/admin/notifications?status=pending").text
    assert f'data-delivery="{dead.delivery_id}"' in pending and "下次尝试（北京时间）" in pending
    assert "2024-03-01 17:00" in pending  # due now, 09:00 UTC, in Beijing time


def test_others_get_the_403_page_and_a_form_without_csrf_changes_nothing(api: Api) -> None:
    dead = dead_letter(api.container)
    action = f"/ui/admin/notifications/{dead.delivery_id}/replay"
    sign_in(api, "coordinator")
    refused = api.client.get("/ui/admin/notifications")
    assert refused.status_code == 403 and 'id="error-page"' in refused.text
    assert "通知投递" not in api.client.get("/ui/").text  # not in a non-admin's nav
    csrf = _csrf(api.client.get("/ui/").text)
    assert api.client.post(action, data={"csrf": csrf, "replays": "0"}).status_code == 403
    sign_in(api, "admin")
    forged = api.client.post(action, data={"csrf": "guessed", "replays": "0"})
    assert forged.status_code == 403 and "表单已过期" in forged.text
    assert api.container.notifier.store.get(dead.delivery_id).status == "dead"
