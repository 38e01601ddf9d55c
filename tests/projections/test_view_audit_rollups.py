"""``verify --views`` checks the unit, funding and ledger-total rollups too: an intruder's
edit of one of their rows is named; a history the projection wrote verifies clean."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from interfaces.bootstrap import Container
from projections import case_totals, funding_rollup, unit_rollup
from projections.audit import ViewDifference, audit_views
from tests.projections.generator import HistoryGenerator
from tests.support.clock import FakeClock


@pytest.fixture
def history(container: Container, clock: FakeClock) -> Container:
    HistoryGenerator(container.service, clock, n_cases=60, seed=9).run()
    container.projector.catch_up()
    return container


def test_the_rollups_of_a_written_history_verify_clean(history: Container) -> None:
    report = audit_views(history.projector)
    assert report.intact, report.differences[:5]
    with history.engine.connect() as conn:
        for table in (unit_rollup.unit_counts, funding_rollup.funding_counts,
                      funding_rollup.funded_cases, case_totals.case_totals):  # fmt: skip
            assert conn.execute(select(table)).first() is not None, table.name


@pytest.mark.parametrize(
    ("table", "column", "key_columns"),
    [
        (unit_rollup.unit_counts, "on_time", unit_rollup.KEY),
        (funding_rollup.funding_counts, "amount_fen", (*funding_rollup.KEY, "party_kind")),
        (funding_rollup.funded_cases, "cases", funding_rollup.KEY),
        (case_totals.case_totals, "cases", case_totals.KEY),
    ],
)
def test_an_edited_rollup_row_is_named(
    history: Container, table: object, column: str, key_columns: tuple[str, ...]
) -> None:
    from sqlalchemy import Table

    assert isinstance(table, Table)
    with history.engine.begin() as conn:
        row = conn.execute(select(table).order_by(*table.primary_key.columns)).first()
        assert row is not None
        where = " AND ".join(f"{k} = :{k}" for k in key_columns)
        params = {k: row._mapping[k] for k in key_columns}
        conn.execute(text(f"UPDATE {table.name} SET {column} = {column} + 7 WHERE {where}"), params)
    report = audit_views(history.projector)
    was = row._mapping[column]
    assert report.differences == [
        ViewDifference(table.name, "/".join(params.values()), column, "differs", was + 7, was)
    ]
