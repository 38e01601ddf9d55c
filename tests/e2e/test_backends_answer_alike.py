"""The same scenario on SQLite and on PostgreSQL answers the same, field by field (ids,
log positions and hashes aside), and every time in every answer is ISO 8601 in UTC (``Z``)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from infrastructure.settings import Settings
from interfaces.bootstrap import build_container
from interfaces.cli.users import add_user
from interfaces.http.app import create_app
from tests.e2e import helpers as h
from tests.support.api import USERS, Api
from tests.support.backends import PG_URL, require_postgres
from tests.support.clock import FakeClock

pytestmark = pytest.mark.postgres
TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
IGNORED = {"case_id", "position", "hash", "prev_hash", "head", "original_case_id", "duplicate_of"}
# Signed rows carry the real time they were signed (and so their signature and age differ).
IGNORED |= {"signed_at", "signature", "prev", "checkpoint_age_seconds"}


@contextmanager
def _api(settings: Settings) -> Iterator[Api]:
    clock = FakeClock()
    with build_container(settings, clock=clock) as container:
        tokens = {uid: add_user(container, uid, uid, r, s) for uid, (r, s) in USERS.items()}
        with TestClient(create_app(container)) as client:
            yield Api(client, container, clock, tokens)


@contextmanager
def _postgres(tmp_path: Path) -> Iterator[Settings]:
    require_postgres()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield Settings(database_url=PG_URL, database_schema=schema, data_dir=tmp_path)
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _scenario(api: Api) -> dict[str, Any]:
    """The fire-lane case through every step, with a whistle deadline given in +08:00."""
    case_id = h.report(api, resident_name="王女士", resident_phone="13800000000")
    api.clock.advance(minutes=5)
    h.note(api, case_id)
    h.escalate(api, case_id)
    body = h.whistle_body(api, ["jianshe-police"])
    body["report_in_deadline"] = _in_beijing(body["report_in_deadline"])
    whistle_id = h.created(api.post("coordinator", f"/cases/{case_id}/whistles", body))[
        "whistle_id"
    ]
    api.clock.advance(minutes=10)
    h.report_in(api, case_id, whistle_id, note="民警到场")
    h.pledge(api, case_id)
    api.clock.advance(hours=2)
    h.resolve(api, case_id)
    h.evaluate(api, case_id, "satisfied", user="admin")  # not the resolver
    erased = api.post("admin", f"/cases/{case_id}/resident/erasure", {"reason": "居民本人申请"})
    assert erased.status_code == 200, erased.text
    h.close(api, case_id)
    api.get("admin", "/cases", min_position=api.event_count())
    return {
        "case": api.get("admin", f"/cases/{case_id}").json(),
        "version 4": api.get("auditor", f"/cases/{case_id}", version=4).json(),
        "events": api.get("auditor", f"/cases/{case_id}/events").json(),
        "resident": api.get("admin", f"/cases/{case_id}/resident").json(),
        "list": api.get("coordinator", "/cases").json(),
        "ledger": api.get("coordinator", "/ledger").json(),
        "rates": api.get("coordinator", "/dashboards/rates").json(),
        "units": api.get("coordinator", "/dashboards/units").json(),
        "verify": api.get("auditor", "/audit/verify").json(),
    }


def _in_beijing(iso: str) -> str:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(iso).astimezone(ZoneInfo("Asia/Shanghai")).isoformat()


def _flatten(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            if k not in IGNORED:
                yield from _flatten(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _flatten(v, f"{path}[{i}]")
    else:
        yield path, value


def test_both_backends_answer_the_same_scenario_alike(tmp_path: Path) -> None:
    with _api(Settings(data_dir=tmp_path / "lite", database_url=None)) as lite:
        sqlite_answers = _scenario(lite)
    with _postgres(tmp_path / "pg") as pg_settings, _api(pg_settings) as pg:
        postgres_answers = _scenario(pg)

    lite_fields = dict(_flatten(sqlite_answers))
    pg_fields = dict(_flatten(postgres_answers))
    assert lite_fields.keys() == pg_fields.keys()
    differing = {
        k: (lite_fields[k], pg_fields[k]) for k in lite_fields if lite_fields[k] != pg_fields[k]
    }
    assert differing == {}
    times = {k: v for k, v in lite_fields.items() if isinstance(v, str) and TIME.match(v)}
    assert "report_in_deadline" in str(times) and "erased_at" in str(times)
    # UTC in the API's answers; the readable ledger in Beijing time, its offset written out.
    assert {
        k: v
        for k, v in times.items()
        if not (v.endswith("Z") or (k.startswith(".ledger.") and v.endswith("+08:00")))
    } == {}
