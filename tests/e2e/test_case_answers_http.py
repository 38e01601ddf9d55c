"""What writes answer (201, version, position, ETag) and what a case reads as, now, at a
version, as of a moment, and as its chained events; over HTTP, on both backends."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e import helpers as h
from tests.support.api import Api

GENESIS = "0" * 64


# ----- 201 ---------------------------------------------------------------------------


def test_report_answers_201_with_id_version_position_location_and_etag(api: Api) -> None:
    response = api.post("grid_lead", "/cases", h.case_body())
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"case_id", "version", "position"}
    assert body["version"] == 1
    assert body["position"] == api.event_count() == 1
    assert response.headers["location"] == f"/cases/{body['case_id']}"
    assert response.headers["etag"] == '"1"'


def test_every_write_answers_the_new_version_as_etag(api: Api) -> None:
    case_id = h.report(api)
    response = api.post("coordinator", f"/cases/{case_id}/notes", {"text": "入户"})
    assert response.status_code == 201
    assert response.json() == {"case_id": case_id, "version": 2, "position": 2}
    assert response.headers["etag"] == '"2"'
    assert response.headers["location"] == f"/cases/{case_id}"
    got = api.get("auditor", f"/cases/{case_id}")
    assert got.headers["etag"] == '"2"' and got.json()["version"] == 2


def test_whistle_answers_its_id_and_report_in_whether_it_was_late(api: Api) -> None:
    case_id = h.escalated_case(api)
    blown = h.whistle(api, case_id)
    assert blown["whistle_id"] == "W1" and "late" not in blown
    api.clock.advance(minutes=10)
    on_time = h.report_in(api, case_id, "W1", "police")
    api.clock.advance(minutes=30)
    late = h.report_in(api, case_id, "W1", "property")
    assert (on_time["late"], late["late"]) == (False, True)
    assert "whistle_id" not in on_time


def test_case_body_shows_the_whole_case(api: Api) -> None:
    case_id = h.escalated_case(api)
    h.whistle(api, case_id)
    h.pledge(api, case_id, amount_fen=123_45)
    case = api.get("grid_lead", f"/cases/{case_id}").json()
    assert case["case_id"] == case_id
    assert (case["grid_id"], case["community_id"], case["street_id"]) == (
        "chengshi-huating",
        "yili-jinwei",
        "jianshe",
    )
    assert (case["status"], case["level"], case["status_label"]) == (
        "in_progress",
        "street",
        "办理中",
    )
    assert case["whistles"][0]["unit_ids"] == h.UNITS
    assert case["pledged_fen"] == 123_45
    assert case["reported_by"] == "grid_lead"


# ----- GET /cases/{id}: now, at a version, as of a moment ---------------------------------


def test_case_at_a_version_and_as_of_a_moment(api: Api) -> None:
    case_id = h.report(api)  # 09:00
    api.clock.advance(hours=1)
    h.escalate(api, case_id)  # 10:00, version 2
    api.clock.advance(hours=1)
    h.resolve(api, case_id)  # 11:00, version 3
    path = f"/cases/{case_id}"

    at_v1 = api.get("auditor", path, version=1)
    assert at_v1.status_code == 200 and at_v1.headers["etag"] == '"1"'
    assert (at_v1.json()["version"], at_v1.json()["level"]) == (1, "grid")
    assert api.get("auditor", path, version=2).json()["level"] == "street"
    assert api.get("auditor", path, version=3).json()["status"] == "resolved"

    def as_of(moment: str) -> dict[str, Any]:
        response = api.get("auditor", path, as_of=moment)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    assert as_of("2024-03-01T09:59:59+00:00")["version"] == 1
    assert as_of("2024-03-01T10:00:00+00:00")["version"] == 2  # an event at the moment counts
    assert as_of("2024-03-01T18:30:00+08:00")["version"] == 2  # 10:30 UTC
    assert as_of("2030-01-01T00:00:00+00:00")["version"] == 3
    assert api.get("auditor", path).json()["version"] == 3


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"version": 4}, 404, "version_not_found"),
        ({"version": 0}, 422, "invalid_request"),
        ({"as_of": "2024-03-01T08:59:59+00:00"}, 404, "version_not_found"),  # before reporting
        ({"as_of": "2024-03-01T09:00:00"}, 422, "invalid_value"),  # no time zone
        ({"version": 1, "as_of": "2024-03-01T09:00:00+00:00"}, 422, "invalid_value"),
    ],
)
def test_case_at_refuses(api: Api, params: dict[str, Any], status: int, code: str) -> None:
    case_id = h.report(api)
    api.clock.advance(hours=1)
    h.escalate(api, case_id)
    api.clock.advance(hours=1)
    h.resolve(api, case_id)
    h.assert_problem(api.get("auditor", f"/cases/{case_id}", **params), status, code)


# ----- GET /cases/{id}/events -------------------------------------------------------------


def test_events_are_the_full_chained_history(api: Api) -> None:
    case_id, whistle_id = h.whistled_case(api)
    api.clock.advance(minutes=5)
    h.report_in(api, case_id, whistle_id, "police", note="民警到场")
    response = api.get("auditor", f"/cases/{case_id}/events")
    assert response.status_code == 200
    events = response.json()
    fields = {"version", "type", "label", "at", "actor_id", "actor_role", "data", "hash"}
    assert all(set(e) == fields | {"prev_hash"} for e in events)
    assert [e["version"] for e in events] == [1, 2, 3, 4]
    assert [e["type"] for e in events] == [
        "CaseReported",
        "CaseEscalated",
        "WhistleBlown",
        "UnitReportedIn",
    ]
    assert [e["label"] for e in events] == ["上报受理", "上报升级", "吹哨", "部门报到"]
    assert [(e["actor_id"], e["actor_role"]) for e in events] == [
        ("grid_lead", "grid_lead"),
        ("coordinator", "coordinator"),
        ("coordinator", "coordinator"),
        ("police", "liaison"),
    ]
    assert events[0]["prev_hash"] == GENESIS
    for before, after in zip(events, events[1:], strict=False):
        assert after["prev_hash"] == before["hash"]
    assert len({e["hash"] for e in events}) == 4
    assert all(len(e["hash"]) == 64 for e in events)
    assert events[3]["data"]["unit_id"] == "jianshe-police"
    assert events[3]["data"]["note"] == "民警到场" and events[3]["data"]["late"] is False
    assert events[3]["at"].startswith("2024-03-01T09:05:00")
    assert events[2]["data"]["unit_ids"] == h.UNITS
