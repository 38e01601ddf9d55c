"""可能重复的案件: open cases of one category, nearby, within the window, with similar text,
ranked best first. Both backends: PostgreSQL scores with pg_trgm, SQLite with bigrams."""

from __future__ import annotations

from typing import Any

from tests.e2e import helpers as h
from tests.support.api import Api
from tests.support.backends import sqlite_only

HEATING = "heating"
TITLE = "锦华小区3号楼暖气不热"


def heating(api: Api, title: str = TITLE, grid_id: str = h.GRID, **extra: Any) -> str:
    return h.report(api, grid_id=grid_id, category_id=HEATING, title=title, **extra)


def ids(answer: Any) -> list[str]:
    assert answer.status_code in (200, 201), answer.text
    body = answer.json()
    return [
        d["case_id"] for d in (body["likely_duplicates"] if "likely_duplicates" in body else body)
    ]


def test_the_same_grid_ranks_above_a_neighbour_and_the_rest_are_left_out(api: Api) -> None:
    old = heating(api, "锦华小区暖气不热")
    api.clock.advance(hours=80)  # outside the 72 h window of what follows
    same_grid = heating(api, "锦华小区3号楼暖气不热了")
    neighbour = heating(api, "锦华小区暖气片不热", grid_id="binhewan", user="admin")
    heating(api, "消防通道被占用停车")  # same grid and category, nothing alike
    h.report(api, title=TITLE)  # another category
    heating(api, TITLE, user="other_grid_lead", grid_id="jintai")  # another community
    withdrawn = heating(api)
    h.created(api.post("coordinator", f"/cases/{withdrawn}/withdrawal", {"reason": "误报"}))
    body = {"grid_id": h.GRID, "category_id": HEATING, "title": TITLE}
    found = ids(
        api.post("coordinator", f"/cases/duplicates-check?min_position={api.event_count()}", body)
    )
    assert found == [same_grid, neighbour]
    assert old not in found
    # the case page's list: the same, without the case itself
    page = api.get(
        "coordinator", f"/cases/{same_grid}/likely-duplicates", min_position=api.event_count()
    )
    assert ids(page) == [neighbour]


def test_the_intake_answer_lists_likely_duplicates_the_reporter_may_see(api: Api) -> None:
    first = heating(api)
    heating(
        api, grid_id="binhewan", user="admin"
    )  # another grid lead's grid: not in this one's scope
    api.get("grid_lead", "/cases", min_position=api.event_count())  # the views hold them
    answer = api.post("grid_lead", "/cases", h.case_body(category_id=HEATING, title=TITLE))
    assert ids(answer) == [first]
    duplicate = answer.json()["likely_duplicates"][0]
    assert duplicate["title"] == TITLE and duplicate["callers"] == 1
    assert 0 < duplicate["score"] <= duplicate["similarity"] <= 1


@sqlite_only  # access and validation, before any scoring
def test_a_draft_check_names_unknown_places_and_reads_nothing_outside_scope(api: Api) -> None:
    heating(api, user="other_grid_lead", grid_id="jintai")
    body = {"grid_id": "jintai", "category_id": HEATING, "title": TITLE}
    assert (
        ids(
            api.post("grid_lead", f"/cases/duplicates-check?min_position={api.event_count()}", body)
        )
        == []
    )
    bad = api.post("grid_lead", "/cases/duplicates-check", {**body, "grid_id": "nowhere"})
    h.assert_problem(bad, 422)
