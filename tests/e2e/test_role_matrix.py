"""Who may do what, over HTTP: every role user × every write endpoint, and the reads.

The expected answer of each cell comes from the tables below, written from the issue's
roles (not copied from ``application.access``): a cell is allowed when the user's role
may take the action *and* the case is in the user's scope. Each write runs on a case set
up so the domain rules would accept it, so a refusal can only come from access control:
a problem+json body in both languages and no event written; 404 ``case_not_found`` when
the case is outside the user's scope (exactly as for an unknown id: no existence oracle),
403 when the user sees the case but their role may not act.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.e2e import helpers as h
from tests.support.api import Api
from tests.support.backends import sqlite_only

# Tests marked sqlite_only get their answer from the access rules over a case as loaded (or
# from the OpenAPI document or the jurisdiction), which both backends load alike: the
# backend cannot change who may do what, so they run once. Case lists, inboxes and the
# audit are read through each backend's own SQL, so those run on both.

# ----- the issue's roles ---------------------------------------------------------------

EVERYTHING = {
    "report",
    "note",
    "escalate",
    "whistle",
    "report_in",
    "pledge",
    "resolve",
    "evaluate",
    "evaluate_unit",
    "reopen",
    "close",
    "withdraw",
    "mark_duplicate",
}
MAY: dict[str, set[str]] = {
    # reports in own grids, notes, resolves at grid level, escalates from the grid
    "grid_lead": {"report", "note", "resolve", "escalate"},
    "coordinator": {
        "note",
        "escalate",
        "whistle",
        "resolve",
        "evaluate",
        "evaluate_unit",
        "reopen",
        "close",
        "withdraw",
        "mark_duplicate",
        "pledge",
    },
    # reports in for the own, summoned unit; pledges for it; notes on cases summoning it
    "liaison": {"report_in", "pledge", "note"},
    "auditor": set(),
    "admin": EVERYTHING,
}
# user -> (role, whether the matrix's case lies in their scope)
# The case: grid chengshi-huating, community yili-jinwei, street jianshe; where a liaison
# may act it summons jianshe-police and yljw-property.
MATRIX_USERS: dict[str, tuple[str, bool]] = {
    "grid_lead": ("grid_lead", True),
    "coordinator": ("coordinator", True),
    "police": ("liaison", True),
    "auditor": ("auditor", True),
    "admin": ("admin", True),
    "other_grid_lead": ("grid_lead", False),
    "other_coordinator": ("coordinator", False),
    "other_liaison": ("liaison", False),
}


# The writes whose case summons the police (the others' cases involve no unit yet).
SUMMONING = {"notes", "report-ins", "pledges", "unit-evaluations"}


def sees_case(user: str, endpoint: str) -> bool:
    """Whether the user may see the write's case; reporting has no case to see."""
    role, in_scope = MATRIX_USERS[user]
    if endpoint == "POST /cases":
        return True
    if endpoint == "report-ins" and role == "liaison":
        return True  # naming another unit is refused (403) before any case is loaded
    return in_scope and (role != "liaison" or endpoint in SUMMONING)


def allowed(user: str, action: str) -> bool:
    role, in_scope = MATRIX_USERS[user]
    return action in MAY[role] and in_scope


# ----- each write endpoint, on a case where the domain would accept it --------------------


@dataclass(frozen=True)
class Write:
    action: str
    # sets up the case over HTTP; returns the path and body of the write under test
    prepare: Callable[[Api], tuple[str, dict[str, Any]]]


def _report(api: Api) -> tuple[str, dict[str, Any]]:
    return "/cases", h.case_body()


def _note(api: Api) -> tuple[str, dict[str, Any]]:
    case_id, _ = h.whistled_case(api)  # summons the police, so its liaison may note
    return f"/cases/{case_id}/notes", {"text": "联席会议", "kind": "joint_meeting"}


def _escalate(api: Api) -> tuple[str, dict[str, Any]]:
    case_id = h.report(api)  # still in the grid, so its grid lead may escalate it
    return f"/cases/{case_id}/escalations", {"to_level": "community", "reason": "网格内无法协调"}


def _whistle(api: Api) -> tuple[str, dict[str, Any]]:
    case_id = h.escalated_case(api)
    return f"/cases/{case_id}/whistles", h.whistle_body(api)


def _report_in(api: Api) -> tuple[str, dict[str, Any]]:
    case_id, whistle_id = h.whistled_case(api)
    path = f"/cases/{case_id}/whistles/{whistle_id}/report-ins"
    return path, {"unit_id": "jianshe-police", "note": "民警到场"}


def _pledge(api: Api) -> tuple[str, dict[str, Any]]:
    case_id, _ = h.whistled_case(api)
    body = {"party_kind": "government", "party_name": "建设派出所", "amount_fen": 50_000}
    return f"/cases/{case_id}/pledges", body


def _resolve(api: Api) -> tuple[str, dict[str, Any]]:
    case_id = h.report(api)  # at grid level, so its grid lead may resolve it
    return f"/cases/{case_id}/resolution", {"summary": "已清理消防通道"}


def _evaluate(api: Api) -> tuple[str, dict[str, Any]]:
    case_id = h.resolved_case(api)
    return f"/cases/{case_id}/evaluations", {"solved": "solved", "satisfaction": "satisfied"}


def _evaluate_unit(api: Api) -> tuple[str, dict[str, Any]]:
    case_id, whistle_id = h.whistled_case(api)
    body = {"whistle_id": whistle_id, "unit_id": "jianshe-police", "score": 95}
    return f"/cases/{case_id}/unit-evaluations", body


def _reopen(api: Api) -> tuple[str, dict[str, Any]]:
    case_id = h.unsatisfied_case(api)
    return f"/cases/{case_id}/reopen", {"reason": "居民不满意"}


def _close(api: Api) -> tuple[str, dict[str, Any]]:
    case_id = h.resolved_case(api)
    return f"/cases/{case_id}/close", {"remark": "办结"}


def _withdraw(api: Api) -> tuple[str, dict[str, Any]]:
    case_id = h.report(api)
    return f"/cases/{case_id}/withdrawal", {"reason": "居民撤回诉求"}


def _mark_duplicate(api: Api) -> tuple[str, dict[str, Any]]:
    original = h.report(api)
    case_id = h.report(api)
    return f"/cases/{case_id}/duplicate-of", {"original_case_id": original, "reason": "同一事项"}


WRITES: dict[str, Write] = {
    "POST /cases": Write("report", _report),
    "notes": Write("note", _note),
    "escalations": Write("escalate", _escalate),
    "whistles": Write("whistle", _whistle),
    "report-ins": Write("report_in", _report_in),
    "pledges": Write("pledge", _pledge),
    "resolution": Write("resolve", _resolve),
    "evaluations": Write("evaluate", _evaluate),
    "unit-evaluations": Write("evaluate_unit", _evaluate_unit),
    "reopen": Write("reopen", _reopen),
    "close": Write("close", _close),
    "withdrawal": Write("withdraw", _withdraw),
    "duplicate-of": Write("mark_duplicate", _mark_duplicate),
}


@sqlite_only
def test_every_matrix_row_is_a_write_of_the_api(api: Api) -> None:
    """Each row names a POST of the OpenAPI document, and the rows cover every action.

    (Writes added later, e.g. resident erasure, are not in the issue's table: a subset.)
    """
    paths = api.client.get("/openapi.json").json()["paths"]
    posts = {path for path, operations in paths.items() if "post" in operations}
    case = "/cases/{case_id}"
    expected = {"/cases", f"{case}/whistles/{{whistle_id}}/report-ins"} | {
        f"{case}/{name}" for name in WRITES if name not in ("POST /cases", "report-ins")
    }
    assert len(expected) == len(WRITES)
    assert expected <= posts
    assert {w.action for w in WRITES.values()} == EVERYTHING


@pytest.mark.parametrize("user", list(MATRIX_USERS))
@pytest.mark.parametrize("endpoint", list(WRITES))
@sqlite_only
def test_write_matrix(api: Api, endpoint: str, user: str) -> None:
    write = WRITES[endpoint]
    path, body = write.prepare(api)
    api.clock.advance(minutes=1)
    before = api.event_count()

    response = api.post(user, path, body)

    if allowed(user, write.action):
        assert response.status_code == 201, response.text
        assert api.event_count() == before + 1
        assert response.json()["position"] == before + 1
    elif not sees_case(user, endpoint):
        h.assert_refused(api, before, response, 404, "case_not_found")
    else:
        h.assert_refused(api, before, response, 403, "forbidden")


# ----- the grid lead's limits: small things do not leave the grid ------------------------


@pytest.mark.parametrize("endpoint", ["escalations", "resolution"])
@sqlite_only
def test_grid_lead_may_not_act_once_the_case_left_the_grid(api: Api, endpoint: str) -> None:
    case_id = h.report(api)
    h.escalate(api, case_id, "community", user="grid_lead")
    body = (
        {"to_level": "street", "reason": "社区无法协调"}
        if endpoint == "escalations"
        else {"summary": "已清理"}
    )
    before = api.event_count()
    response = api.post("grid_lead", f"/cases/{case_id}/{endpoint}", body)
    h.assert_refused(api, before, response, 403, "forbidden")
    assert api.post("coordinator", f"/cases/{case_id}/{endpoint}", body).status_code == 201


@sqlite_only
def test_grid_lead_reports_in_a_grid_nested_under_their_own(api: Api) -> None:
    case_id = h.report(api, grid_id="chengshi-huating-shangye")
    assert api.get("grid_lead", f"/cases/{case_id}").status_code == 200
    before = api.event_count()
    h.assert_refused(
        api, before, api.post("grid_lead", "/cases", h.case_body("binhewan")), 403, "forbidden"
    )


@sqlite_only
def test_liaison_reports_in_and_pledges_only_for_their_own_unit(api: Api) -> None:
    case_id, whistle_id = h.whistled_case(api)
    before = api.event_count()
    path = f"/cases/{case_id}/whistles/{whistle_id}/report-ins"
    h.assert_refused(api, before, api.post("police", path, {"unit_id": "yljw-property"}), 403)
    pledge = {
        "party_kind": "property_company",
        "party_name": "物业",
        "amount_fen": 100,
        "unit_id": "yljw-property",
    }
    h.assert_refused(api, before, api.post("police", f"/cases/{case_id}/pledges", pledge), 403)
    # the property company's own liaison may do both
    assert api.post("property", path, {}).status_code == 201
    assert api.post("property", f"/cases/{case_id}/pledges", pledge).status_code == 201


@sqlite_only
def test_liaison_may_not_note_before_their_unit_is_summoned(api: Api) -> None:
    case_id = h.escalated_case(api)
    before = api.event_count()
    response = api.post("police", f"/cases/{case_id}/notes", {"text": "民警到场"})
    h.assert_refused(api, before, response, 404, "case_not_found")
    h.whistle(api, case_id, ["jianshe-police"])
    assert api.post("police", f"/cases/{case_id}/notes", {"text": "民警到场"}).status_code == 201


# ----- reads ---------------------------------------------------------------------------

READERS_OF_WHISTLED_CASE = {
    "grid_lead": True,
    "coordinator": True,
    "police": True,
    "property": True,
    "auditor": True,
    "admin": True,
    "other_grid_lead": False,
    "other_coordinator": False,
    "other_liaison": False,
}


@pytest.mark.parametrize("suffix", ["", "/events"])
@sqlite_only
def test_reading_a_case_needs_it_in_scope(api: Api, suffix: str) -> None:
    case_id, _ = h.whistled_case(api)
    for user, may_read in READERS_OF_WHISTLED_CASE.items():
        response = api.get(user, f"/cases/{case_id}{suffix}")
        if may_read:
            assert response.status_code == 200, (user, response.text)
        else:
            h.assert_problem(response, 404, "case_not_found")


@sqlite_only
def test_liaison_reads_a_case_only_once_their_unit_is_involved(api: Api) -> None:
    case_id = h.escalated_case(api)
    h.assert_problem(api.get("police", f"/cases/{case_id}"), 404, "case_not_found")
    h.assert_problem(api.get("police", f"/cases/{case_id}/events"), 404, "case_not_found")
    h.whistle(api, case_id, ["jianshe-police"])
    assert api.get("police", f"/cases/{case_id}").status_code == 200
    assert api.get("police", f"/cases/{case_id}/events").status_code == 200
    h.assert_problem(api.get("property", f"/cases/{case_id}"), 404, "case_not_found")


def test_case_list_shows_each_user_only_their_scope(api: Api) -> None:
    huating, _ = h.whistled_case(api)  # street jianshe; summons police + property
    shangye = h.report(api, grid_id="chengshi-huating-shangye")  # nested under huating
    binhewan = h.report(api, user="admin", grid_id="binhewan")  # coordinators do not report
    jintai = h.report(api, user="other_grid_lead", grid_id="jintai")  # community yuehe
    h.escalate(api, jintai, user="other_coordinator")
    last = h.whistle(api, jintai, ["weicheng-heating"], user="other_coordinator")
    expected = {
        "grid_lead": {huating, shangye},
        "other_grid_lead": {jintai},
        "coordinator": {huating, shangye, binhewan},
        "other_coordinator": {jintai},
        "police": {huating},
        "property": {huating},
        "other_liaison": {jintai},
        "auditor": {huating, shangye, binhewan, jintai},
        "admin": {huating, shangye, binhewan, jintai},
    }
    for user, case_ids in expected.items():
        response = api.get(user, "/cases", min_position=last["position"])
        assert response.status_code == 200, response.text
        body = response.json()
        assert {row["case_id"] for row in body["items"]} == case_ids, user
        assert body["total"] == len(case_ids), user


def test_liaison_sees_a_case_their_unit_pledged_to(api: Api) -> None:
    # in 潍坊 (西关街道), where the heating office serves: a pledge in its name needs that
    case_id = h.report(api, user="other_grid_lead", grid_id="jintai")
    body = {
        "party_kind": "government",
        "party_name": "潍城区供热管理办公室",
        "amount_fen": 100,
        "unit_id": "weicheng-heating",
    }
    position = h.created(api.post("admin", f"/cases/{case_id}/pledges", body))["position"]
    assert api.get("other_liaison", f"/cases/{case_id}").status_code == 200
    listed = api.get("other_liaison", "/cases", min_position=position).json()
    assert [row["case_id"] for row in listed["items"]] == [case_id]


@pytest.mark.parametrize("user", list(READERS_OF_WHISTLED_CASE))
def test_audit_verify_only_for_auditor_and_admin(api: Api, user: str) -> None:
    h.report(api)
    response = api.get(user, "/audit/verify")
    if user in ("auditor", "admin"):
        assert response.status_code == 200
        body = response.json()
        assert {k: body[k] for k in ("intact", "cases", "events", "problems")} == {
            "intact": True,
            "cases": 1,
            "events": 1,
            "problems": [],
        }
        assert body["log"]["intact"] and body["log"]["signed_position"] == 1
        assert body["views"] is None  # only with ?views=true
    else:
        h.assert_problem(response, 403, "forbidden")


@pytest.mark.parametrize("user", list(READERS_OF_WHISTLED_CASE))
def test_inbox_only_for_liaisons_and_admin(api: Api, user: str) -> None:
    case_id, whistle_id = h.whistled_case(api)
    response = api.get(user, "/inbox", unit="jianshe-police", min_position=api.event_count())
    if user in ("police", "property", "other_liaison", "admin"):
        assert response.status_code == 200, response.text
        summoned = user in ("police", "property", "admin")
        items = [(i["case_id"], i["whistle_id"]) for i in response.json()["items"]]
        assert items == ([(case_id, whistle_id)] if summoned else [])
    else:
        h.assert_problem(response, 403, "forbidden")


def test_liaison_inbox_ignores_the_unit_parameter(api: Api) -> None:
    case_id, _ = h.whistled_case(api)
    response = api.get("other_liaison", "/inbox", unit="jianshe-police")
    assert response.json() == {
        "unit_id": "weicheng-heating",
        "items": [],
        "unanswered": [],
        "unanswered_total": 0,
    }


@sqlite_only
def test_admin_inbox_needs_a_known_unit(api: Api) -> None:
    h.assert_problem(api.get("admin", "/inbox"), 422)
    h.assert_problem(api.get("admin", "/inbox", unit="no-such-unit"), 422, "unknown_reference")
