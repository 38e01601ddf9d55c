"""The console never answers 500 after a committed write: when the views lag beyond the
wait, the liaison sees the result with a notice that the views are catching up."""

from __future__ import annotations

import re

import pytest

from interfaces.web import pages
from tests.e2e import helpers as h
from tests.e2e.test_console_pages import sign_in
from tests.support.api import Api


def test_report_in_while_views_lag_shows_the_result_and_a_notice(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id, whistle_id = h.whistled_case(api)
    sign_in(api, "police")
    inbox = api.client.get("/ui/inbox").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', inbox).group(1)  # type: ignore[union-attr]
    api.container.projector.stop()  # the projector lags: nothing after this is projected
    monkeypatch.setattr(pages, "WAIT_SECONDS", 0.2)
    before = api.event_count()

    r = api.client.post(f"/ui/inbox/{case_id}/{whistle_id}", data={"csrf": csrf, "note": "到场"})

    assert r.status_code == 200, r.text[:300]
    assert "已报到" in r.text and "统计视图正在更新" in r.text
    assert api.event_count() == before + 1
    events = api.get("admin", f"/cases/{case_id}/events").json()
    assert events[-1]["type"] == "UnitReportedIn"


def test_report_in_with_views_in_step_shows_no_notice(api: Api) -> None:
    case_id, whistle_id = h.whistled_case(api)
    sign_in(api, "police")
    inbox = api.client.get("/ui/inbox").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', inbox).group(1)  # type: ignore[union-attr]
    r = api.client.post(f"/ui/inbox/{case_id}/{whistle_id}", data={"csrf": csrf})
    assert r.status_code == 200
    assert "已报到" in r.text and "统计视图正在更新" not in r.text
