"""What is not yet due is not a failure: dashboards as of an instant, over HTTP.

The issue's scenarios: a case reported a minute ago must not lower 响应率 or 办结率, and a
whistle whose deadline has not passed must not lower 建设派出所's 按时报到率. Due means the
deadline is *before* the instant asked about: exactly on it, the item is still not due.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.e2e import helpers as h
from tests.support.api import Api

US = timedelta(microseconds=1)


def rates(api: Api, **params: Any) -> dict[str, Any]:
    response = api.get("admin", "/dashboards/rates", min_position=api.event_count(), **params)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def police(api: Api, **params: Any) -> dict[str, Any]:
    response = api.get("admin", "/dashboards/units", min_position=api.event_count(), **params)
    assert response.status_code == 200, response.text
    return next(u for u in response.json()["units"] if u["unit_id"] == "jianshe-police")


def case_dues(api: Api, case_id: str) -> tuple[datetime, datetime]:
    body = api.get("admin", f"/cases/{case_id}").json()
    return (
        datetime.fromisoformat(body["response_due"]),
        datetime.fromisoformat(body["resolution_due"]),
    )


def test_a_case_reported_a_minute_ago_does_not_lower_response_or_resolution(api: Api) -> None:
    h.resolved_case(api)  # answered and resolved at once: 100%
    fresh = h.report(api)
    api.clock.advance(minutes=1)

    total = rates(api)["total"]
    assert total["rates"]["response_rate"] == 1.0
    assert total["rates"]["resolution_rate"] == 1.0
    assert total["rates"]["on_time_rate"] == 1.0
    assert total["counts"]["reported"] == 2
    assert total["counts"]["due_for_resolution"] == total["counts"]["due_for_response"] == 1
    response_due, resolution_due = case_dues(api, fresh)
    assert total["not_yet_due"] == {
        "cases": 1,
        "unanswered": 1,
        "next_resolution_due": resolution_due.isoformat().replace("+00:00", "Z"),
        "next_response_due": response_due.isoformat().replace("+00:00", "Z"),
    }


@pytest.mark.parametrize(
    ("offset", "response_rate"),
    [(-timedelta(minutes=1), 1.0), (timedelta(0), 1.0), (US, 0.5)],
    ids=["a minute before", "exactly on the deadline", "a microsecond after"],
)
def test_the_response_limit_counts_once_it_has_passed(
    api: Api, offset: timedelta, response_rate: float
) -> None:
    h.resolved_case(api)
    response_due, _ = case_dues(api, h.report(api))
    total = rates(api, as_of=(response_due + offset).isoformat())["total"]
    assert total["rates"]["response_rate"] == response_rate
    assert total["not_yet_due"]["unanswered"] == (0 if offset > timedelta(0) else 1)


def test_a_whistle_not_yet_due_does_not_lower_the_units_on_time_rate(api: Api) -> None:
    """建设派出所 reported in on time twice; a third whistle is open, its deadline ahead."""
    for _ in range(2):
        case_id, whistle_id = h.whistled_case(api)
        h.report_in(api, case_id, whistle_id)
    case_id, whistle_id = h.whistled_case(api)
    deadline = h.deadline(api)
    api.clock.advance(minutes=29)  # a minute before the deadline

    before = police(api)
    assert (before["whistles"], before["due"], before["on_time"]) == (3, 2, 2)
    assert before["on_time_rate"] == 1.0
    assert before["not_yet_due"] == 1
    assert datetime.fromisoformat(before["next_deadline"]) == deadline
    assert police(api, as_of=deadline.isoformat())["on_time_rate"] == 1.0
    after = police(api, as_of=(deadline + US).isoformat())
    assert (after["due"], after["on_time_rate"], after["not_yet_due"]) == (3, 0.6667, 0)


def test_a_kept_answer_expires_when_a_deadline_passes(api: Api) -> None:
    case_id, whistle_id = h.whistled_case(api)
    h.report_in(api, case_id, whistle_id)  # police on time; property never reports in
    deadline = h.deadline(api)
    first = api.get("admin", "/dashboards/units", min_position=api.event_count())
    assert first.headers["X-Answer"] == "computed"
    api.clock.now = deadline  # exactly on it: nothing has changed yet
    on_deadline = api.get("admin", "/dashboards/units")
    assert on_deadline.headers["X-Answer"] == "kept"
    api.clock.now = deadline + US  # no event, but the property company is now late
    after = api.get("admin", "/dashboards/units")
    assert after.headers["X-Answer"] == "computed"
    by_unit = {u["unit_id"]: u for u in after.json()["units"]}
    assert by_unit["yljw-property"]["due"] == 1
    assert by_unit["yljw-property"]["on_time_rate"] == 0.0


def test_an_answer_for_a_named_instant_is_kept_for_that_instant_only(api: Api) -> None:
    h.report(api)
    at = (api.clock.now + timedelta(days=30)).isoformat()
    first = api.get("admin", "/dashboards/rates", as_of=at, min_position=api.event_count())
    again = api.get("admin", "/dashboards/rates", as_of=at)
    now = api.get("admin", "/dashboards/rates")
    assert (first.headers["X-Answer"], again.headers["X-Answer"]) == ("computed", "kept")
    assert now.headers["X-Answer"] == "computed"
    assert first.json()["total"]["rates"]["response_rate"] == 0.0  # long overdue by then
    assert now.json()["total"]["rates"]["response_rate"] is None  # nothing due yet


@pytest.mark.parametrize(
    "as_of",
    [
        "yesterday",
        "2024-03-01T09:00:00",
        "2024-13-01T00:00:00+08:00",
        "x" * 64,
        "x" * 65,
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-14:00",
    ],
    ids=["not a date", "no offset", "no such month", "long", "too long", "year 0", "year 10000"],
)
@pytest.mark.parametrize("path", ["/dashboards/rates", "/dashboards/units", "/dashboards/funding"])
def test_a_bad_as_of_is_a_clear_422(api: Api, path: str, as_of: str) -> None:
    body = h.assert_problem(api.get("admin", path, as_of=as_of), 422)
    assert "as_of" in body["detail"] + str(body.get("errors", ""))


def test_an_as_of_before_later_events_counts_only_what_had_happened(api: Api) -> None:
    """Events stamped after as_of have not happened yet: not counted, not listed."""
    first = h.report(api)
    api.clock.advance(hours=1)
    between = api.clock.now.isoformat()
    api.clock.advance(hours=1)
    h.resolve(api, first)
    h.report(api)
    then = rates(api, as_of=between)
    assert then["total"]["counts"]["reported"] == 1
    assert then["total"]["counts"]["resolved"] == 0
    assert then["total"]["not_yet_due"]["cases"] == 1
    assert then["total"]["rates"]["resolution_rate"] is None  # nothing due yet then
    now = rates(api)
    assert (now["total"]["counts"]["reported"], now["total"]["counts"]["resolved"]) == (2, 1)
    again = api.get("admin", "/dashboards/rates", as_of=between)
    assert again.headers["X-Answer"] == "kept" and again.json() == then


def test_a_past_instant_keeps_the_readers_scope(api: Api) -> None:
    h.report(api)
    h.report(api, user="other_grid_lead", grid_id="jintai")
    case_id, whistle_id = h.whistled_case(api)
    h.report_in(api, case_id, whistle_id)
    between = api.clock.now.isoformat()
    api.clock.advance(hours=1)
    h.report(api, user="other_grid_lead", grid_id="jintai")
    position = api.event_count()
    lead = api.get("grid_lead", "/dashboards/rates", as_of=between, min_position=position)
    assert lead.json()["total"]["counts"]["reported"] == 2  # own grid only, then
    admin = api.get("admin", "/dashboards/rates", as_of=between).json()
    assert admin["total"]["counts"]["reported"] == 3
    units = api.get("police", "/dashboards/units", as_of=between).json()["units"]
    assert [u["unit_id"] for u in units] == ["jianshe-police"]


def test_on_time_resolution_below_the_target_is_listed(api: Api) -> None:
    late = h.report(api)
    h.note(api, late)  # answered at once, resolved an hour late
    _, resolution_due = case_dues(api, late)
    api.clock.now = resolution_due + timedelta(hours=1)
    h.resolve(api, late)
    body = rates(api)
    row = body["rows"][0]
    assert row["rates"]["resolution_rate"] == 1.0 and row["rates"]["on_time_rate"] == 0.0
    assert row["below_target"] == ["on_time_rate"]
    assert body["below_target"] == [row["key"]]


# ----- the console ----------------------------------------------------------------------


def test_the_console_shows_what_is_not_yet_due_as_of_an_instant(api: Api) -> None:
    from tests.e2e.test_console_pages import sign_in

    h.resolved_case(api)
    response_due, _ = case_dues(api, h.report(api))
    sign_in(api, "admin")
    page = api.client.get("/ui/", params={"as_of": response_due.isoformat()}).text
    assert 'data-count="not_yet_due">1<' in page
    assert "100.0%" in page and "50.0%" not in page
    later = (response_due + timedelta(hours=1)).isoformat()
    assert "50.0%" in api.client.get("/ui/", params={"as_of": later}).text  # 响应率 1/2
    bad = api.client.get("/ui/", params={"as_of": "2024-03-01 09:00"})
    assert bad.status_code == 422 and "as_of" in bad.text


def test_the_console_units_page_counts_only_summonses_due(api: Api) -> None:
    from tests.e2e.test_console_pages import sign_in

    case_id, whistle_id = h.whistled_case(api)
    h.report_in(api, case_id, whistle_id)
    deadline = h.deadline(api)
    sign_in(api, "admin")
    page = api.client.get("/ui/units").text
    assert "应报到" in page and 'data-count="not_yet_due">1' in page  # the property company
    after = api.client.get("/ui/units", params={"as_of": (deadline + US).isoformat()}).text
    assert 'data-rate="on_time_rate">0.0%' in after
