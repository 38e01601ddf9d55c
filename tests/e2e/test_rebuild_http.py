"""Over HTTP, a rebuild is invisible until its swap: /cases never answers an empty list,
and answers kept for the old tables are not served after the swap."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

import projections.runner
from projections.rebuild import rebuild
from tests.e2e import helpers as h
from tests.support.api import Api


def _reported(api: Api) -> int:
    body = api.get("admin", "/dashboards/rates").json()
    return int(body["total"]["counts"]["reported"])


def test_cases_keep_their_total_during_a_rebuild(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    for _ in range(6):
        h.report(api)
    assert api.get("admin", "/cases", min_position=api.event_count()).json()["total"] == 6
    monkeypatch.setattr(projections.runner, "PULL_BATCH", 2)
    monkeypatch.setattr(projections.runner, "TRANSACTION_EVENTS", 2)
    totals: list[object] = []
    done = threading.Event()

    def total() -> None:  # an error is kept too, to fail the test from the main thread
        response = api.get("admin", "/cases")
        totals.append(response.json()["total"] if response.status_code == 200 else response.text)

    def keep_reading() -> None:  # a reader in its own thread, as a browser would be
        while not done.is_set():
            total()

    def between_pages(_: int) -> None:
        # On PostgreSQL a request can be served from inside the rebuild's transaction;
        # on SQLite it would wait for that transaction (signing in writes), so there
        # only the reader thread looks.
        if api.container.settings.database_url:
            total()

    reader = threading.Thread(target=keep_reading)
    reader.start()
    try:
        rebuild(api.container.projector, between_pages)
    finally:
        done.set()
        reader.join()
    total()
    assert totals and set(totals) == {6}  # never 0, never a part
    if api.container.settings.database_url:
        assert len(totals) >= 4  # the three pages were looked at


def test_an_answer_kept_before_the_swap_is_not_served_after_it(api: Api) -> None:
    for _ in range(2):
        h.report(api)
    assert api.get("admin", "/dashboards/rates", min_position=api.event_count()).status_code == 200
    with api.container.engine.begin() as conn:  # the rollups lie; a rebuild repairs them
        for grain in ("street", "street_category", "grid", "grid_category"):
            conn.execute(text(f"UPDATE ledger_counts_{grain} SET reported = reported + 5"))
    assert (
        api.client.get(
            "/dashboards/rates", headers=api.headers("admin", **{"Cache-Control": "no-cache"})
        ).json()["total"]["counts"]["reported"]
        == 7
    )
    kept = api.get("admin", "/dashboards/rates")
    assert kept.headers["X-Answer"] == "kept"

    position = api.container.projector.positions()
    rebuild(api.container.projector)
    assert api.container.projector.positions() == position  # same position, new tables

    after = api.get("admin", "/dashboards/rates")
    assert after.headers["X-Answer"] == "computed"
    assert after.json()["total"]["counts"]["reported"] == 2
