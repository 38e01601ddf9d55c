"""What every request pays on PostgreSQL beside its command: the bearer look-up and the
likely-duplicate check are single statements outside a transaction (no BEGIN, no
ROLLBACK, no search-path change once pg_trgm's schema is known), and the connections a
burst opened stay in the pool instead of being closed as they come back."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from infrastructure.settings import Settings
from infrastructure.sql import make_engine
from tests.e2e import helpers as h
from tests.support.api import Api

postgres_only = pytest.mark.parametrize(
    "settings", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
CASE = h.case_body(category_id="heating", title="锦华小区3号楼暖气不热")


@postgres_only
def test_a_report_reads_user_and_duplicates_one_autocommit_statement_each(api: Api) -> None:
    first = api.post("grid_lead", "/cases", CASE)  # finds pg_trgm's schema, fills the cache
    assert first.status_code == 201, first.text
    seen: list[tuple[str, bool]] = []

    def record(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append((statement, bool(conn.connection.driver_connection.autocommit)))

    api.get("grid_lead", "/cases", min_position=api.event_count())  # the views hold it
    engine = api.container.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        second = api.post("grid_lead", "/cases", CASE)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert second.status_code == 201, second.text
    # the answer is unchanged: the first report is the second's likely duplicate
    found = [d["case_id"] for d in second.json()["likely_duplicates"]]
    assert found == [first.json()["case_id"]]
    assert not any("set_config" in s for s, _ in seen)
    look_ups = [auto for s, auto in seen if "users_version" in s or "similarity" in s]
    assert len(look_ups) == 2 and all(look_ups), seen  # the version (cache hit), the check


@postgres_only
def test_a_wrong_token_is_still_refused_on_the_autocommit_look_up(api: Api) -> None:
    api.post("grid_lead", "/cases", CASE)  # a cached token beside the wrong one
    wrong = {"Authorization": "Bearer " + api.tokens["grid_lead"][:-1] + "x"}
    r = api.client.post("/cases", json=CASE, headers=wrong)
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")


@postgres_only
def test_connections_a_burst_opened_are_kept_not_closed_on_return(settings: Settings) -> None:
    s = settings.model_copy(update={"pool_size": 2, "pool_max_overflow": 3})
    engine = make_engine(s)
    try:
        held = [engine.connect() for _ in range(5)]  # the whole ceiling at once
        for conn in held:
            conn.close()
        assert engine.pool.checkedin() == 5  # all five kept for the next burst
    finally:
        engine.dispose()


@postgres_only
def test_a_keyed_retry_reads_its_key_in_one_autocommit_statement_and_writes_once(
    api: Api,
) -> None:
    seen: list[tuple[str, bool]] = []

    def record(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append((statement, bool(conn.connection.driver_connection.autocommit)))

    first = api.post("grid_lead", "/cases", CASE, **{"Idempotency-Key": "k-1"})
    assert first.status_code == 201, first.text
    engine = api.container.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        again = api.post("grid_lead", "/cases", CASE, **{"Idempotency-Key": "k-1"})
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert again.status_code == 201
    assert again.json()["case_id"] == first.json()["case_id"]
    key_reads = [auto for s, auto in seen if "FROM chuishao_request_keys" in s]
    assert key_reads and all(key_reads), seen
