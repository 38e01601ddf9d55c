"""The event log is append-only in the database, and tampering is detected by verify."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest

from application.service import CaseService
from domain.values import Level
from tests.support.actors import GRID_LEAD
from tests.support.raw_db import RawDb


def make_case(service: CaseService, notes: int = 3) -> object:
    case_id = service.report_case(
        actor=GRID_LEAD, grid_id="binhewan", category_id="ebike", title="电动车充电"
    ).case_id
    for i in range(notes):
        service.add_note(case_id, actor=GRID_LEAD, text=f"进展{i}")
    return case_id


REFUSED = (sqlite3.IntegrityError, sqlite3.DatabaseError, psycopg.errors.InsufficientPrivilege)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE {events} SET topic = 'forged'",
        "UPDATE {events} SET state = state",
        "DELETE FROM {events}",
        "DELETE FROM {events} WHERE originator_version = 2",
    ],
)
def test_database_refuses_to_change_or_delete_events(
    service: CaseService, raw: RawDb, statement: str
) -> None:
    make_case(service)
    before = raw.execute("SELECT originator_id, originator_version, topic, state FROM {events}")
    with pytest.raises(REFUSED, match="append-only"):
        raw.execute(statement)
    after = raw.execute("SELECT originator_id, originator_version, topic, state FROM {events}")
    assert after == before


def test_postgres_refuses_truncate(service: CaseService, raw: RawDb) -> None:
    if not raw.is_postgres:
        pytest.skip("TRUNCATE is PostgreSQL-only")
    make_case(service)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        raw.execute("TRUNCATE {events}")
    assert raw.count() == 4


def test_verify_reports_intact_chains(service: CaseService) -> None:
    make_case(service)
    make_case(service, notes=1)
    report = service.verify()
    assert report.intact
    assert (report.cases, report.events) == (2, 6)


def test_verify_names_the_event_whose_row_was_altered(service: CaseService, raw: RawDb) -> None:
    other = make_case(service)
    case_id = make_case(service)
    raw.drop_guards()
    raw.execute(
        "UPDATE {events} SET state = %s WHERE originator_id = %s AND originator_version = 3",
        (_altered_state(raw, case_id, 3), _id(raw, case_id)),
    )
    report = service.verify()
    assert [(p.case_id, p.version, p.event_type) for p in report.problems] == [
        (case_id, 3, "ProgressNoted")
    ]
    assert "altered" in report.problems[0].problem
    assert other not in {p.case_id for p in report.problems}


def test_verify_detects_a_removed_event(service: CaseService, raw: RawDb) -> None:
    case_id = make_case(service)
    raw.drop_guards()
    raw.execute(
        "DELETE FROM {events} WHERE originator_id = %s AND originator_version = 2",
        (_id(raw, case_id),),
    )
    problem = service.verify().problems[0]
    assert (problem.case_id, problem.version) == (case_id, 3)


def test_verify_detects_a_swapped_event(service: CaseService, raw: RawDb) -> None:
    """Copying a valid event from another case into this one breaks its chain."""
    case_id = make_case(service)
    service.escalate(case_id, actor=GRID_LEAD, to_level=Level.COMMUNITY, reason="r")
    raw.drop_guards()
    state_v2 = _state(raw, case_id, 2)
    raw.execute(
        "UPDATE {events} SET state = %s WHERE originator_id = %s AND originator_version = 4",
        (state_v2, _id(raw, case_id)),
    )
    problem = service.verify().problems[0]
    assert (problem.case_id, problem.version) == (case_id, 4)


def _id(raw: RawDb, case_id: object) -> object:
    return case_id if raw.is_postgres else case_id.hex  # type: ignore[attr-defined]


def _state(raw: RawDb, case_id: object, version: int) -> bytes:
    rows = raw.execute(
        "SELECT state FROM {events} WHERE originator_id = %s AND originator_version = %s",
        (_id(raw, case_id), version),
    )
    return bytes(rows[0][0])


def _altered_state(raw: RawDb, case_id: object, version: int) -> bytes:
    state = _state(raw, case_id, version)
    forged = state.replace("进展1".encode(), "进展X".encode())
    assert forged != state
    return forged


def test_verify_case_names_the_altered_event(service: CaseService, raw: RawDb) -> None:
    case_id = make_case(service)
    assert service.verify_case(case_id) is None
    raw.drop_guards()
    raw.execute(
        "UPDATE {events} SET state = %s WHERE originator_id = %s AND originator_version = 3",
        (_altered_state(raw, case_id, 3), _id(raw, case_id)),
    )
    problem = service.verify_case(case_id)
    assert problem is not None and problem.version == 3
