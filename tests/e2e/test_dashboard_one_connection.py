"""A fresh dashboard answer asks its queries on one pooled connection (one checkout, one
transaction), not one per query — and the answer is the same as before."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from tests.e2e import helpers as h
from tests.support.api import Api
from tests.support.backends import sqlite_only

PATHS = ("/dashboards/rates", "/dashboards/grids", "/dashboards/rankings", "/dashboards/funding")


@sqlite_only  # pool bookkeeping: the backend cannot change how often the app checks out
def test_a_fresh_answer_checks_out_the_dashboards_connection_once(api: Api) -> None:
    for _ in range(3):
        h.report(api)
    engine = api.container.dashboards.engine
    checkouts: list[Any] = []
    event.listen(engine, "checkout", lambda *a: checkouts.append(a))
    fresh = api.headers("admin", **{"Cache-Control": "no-cache"})
    # Authentication reads the users on this engine too (the reader, on SQLite): measured
    # on a request that reads nothing else from it (reference data comes from the file).
    start = len(checkouts)
    assert api.client.get("/reference/categories", headers=fresh).status_code == 200
    auth = len(checkouts) - start
    for path in PATHS:
        kept = api.get("admin", path)
        assert kept.status_code == 200
        before = len(checkouts)
        again = api.client.get(path, headers=fresh)
        assert again.status_code == 200 and again.headers["X-Answer"] == "computed"
        assert again.json() == kept.json()
        # the answer's queries share one checkout; the position and the next deadline
        # crossing (read before computing) take one each at most
        assert len(checkouts) - before - auth <= 3, path
