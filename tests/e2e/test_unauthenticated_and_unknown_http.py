"""401 for a missing, unknown or revoked token; 404 for an unknown case, whistle or route.

Each refused write is checked twice: the problem+json it answers, and that the event log
did not move.
"""

from __future__ import annotations

import pytest

from tests.e2e import helpers as h
from tests.support.api import Api
from tests.support.backends import sqlite_module

# SQLite only: tokens are checked before the store; an unknown id is the library's same 'not found' on both.
pytestmark = sqlite_module

# ----- 401 -------------------------------------------------------------------------------


def _unauthenticated(api: Api, headers: dict[str, str], case_id: str) -> None:
    before = api.event_count()
    for response in (
        api.client.get(f"/cases/{case_id}", headers=headers),
        api.client.get("/cases", headers=headers),
        api.client.get("/inbox", headers=headers),
        api.client.get("/audit/verify", headers=headers),
        api.client.post("/cases", json=h.case_body(), headers=headers),
        api.client.post(f"/cases/{case_id}/notes", json={"text": "x"}, headers=headers),
        api.client.post(f"/cases/{case_id}/notes", json={"bogus": 1}, headers=headers),
    ):
        h.assert_problem(response, 401, "unauthenticated")
        assert response.headers["www-authenticate"] == "Bearer"
    assert api.event_count() == before


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer ", "Bearer cs_not-a-real-token", "Basic Z3JpZF9sZWFkOng=", "grid_lead"],
)
def test_missing_or_unknown_token_is_401(api: Api, authorization: str | None) -> None:
    case_id = h.report(api)
    headers = {} if authorization is None else {"Authorization": authorization}
    _unauthenticated(api, headers, case_id)


def test_revoked_token_is_401(api: Api) -> None:
    case_id = h.report(api)
    headers = api.headers("coordinator")
    assert api.client.get(f"/cases/{case_id}", headers=headers).status_code == 200
    assert api.container.users.revoke("coordinator")
    _unauthenticated(api, headers, case_id)
    assert api.get("grid_lead", f"/cases/{case_id}").status_code == 200  # others unaffected


# ----- 404 -------------------------------------------------------------------------------

UNKNOWN = "00000000-0000-4000-8000-000000000000"


def test_unknown_case_is_404(api: Api) -> None:
    h.report(api)
    before = api.event_count()
    h.assert_problem(api.get("admin", f"/cases/{UNKNOWN}"), 404, "case_not_found")
    h.assert_problem(api.get("admin", f"/cases/{UNKNOWN}/events"), 404, "case_not_found")
    for path, body in [
        ("notes", {"text": "x"}),
        ("escalations", {"to_level": "street", "reason": "x"}),
        ("resolution", {"summary": "x"}),
        ("close", {}),
        ("whistles/W1/report-ins", {"unit_id": "jianshe-police"}),
    ]:
        response = api.post("admin", f"/cases/{UNKNOWN}/{path}", body)
        h.assert_refused(api, before, response, 404, "case_not_found")


def test_marking_a_duplicate_of_an_unknown_case_is_404(api: Api) -> None:
    case_id = h.report(api)
    before = api.event_count()
    body = {"original_case_id": UNKNOWN}
    response = api.post("coordinator", f"/cases/{case_id}/duplicate-of", body)
    h.assert_refused(api, before, response, 404, "case_not_found")


def test_unknown_whistle_is_404(api: Api) -> None:
    case_id, _ = h.whistled_case(api)
    before = api.event_count()
    response = api.post("police", f"/cases/{case_id}/whistles/W2/report-ins", {})
    h.assert_refused(api, before, response, 404, "whistle_not_found")
    body = {"whistle_id": "W9", "unit_id": "jianshe-police", "score": 80}
    response = api.post("coordinator", f"/cases/{case_id}/unit-evaluations", body)
    h.assert_refused(api, before, response, 404, "whistle_not_found")


def test_unknown_route_and_method_are_problems(api: Api) -> None:
    h.assert_problem(api.get("admin", "/nowhere"), 404, "http_404")
    h.assert_problem(api.client.delete("/cases", headers=api.headers("admin")), 405, "http_405")
