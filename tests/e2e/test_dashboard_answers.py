"""Dashboard answers are kept until the ledger's position moves, never longer."""

from __future__ import annotations

import pytest

from interfaces.http.answers import AnswerCache
from tests.e2e import helpers as h
from tests.e2e.test_console_pages import sign_in
from tests.support.api import Api

PATHS = ["/dashboards/rates", "/dashboards/rankings", "/dashboards/grids", "/dashboards/units",
         "/dashboards/funding", "/ledger"]  # fmt: skip


@pytest.mark.parametrize("path", PATHS)
def test_the_same_question_at_the_same_position_is_answered_from_memory(
    api: Api, path: str
) -> None:
    h.report(api)
    first = api.get("admin", path, min_position=api.event_count())
    again = api.get("admin", path)
    assert (first.status_code, again.status_code) == (200, 200)
    assert first.headers["X-Answer"] == "computed"
    assert again.headers["X-Answer"] == "kept"
    assert again.content == first.content
    assert again.headers["content-type"] == "application/json"


def test_a_new_event_makes_the_next_answer_fresh(api: Api) -> None:
    h.report(api)
    before = api.get("admin", "/dashboards/rates", min_position=api.event_count())
    assert before.json()["total"]["counts"]["reported"] == 1
    h.report(api)
    after = api.get("admin", "/dashboards/rates", min_position=api.event_count())
    assert after.headers["X-Answer"] == "computed"
    assert after.json()["total"]["counts"]["reported"] == 2


def test_no_cache_asks_for_a_fresh_answer(api: Api) -> None:
    h.report(api)
    first = api.get("admin", "/dashboards/units", min_position=api.event_count())
    fresh = api.client.get(
        "/dashboards/units", headers=api.headers("admin", **{"Cache-Control": "no-cache"})
    )
    assert (first.headers["X-Answer"], fresh.headers["X-Answer"]) == ("computed", "computed")
    assert fresh.content == first.content
    assert api.get("admin", "/dashboards/units").headers["X-Answer"] == "kept"


def test_ledger_pages_are_kept_per_page(api: Api) -> None:
    for _ in range(3):
        h.report(api)
    first = api.get("admin", "/ledger", limit=2, min_position=api.event_count()).json()
    second = api.get("admin", "/ledger", limit=2, offset=2).json()
    assert [len(first["items"]), len(second["items"])] == [2, 1]
    assert first["total"] == second["total"] == 3


def test_readers_with_other_scopes_or_parameters_get_their_own_answers(api: Api) -> None:
    h.report(api)
    h.report(api, user="other_grid_lead", grid_id="jintai")
    position = api.event_count()
    admin = api.get("admin", "/dashboards/rates", min_position=position).json()
    lead = api.get("grid_lead", "/dashboards/rates").json()
    by_grid = api.get("admin", "/dashboards/rates", by="grid").json()
    assert admin["total"]["counts"]["reported"] == 2
    assert lead["total"]["counts"]["reported"] == 1
    assert {r["key"] for r in by_grid["rows"]} == {"chengshi-huating", "jintai"}
    assert api.get("grid_lead", "/dashboards/rates").json() == lead  # kept, still theirs


def test_refused_questions_are_not_answered_from_memory(api: Api) -> None:
    h.report(api)
    api.get("admin", "/dashboards/rates", min_position=api.event_count())
    response = api.client.get("/dashboards/rates")  # no token
    assert response.status_code == 401


def _compute(n: int):  # type: ignore[no-untyped-def]
    return lambda: {"n": n, "pad": "x" * 100}


def test_the_cache_keeps_at_most_its_entries_and_drops_the_least_recent() -> None:
    cache = AnswerCache(max_entries=2)
    cache.answer("a", 1, _compute(1))
    cache.answer("b", 1, _compute(2))
    assert cache.answer("a", 1, _compute(99)).headers["X-Answer"] == "kept"  # a is recent now
    cache.answer("c", 1, _compute(3))  # drops b
    assert cache.answer("b", 1, _compute(4)).headers["X-Answer"] == "computed"
    assert cache.answer("a", 2, _compute(5)).body == b'{"n":5,"pad":"' + b"x" * 100 + b'"}'


def test_the_cache_keeps_at_most_its_bytes() -> None:
    cache = AnswerCache(max_entries=100, max_bytes=1000)
    for key in range(20):
        cache.answer(key, 1, _compute(key))
    assert cache._bytes <= 1000
    assert cache.answer(19, 1, _compute(0)).headers["X-Answer"] == "kept"
    assert cache.answer(0, 1, _compute(0)).headers["X-Answer"] == "computed"


def test_grids_lists_the_cases_that_left_only_for_a_few_grids(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    from projections import dashboard_reads

    left = h.escalated_case(api)  # escalated out of the grid-lead's grid
    h.report(api, user="other_grid_lead", grid_id="jintai")
    position = api.event_count()
    listed = api.get("admin", "/dashboards/grids", min_position=position).json()["grids"]
    by_key = {g["key"]: g for g in listed}
    assert [c["case_id"] for c in by_key["chengshi-huating"]["cases_left"]] == [left]
    assert by_key["jintai"]["cases_left"] == []

    monkeypatch.setattr(dashboard_reads, "LISTED_GRIDS", 1)  # a district's hundreds of grids
    fresh = api.headers("admin", **{"Cache-Control": "no-cache"})  # the list above is kept
    many = api.client.get("/dashboards/grids", headers=fresh).json()["grids"]
    assert {g["key"]: g["cases_left"] for g in many} == {"chengshi-huating": None, "jintai": None}
    sign_in(api, "admin")
    assert "请在下方选择社区查看" in api.client.get("/ui/grids").text
    one = api.get("admin", "/dashboards/grids", grid="chengshi-huating").json()["grids"]
    assert [c["case_id"] for c in one[0]["cases_left"]] == [left]


def test_an_answer_as_of_now_is_kept_up_to_its_next_deadline_crossing() -> None:
    from datetime import UTC, datetime, timedelta

    cache, t0 = AnswerCache(), datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
    crossing = t0 + timedelta(hours=2)
    assert (
        cache.answer("q", 1, _compute(1), now=t0, until=lambda: crossing).headers["X-Answer"]
        == "computed"
    )
    assert cache.answer("q", 1, _compute(2), now=crossing).headers["X-Answer"] == "kept"
    later = crossing + timedelta(microseconds=1)
    assert cache.answer("q", 1, _compute(3), now=later).body.startswith(b'{"n":3')
    assert (
        cache.answer("q", 1, _compute(4), now=later + timedelta(days=9)).headers["X-Answer"]
        == "kept"
    ), "no deadline ahead: kept while the position stands"
