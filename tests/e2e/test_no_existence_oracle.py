"""A case outside the caller's scope answers exactly as a case that does not exist: 404,
the same problem body (the id aside), on every case route — reads, history, contact,
erasure and every write. Otherwise a 403 would tell an attacker which ids are real."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from tests.e2e import helpers as h
from tests.support.api import Api
from tests.support.backends import sqlite_module

# SQLite only: the answer is the access policy's over a loaded case, the same on both stores.
pytestmark = sqlite_module

READS = ["", "/events", "/resident"]
WRITES: list[tuple[str, dict[str, Any]]] = [
    ("notes", {"text": "入户走访"}),
    ("escalations", {"to_level": "community", "reason": "网格内无法协调"}),
    ("whistles", {"unit_ids": ["jianshe-police"], "reason": "联合执法"}),
    ("whistles/W1/report-ins", {"unit_id": "jianshe-police"}),
    ("pledges", {"party_kind": "government", "party_name": "街道", "amount_fen": 100}),
    ("resolution", {"summary": "已清理"}),
    ("evaluations", {"solved": "solved", "satisfaction": "satisfied"}),
    ("unit-evaluations", {"whistle_id": "W1", "unit_id": "jianshe-police", "score": 90}),
    ("reopen", {"reason": "居民不满意"}),
    ("close", {}),
    ("withdrawal", {"reason": "撤回"}),
    ("duplicate-of", {"original_case_id": str(uuid4())}),
    ("resident/erasure", {"reason": "居民本人申请"}),
]
# Users who may not see the fire-lane case in grid chengshi-huating, one per role kind.
OUTSIDERS = ["other_grid_lead", "other_coordinator", "other_liaison"]


def _without_id(body: dict[str, Any], case_id: str) -> dict[str, Any]:
    return {k: v.replace(case_id, "<id>") if isinstance(v, str) else v for k, v in body.items()}


def _same_answer(theirs: Any, unknown: Any, case_id: str, unknown_id: str) -> None:
    assert theirs.status_code == unknown.status_code == 404, (theirs.text, unknown.text)
    assert theirs.headers["content-type"] == unknown.headers["content-type"]
    assert _without_id(theirs.json(), case_id) == _without_id(unknown.json(), unknown_id)
    assert theirs.json()["code"] == "case_not_found"


@pytest.mark.parametrize("user", OUTSIDERS)
@pytest.mark.parametrize("suffix", READS)
def test_reading_another_scopes_case_answers_as_an_unknown_one(
    api: Api, user: str, suffix: str
) -> None:
    case_id, unknown_id = h.report(api), str(uuid4())
    theirs = api.get(user, f"/cases/{case_id}{suffix}")
    unknown = api.get(user, f"/cases/{unknown_id}{suffix}")
    _same_answer(theirs, unknown, case_id, unknown_id)


@pytest.mark.parametrize("user", OUTSIDERS)
@pytest.mark.parametrize(("path", "body"), WRITES, ids=[w[0] for w in WRITES])
def test_writing_to_another_scopes_case_answers_as_an_unknown_one(
    api: Api, user: str, path: str, body: dict[str, Any]
) -> None:
    case_id, _ = h.whistled_case(api)
    unknown_id = str(uuid4())
    if path == "whistles":
        body = h.whistle_body(api, ["jianshe-police"])
    if path.endswith("report-ins") and user == "other_liaison":
        body = {}  # a liaison reports for their own unit (naming another is a 403 first)
    before = api.event_count()
    theirs = api.post(user, f"/cases/{case_id}/{path}", body)
    unknown = api.post(user, f"/cases/{unknown_id}/{path}", body)
    _same_answer(theirs, unknown, case_id, unknown_id)
    assert api.event_count() == before


def test_a_role_that_may_not_act_on_a_case_it_sees_still_gets_403(api: Api) -> None:
    case_id = h.report(api)
    before = api.event_count()
    response = api.post("auditor", f"/cases/{case_id}/notes", {"text": "x"})
    h.assert_refused(api, before, response, 403, "forbidden")


def test_console_case_page_of_another_scope_is_not_found(api: Api) -> None:
    from tests.e2e.test_console_pages import sign_in

    theirs = h.report(api, user="other_grid_lead", grid_id="jintai")
    sign_in(api, "grid_lead")
    out_of_scope = api.client.get(f"/ui/cases/{theirs}")
    unknown = api.client.get(f"/ui/cases/{uuid4()}")
    assert out_of_scope.status_code == unknown.status_code == 404
    assert "案件不存在" in out_of_scope.text
