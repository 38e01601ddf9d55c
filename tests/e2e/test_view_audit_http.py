"""GET /audit/verify?views=true: the views checked against the log over HTTP."""

from __future__ import annotations

from sqlalchemy import select, text

from projections.ledger_tables import cases
from projections.rollups import TABLES
from tests.projections.generator import HistoryGenerator
from tests.support.api import Api


def _history(api: Api) -> None:
    HistoryGenerator(api.container.service, api.clock, n_cases=25, seed=4).run()
    api.container.projector.catch_up()


def test_a_clean_history_has_intact_views(api: Api) -> None:
    _history(api)
    body = api.get("auditor", "/audit/verify", views="true").json()
    assert body["intact"] is True
    views = body["views"]
    assert views["intact"] is True and views["total"] == 0 and views["differences"] == []
    assert views["cases"] == 25 and views["position"] == api.event_count()
    assert api.get("auditor", "/audit/verify").json()["views"] is None  # only when asked


def test_edited_ledger_row_and_rollup_are_named(api: Api) -> None:
    _history(api)
    engine = api.container.engine
    grid = TABLES["grid"]
    with engine.connect() as conn:
        victim = conn.execute(
            select(cases.c.case_id, cases.c.status).where(cases.c.status == "closed").limit(1)
        ).one()
        counts = conn.execute(select(grid).limit(1)).one()
    with engine.begin() as conn:  # an intruder with database access
        conn.execute(
            text("UPDATE ledger_cases SET status = 'withdrawn' WHERE case_id = :k"),
            {"k": victim.case_id},
        )
        conn.execute(
            text(
                "UPDATE ledger_counts_grid SET resolved = resolved + 3 "
                "WHERE reported_month = :m AND grid_id = :g"
            ),
            {"m": counts.reported_month, "g": counts.grid_id},
        )

    body = api.get("auditor", "/audit/verify", views="true").json()
    assert body["intact"] is False  # the log is intact, but the figures are not
    assert body["problems"] == []
    views = body["views"]
    assert views["intact"] is False and views["total"] == 2
    grid_key = "/".join(
        (counts.reported_month, counts.street_id, counts.community_id, counts.grid_id)
    )
    assert views["differences"] == [
        {
            "view": "ledger_cases",
            "key": victim.case_id,
            "column": "status",
            "problem": "differs",
            "stored": "withdrawn",
            "expected": "closed",
        },
        {
            "view": "ledger_counts_grid",
            "key": grid_key,
            "column": "resolved",
            "problem": "differs",
            "stored": counts.resolved + 3,
            "expected": counts.resolved,
        },
    ]


def test_only_auditors_and_admins_may_check_the_views(api: Api) -> None:
    for user in ("grid_lead", "coordinator", "police"):
        response = api.get(user, "/audit/verify", views="true")
        assert response.status_code == 403, user
    assert api.client.get("/audit/verify", params={"views": "true"}).status_code == 401
    assert api.get("auditor", "/audit/verify", views="maybe").status_code == 422
