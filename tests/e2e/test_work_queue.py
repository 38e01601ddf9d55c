"""我的待办: each role's queue holds what it must act on, most urgent first, 超期 marked."""

from __future__ import annotations

from typing import Any

import pytest

import projections.work_queue
from tests.e2e.helpers import (
    assert_problem,
    note,
    report,
    report_in,
    resolved_case,
    whistled_case,
)
from tests.support.api import Api


def queue(api: Api, user: str, **params: Any) -> list[dict[str, Any]]:
    response = api.get(user, "/queue", min_position=api.event_count(), **params)
    assert response.status_code == 200, response.text
    return response.json()["items"]  # type: ignore[no-any-return]


def tasks(items: list[dict[str, Any]]) -> list[tuple[str, str, bool]]:
    return [(i["case_id"], i["task"], i["overdue"]) for i in items]


def cases_for_the_grid(api: Api) -> dict[str, str]:
    """Heating answered late (overdue), an urgent fire lane, a fresh heating case, one
    being worked (noted), one resolved, and one in another grid."""
    made = {"late": report(api, category_id="heating", title="暖气不热")}
    api.clock.advance(hours=3)  # heating must be answered within 2 h
    made["urgent"] = report(api, urgency="urgent", title="消防通道堵塞")
    made["fresh"] = report(api, category_id="heating", title="暖气漏水")
    made["worked"] = report(api, title="车辆占道")
    note(api, made["worked"])
    made["resolved"] = resolved_case(api)
    made["elsewhere"] = report(api, user="other_grid_lead", grid_id="jintai")
    return made


def test_grid_lead_queue_holds_its_open_cases_by_urgency_then_time_left(api: Api) -> None:
    made = cases_for_the_grid(api)
    assert tasks(queue(api, "grid_lead")) == [
        (made["urgent"], "respond", False),
        (made["late"], "respond", True),  # 1 h past its deadline
        (made["fresh"], "respond", False),  # 2 h left
        (made["worked"], "resolve", False),  # 15 working days left
    ]


def test_countdown_is_the_deadline_it_runs_against(api: Api) -> None:
    made = cases_for_the_grid(api)
    items = {i["case_id"]: i for i in queue(api, "grid_lead")}
    assert items[made["late"]]["seconds_left"] == -3600
    assert items[made["late"]]["deadline_label"] == "响应"
    assert items[made["fresh"]]["seconds_left"] == 2 * 3600
    assert items[made["worked"]]["deadline_label"] == "办结"


def test_coordinator_queue_adds_the_resolved_cases_awaiting_callback(api: Api) -> None:
    made = cases_for_the_grid(api)
    items = queue(api, "coordinator")
    assert tasks(items)[-1] == (made["resolved"], "follow_up", False)
    assert items[-1]["due"] is None and items[-1]["task_label"] == "待回访"
    assert {i["case_id"] for i in items} == {
        made[k] for k in ("urgent", "late", "fresh", "worked", "resolved")
    }


def test_queue_filters_overdue_and_keywords(api: Api) -> None:
    made = cases_for_the_grid(api)
    assert tasks(queue(api, "grid_lead", overdue="true")) == [(made["late"], "respond", True)]
    assert [i["case_id"] for i in queue(api, "grid_lead", q="暖气")] == [
        made["late"],
        made["fresh"],
    ]
    assert [i["case_id"] for i in queue(api, "grid_lead", category="fire-lane")] == [
        made["urgent"],
        made["worked"],
    ]


def test_queue_refuses_an_unknown_filter(api: Api) -> None:
    body = assert_problem(api.get("grid_lead", "/queue", grid="nowhere"), 422)
    assert body["field"] == "grid"


def test_liaison_queue_holds_its_units_unanswered_whistles(api: Api) -> None:
    case_id, whistle_id = whistled_case(api)
    api.clock.advance(hours=1)  # the whistle gave 30 minutes
    report_in(api, case_id, whistle_id, user="property")
    assert tasks(queue(api, "police")) == [(case_id, "report_in", True)]
    assert queue(api, "police")[0]["whistle_id"] == whistle_id
    assert queue(api, "property") == []
    assert queue(api, "other_liaison") == []


def test_auditor_has_nothing_to_act_on(api: Api) -> None:
    report(api)
    assert queue(api, "auditor") == []


def test_a_cut_queue_keeps_the_most_urgent(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    made = cases_for_the_grid(api)
    monkeypatch.setattr(projections.work_queue, "QUEUE_LIMIT", 2)
    assert tasks(queue(api, "grid_lead")) == [
        (made["urgent"], "respond", False),
        (made["late"], "respond", True),
    ]
