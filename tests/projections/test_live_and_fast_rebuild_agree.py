"""The live projector (rows kept between catch-ups, several transactions per catch-up,
dash17's rollups recounted per touched key in each) and the fast rebuild (folded from
the stored JSON, its rollups summed or recounted once after the slices) leave the same
rows in every ledger table, the schema-9 rollups among them."""

from __future__ import annotations

import pytest

import projections.ledger
import projections.rebuild_bulk
import projections.runner
from interfaces.bootstrap import Container
from projections.ledger import LedgerView
from projections.rebuild import rebuild
from projections.rebuild_partitions import rebuild_views
from tests.projections.checks import snapshot
from tests.projections.generator import HistoryGenerator
from tests.support.clock import FakeClock


def test_live_catch_ups_and_the_fast_rebuild_leave_the_same_rows(
    container: Container, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # small pages and transactions: a case's whistle, report-in, withdrawal or merge land
    # in different transactions and catch-ups, so rollup keys are recounted many times
    monkeypatch.setattr(projections.runner, "PULL_BATCH", 23)
    monkeypatch.setattr(projections.runner, "TRANSACTION_EVENTS", 50)
    monkeypatch.setattr(projections.ledger, "LIVE_ROWS", 7)
    # seed 3: a case withdrawn after its summons were written is the last to touch a
    # unit's key, so only the recount of the withdrawn case's keys makes the live rollup right
    gen = HistoryGenerator(container.service, clock, n_cases=60, seed=3)
    step = max(1, gen.remaining // 9)
    while gen.run(limit=step):
        container.projector.catch_up()
    container.projector.catch_up()
    head = container.projector.head()
    live = snapshot(container.engine)
    assert set(live) == {t.name for t in LedgerView.metadata.sorted_tables}
    assert all(live.values()), [name for name, rows in live.items() if not rows]

    monkeypatch.setattr(projections.rebuild_bulk, "PER_TRANSACTION", 60)
    monkeypatch.setattr(projections.rebuild_bulk, "PAGE", 29)
    for workers in (1, 2):
        assert rebuild_views(container.projector, workers=workers) == head
        assert snapshot(container.engine) == live, f"fast rebuild, {workers} workers"
    assert rebuild(container.projector) == head
    assert snapshot(container.engine) == live, "object path"
