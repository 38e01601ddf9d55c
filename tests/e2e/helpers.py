"""Small steps that drive a case to a state over HTTP, each as the role that would take it.

Every helper asserts its own write succeeded and returns what the next step needs, so a
test reads as the story of its case: ``case = report(api); escalate(api, case); ...``.
The default case is the seeds' fire-lane case in grid chengshi-huating (street jianshe).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tests.support.api import Api

GRID = "chengshi-huating"
CATEGORY = "fire-lane"
UNITS = ["jianshe-police", "yljw-property"]
PROBLEM_JSON = "application/problem+json"


def case_body(grid_id: str = GRID, category_id: str = CATEGORY, **extra: Any) -> dict[str, Any]:
    return {
        "grid_id": grid_id,
        "category_id": category_id,
        "title": "城市华庭小区车辆长期占用消防通道",
        **extra,
    }


def created(response: Any) -> dict[str, Any]:
    """Assert a write answered 201 and return its body."""
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def report(api: Api, user: str = "grid_lead", grid_id: str = GRID, **extra: Any) -> str:
    """上报: a new case at grid level; returns its id."""
    return str(created(api.post(user, "/cases", case_body(grid_id, **extra)))["case_id"])


def note(api: Api, case_id: str, user: str = "coordinator", text: str = "入户走访") -> int:
    return int(created(api.post(user, f"/cases/{case_id}/notes", {"text": text}))["version"])


def escalate(api: Api, case_id: str, to_level: str = "street", user: str = "coordinator") -> int:
    body = {"to_level": to_level, "reason": "个别“钉子户”拒不配合"}
    return int(created(api.post(user, f"/cases/{case_id}/escalations", body))["version"])


def deadline(api: Api, minutes: float = 30) -> datetime:
    return api.clock.now + timedelta(minutes=minutes)


def whistle_body(api: Api, units: list[str] | None = None, minutes: float = 30) -> dict[str, Any]:
    return {
        "unit_ids": list(UNITS if units is None else units),
        "report_in_deadline": deadline(api, minutes).isoformat(),
        "reason": "联合执法协调",
    }


def whistle(
    api: Api, case_id: str, units: list[str] | None = None, user: str = "coordinator"
) -> dict[str, Any]:
    """吹哨 with a deadline of clock.now + 30 min; the case must be at community/street level."""
    body = whistle_body(api, units)
    return created(api.post(user, f"/cases/{case_id}/whistles", body))


def report_in(
    api: Api, case_id: str, whistle_id: str, user: str = "police", **body: Any
) -> dict[str, Any]:
    path = f"/cases/{case_id}/whistles/{whistle_id}/report-ins"
    return created(api.post(user, path, body))


def pledge(api: Api, case_id: str, user: str = "coordinator", amount_fen: int = 100_00) -> int:
    body = {"party_kind": "government", "party_name": "建设街道", "amount_fen": amount_fen}
    return int(created(api.post(user, f"/cases/{case_id}/pledges", body))["version"])


def resolve(api: Api, case_id: str, user: str = "coordinator") -> int:
    body = {"summary": "妥善解决了消防通道停车问题"}
    return int(created(api.post(user, f"/cases/{case_id}/resolution", body))["version"])


def evaluate(
    api: Api, case_id: str, satisfaction: str = "unsatisfied", user: str = "coordinator"
) -> int:
    solved = "unsolved" if satisfaction == "unsatisfied" else "solved"
    body = {"solved": solved, "satisfaction": satisfaction}
    return int(created(api.post(user, f"/cases/{case_id}/evaluations", body))["version"])


def close(api: Api, case_id: str, user: str = "coordinator") -> int:
    return int(created(api.post(user, f"/cases/{case_id}/close", {}))["version"])


# ----- whole states ------------------------------------------------------------------


def escalated_case(api: Api, grid_id: str = GRID) -> str:
    """Reported by the grid lead, escalated to the street by the coordinator."""
    case_id = report(api, grid_id=grid_id)
    escalate(api, case_id)
    return case_id


def whistled_case(api: Api) -> tuple[str, str]:
    """Escalated to street and whistled to police + property; returns (case id, whistle id)."""
    case_id = escalated_case(api)
    return case_id, str(whistle(api, case_id)["whistle_id"])


def resolved_case(api: Api) -> str:
    """Resolved in the grid by its grid lead, so a coordinator may record the 回访
    (the callback is never recorded by the resolver: CHUISHAO_SEPARATE_CALLBACK)."""
    case_id = report(api)
    resolve(api, case_id, user="grid_lead")
    return case_id


def unsatisfied_case(api: Api) -> str:
    """Resolved, and the resident said unsatisfied: ready to be reopened."""
    case_id = resolved_case(api)
    evaluate(api, case_id, "unsatisfied")
    return case_id


# ----- assertions --------------------------------------------------------------------


def assert_problem(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """An RFC 9457 problem with both the English and the Chinese detail."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON), response.headers
    body = response.json()
    assert body["status"] == status
    assert body["detail"] and body["detail_zh"], body
    if code is not None:
        assert body["code"] == code, body
    return body  # type: ignore[no-any-return]


def assert_refused(api: Api, before: int, response: Any, status: int, code: str | None = None):  # type: ignore[no-untyped-def]
    """A refused write answers a problem and leaves the event log as it was."""
    body = assert_problem(response, status, code)
    assert api.event_count() == before, f"a refused request ({status}) wrote an event"
    return body
