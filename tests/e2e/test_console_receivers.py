"""The 通知投递 page names each webhook receiver and whether it is switched on (review of
issue 16: with the demo's receivers off the page showed only zeros, and an admin could not
tell "nothing to send" from "nothing will be sent")."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from infrastructure.settings import Settings
from tests.support.api import Api
from tests.support.backends import sqlite_only
from tests.support.clock import FakeClock
from tests.support.console import sign_in
from tests.support.webhooks import SECRET, SECRET_ENV, Receiver, refusing_api, running

pytestmark = sqlite_only


@pytest.fixture
def api(
    settings: Settings, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Api]:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    with running(Receiver()) as receiver, refusing_api(settings, clock, tmp_path, receiver) as api:
        yield api


def test_the_page_lists_receivers_switched_on_and_off(api: Api) -> None:
    notifier = api.container.notifier
    on = list(notifier.config.endpoints.values())
    assert on  # the fixture's receiver
    sign_in(api, "admin")
    page = api.client.get("/ui/admin/notifications").text
    section = page.split('id="receivers"', 1)[1].split("</section>", 1)[0]
    for e in on:
        assert f'data-endpoint="{e.id}"' in section and e.name in section
    assert "已启用" in section
    for e in notifier.switched_off:
        assert f'data-endpoint="{e.id}"' in section
    assert ("未启用" in section) == bool(notifier.switched_off)


def test_a_switched_off_receiver_says_which_variable_to_set(
    settings: Settings, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)  # the receiver's secret is not set
    with running(Receiver()) as receiver, refusing_api(settings, clock, tmp_path, receiver) as api:
        off = api.container.notifier.switched_off
        assert off
        sign_in(api, "admin")
        page = api.client.get("/ui/admin/notifications").text
        section = page.split('id="receivers"', 1)[1].split("</section>", 1)[0]
        for e in off:
            item = section.split(f'data-endpoint="{e.id}"', 1)[1].split("</li>", 1)[0]
            assert "未启用" in item and SECRET_ENV in item
