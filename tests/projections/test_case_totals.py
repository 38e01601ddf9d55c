"""The ledger's per-place-and-status totals: they hold what the case rows count
(withdrawn and duplicate cases are listed too), and /ledger's totals from them equal the
counts over the case rows."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from sqlalchemy import func, select

from interfaces.bootstrap import Container
from projections import case_totals
from projections.ledger_tables import cases
from projections.queries import CaseFilter, LedgerQueries, Scope
from tests.projections.generator import HistoryGenerator
from tests.support.clock import FakeClock


def test_the_totals_hold_what_the_case_rows_count(
    container: Container, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    HistoryGenerator(container.service, clock, n_cases=120, seed=4).run()
    container.projector.catch_up()
    with container.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(cases))]
        kept = {
            tuple(r._mapping[k] for k in case_totals.KEY): r.cases
            for r in conn.execute(select(case_totals.case_totals))
        }
    assert {"withdrawn", "duplicate"} <= {r["status"] for r in rows}
    assert kept == dict(Counter(case_totals.listed(r) for r in rows))

    one = rows[0]
    filters = [
        CaseFilter(),
        CaseFilter(street_id=one["street_id"]),
        CaseFilter(community_id=one["community_id"], status=one["status"]),
        CaseFilter(grid_id=one["grid_id"]),
        CaseFilter(status="withdrawn"),
    ]
    scopes = [Scope(everything=True), Scope(community_ids=frozenset({one["community_id"]}))]
    q = LedgerQueries(container.engine)
    asked = [(f, s) for f in filters for s in scopes]
    from_totals = [q.list_cases(f, s, limit=3, offset=0)[1] for f, s in asked]
    assert from_totals[0] == len(rows) and all(from_totals)
    monkeypatch.setattr(LedgerQueries, "_total", _counted)  # count over the case rows
    assert [q.list_cases(f, s, limit=3, offset=0)[1] for f, s in asked] == from_totals


def _counted(self: LedgerQueries, f: CaseFilter, scope: Scope, conditions: list[Any]) -> Any:
    return select(func.count()).select_from(cases).where(*conditions)
