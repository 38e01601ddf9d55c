"""Values the event log must not take because the views could not hold them: far-future
deadlines, control characters, out-of-range filters and instants. On both backends: some
of these once failed on PostgreSQL only.

Each refused write is checked twice: the problem+json it answers, and that the event log
did not move.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from interfaces.http import waiting
from tests.e2e import helpers as h
from tests.support.api import Api


def lenient(api: Api) -> TestClient:
    """A client on the same app that answers a 500 instead of raising the server's error."""
    return TestClient(api.client.app, raise_server_exceptions=False)


# Found by this suite as bugs (a 201 whose event then stopped the ledger projection for good,
# or a 500); each is now refused with 422 before anything is written.


def _refused_and_views_still_follow(api: Api, response: Any, before: int) -> None:
    h.assert_refused(api, before, response, 422)
    position = h.created(api.post("grid_lead", "/cases", h.case_body()))["position"]
    assert api.get("admin", "/cases", min_position=position).status_code == 200
    health = api.client.get("/healthz").json()
    assert health["status"] == "ok" and health["projections"]["ledger"]["lag"] == 0


@pytest.mark.parametrize(
    "deadline",
    [
        "9999-12-31T23:59:59-01:00",  # overflowed on conversion to UTC in the projection
        "2200-01-02T00:00:00+00:00",
        "P91D",  # more than 90 days ahead
    ],
)
def test_far_future_deadline_is_refused(
    api: Api, monkeypatch: pytest.MonkeyPatch, deadline: str
) -> None:
    monkeypatch.setattr(waiting, "WAIT_SECONDS", 1.0)
    case_id = h.escalated_case(api)
    if deadline == "P91D":
        deadline = (api.clock.now + timedelta(days=91)).isoformat()
    body = {**h.whistle_body(api), "report_in_deadline": deadline}
    before = api.event_count()
    response = api.post("coordinator", f"/cases/{case_id}/whistles", body)
    _refused_and_views_still_follow(api, response, before)


def test_deadline_within_90_days_is_accepted(api: Api) -> None:
    case_id = h.escalated_case(api)
    deadline = (api.clock.now + timedelta(days=89)).isoformat()
    body = {**h.whistle_body(api), "report_in_deadline": deadline}
    assert api.post("coordinator", f"/cases/{case_id}/whistles", body).status_code == 201


@pytest.mark.parametrize(
    ("path", "field"),
    [("/cases", "title"), ("notes", "text"), ("resolution", "summary"), ("pledges", "party_name")],
)
@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f"])
def test_control_characters_in_text_are_refused(
    api: Api, monkeypatch: pytest.MonkeyPatch, path: str, field: str, char: str
) -> None:
    """Regression: a NUL in a title was written, then PostgreSQL could not project it."""
    monkeypatch.setattr(waiting, "WAIT_SECONDS", 1.0)
    case_id = h.report(api)
    bodies = {
        "/cases": h.case_body(),
        "notes": {"text": "x"},
        "resolution": {"summary": "x"},
        "pledges": {"party_kind": "government", "party_name": "x", "amount_fen": 1},
    }
    body = {**bodies[path], field: f"消防{char}通道"}
    url = path if path == "/cases" else f"/cases/{case_id}/{path}"
    before = api.event_count()
    _refused_and_views_still_follow(api, api.post("admin", url, body), before)


def test_line_breaks_and_tabs_in_text_are_kept(api: Api) -> None:
    case_id = h.report(api, description="第一行\n第二行\t备注")
    assert api.get("admin", f"/cases/{case_id}").json()["description"] == "第一行\n第二行\t备注"


@pytest.mark.parametrize(
    "params",
    [
        {"reported_from": "0001-01-01T00:00:00+01:00"},  # was a 500 (OverflowError)
        {"reported_to": "9999-12-31T23:59:59-01:00"},
        {"reported_from": "1989-12-31T23:59:59+00:00"},
        {"grid": "a\x00b"},  # was a 500 on PostgreSQL (NUL in a text parameter)
        {"community": "a\x00b"},
        {"street": "a b"},
        {"category": "a\x00b"},
    ],
)
def test_out_of_range_or_malformed_list_filters_are_422(api: Api, params: dict[str, str]) -> None:
    h.report(api)
    response = lenient(api).get("/cases", params=params, headers=api.headers("admin"))
    h.assert_problem(response, 422)


@pytest.mark.parametrize("as_of", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_out_of_range_as_of_is_answered_without_a_server_error(api: Api, as_of: str) -> None:
    case_id = h.report(api)
    response = lenient(api).get(
        f"/cases/{case_id}", params={"as_of": as_of}, headers=api.headers("auditor")
    )
    # outside 1990–2200, as the write path refuses such times too
    h.assert_problem(response, 422, "invalid_value")
    assert response.headers["content-type"] == h.PROBLEM_JSON
