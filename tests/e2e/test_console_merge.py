"""合并 in the console: the case page lists 可能重复的案件; a coordinator merges the case
into one of them, or them into the case, in one step. A grid lead sees the list only."""

from __future__ import annotations

import re

from tests.e2e import helpers as h
from tests.e2e.test_console_forms import form_of
from tests.e2e.test_console_pages import sign_in
from tests.support.api import Api
from tests.support.backends import sqlite_only

pytestmark = sqlite_only  # the page around the finder; its ranking runs on both elsewhere
TITLE = "锦华小区3号楼暖气不热"


def _heating(api: Api) -> str:
    return h.report(api, category_id="heating", title=TITLE)


def _page(api: Api, case_id: str) -> str:
    api.get("coordinator", "/cases", min_position=api.event_count())  # the views hold all
    page = api.client.get(f"/ui/cases/{case_id}")
    assert page.status_code == 200, page.text[:300]
    return str(page.text)


def test_a_new_report_is_merged_into_its_likely_duplicate_in_one_step(api: Api) -> None:
    original = _heating(api)
    new = _heating(api)
    sign_in(api, "coordinator")
    page = _page(api, new)
    assert "可能重复的案件" in page and f'href="/ui/cases/{original}"' in page
    form = re.search(rf'<form[^>]*id="merge-into-{original}".*?</form>', page, re.S)
    assert form is not None
    fields = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', form.group(0)))
    r = api.client.post(f"/ui/cases/{original}/do/merge", data=fields, follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    assert api.get("coordinator", f"/cases/{new}").json()["duplicate_of"] == original
    assert re.search(r'id="callers">2<', _page(api, original))
    again = api.client.post(f"/ui/cases/{original}/do/merge", data=fields, follow_redirects=False)
    assert again.status_code == 303  # the same form sent twice writes once
    assert api.get("coordinator", f"/cases/{original}").json()["version"] == 2


def test_likely_duplicates_are_merged_into_the_case_from_its_page(api: Api) -> None:
    original, a, b = _heating(api), _heating(api), _heating(api)
    sign_in(api, "coordinator")
    fields = form_of(_page(api, original), "merge")
    data = {**fields, "case_ids": [a, b], "reason": "供暖中断重复来电"}
    r = api.client.post(f"/ui/cases/{original}/do/merge", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    assert api.get("coordinator", f"/cases/{original}").json()["callers"] == 3


def test_a_grid_lead_sees_likely_duplicates_but_no_merge_form(api: Api) -> None:
    original = _heating(api)
    new = _heating(api)
    sign_in(api, "grid_lead")
    page = _page(api, new)
    assert f'href="/ui/cases/{original}"' in page
    assert "merge-into-" not in page and 'id="form-merge"' not in page
