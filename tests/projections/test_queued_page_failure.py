"""A live page's writes go out with its COMMIT (on PostgreSQL in psycopg's pipeline mode,
projections/pipeline.py): a statement the database refuses there must roll back the
whole page, rows and position, and the next catch-up must apply it exactly once."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from domain import events as ev
from interfaces.bootstrap import Container
from projections.audit import audit_views
from projections.ledger_tables import cases
from tests.projections.checks import snapshot
from tests.projections.generator import HistoryGenerator
from tests.projections.recount import read_log
from tests.support.clock import FakeClock


def test_a_refused_write_rolls_back_the_page_and_the_next_applies_it_once(
    container: Container, clock: FakeClock
) -> None:
    gen = HistoryGenerator(container.service, clock, n_cases=30, seed=5)
    gen.run(limit=80)
    projector = container.projector
    projector.catch_up()
    position = projector.positions()["ledger"]
    gen.run(limit=80)
    reported = next(
        e for i, e in read_log(container.service) if i > position and isinstance(e, ev.CaseReported)
    )
    victim = str(reported.originator_id)
    with container.engine.begin() as conn:  # a row in the way of the page's insert
        row = dict(conn.execute(select(cases).limit(1)).one()._mapping)
        conn.execute(cases.insert().values({**row, "case_id": victim}))
    before = snapshot(container.engine)
    with pytest.raises(Exception, match="(?i)unique|duplicate"):  # the driver's error
        projector.catch_up()
    assert projector.positions()["ledger"] == position
    assert snapshot(container.engine) == before
    with container.engine.begin() as conn:
        conn.execute(text("DELETE FROM ledger_cases WHERE case_id = :k"), {"k": victim})
    assert projector.catch_up() > 0
    assert projector.positions()["ledger"] == projector.head()
    report = audit_views(projector)
    assert report.intact, report.differences
