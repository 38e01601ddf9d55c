"""A reader that holds one of a view's tables and then reads another is never the
victim of a rebuild's swap. CI caught it: the swap dropped ``ledger_cases``, then waited
for ``ledger_case_totals``, which a ``GET /cases`` held after reading its total; the
reader went on to its rows, PostgreSQL found the deadlock in the reader and the person
who only looked got a 503. The swap now asks for every table at once without waiting."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import text

import projections.rebuild
from interfaces.bootstrap import Container
from projections.ledger import CaseLedger
from projections.queries import CaseFilter, Scope
from projections.rebuild import rebuild
from tests.projections.generator import HistoryGenerator
from tests.support.clock import FakeClock


def test_a_reader_holding_one_table_reads_the_next_while_a_swap_waits(
    container: Container, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    if container.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's swap holds the file's write lock; readers keep their snapshot")
    HistoryGenerator(container.service, clock, n_cases=12, seed=4).run()
    container.projector.catch_up()
    with container.engine.begin() as conn:  # the old view lies, so old and new differ
        conn.execute(
            text(
                "DELETE FROM ledger_cases WHERE case_id IN "
                "(SELECT case_id FROM ledger_cases LIMIT 1)"
            )
        )
    tries = threading.Semaphore(0)
    original = projections.rebuild._swap_in

    def counted(conn: Any, live: Any, *args: Any, **kwargs: Any) -> None:
        if live.projection_name == CaseLedger.name:
            tries.release()
        original(conn, live, *args, **kwargs)

    monkeypatch.setattr(projections.rebuild, "_swap_in", counted)
    failure: list[BaseException] = []

    def rebuild_all() -> None:
        try:
            rebuild(container.projector)
        except BaseException as e:  # kept to fail the test from the main thread
            failure.append(e)

    builder = threading.Thread(target=rebuild_all)
    with container.reader.connect() as conn, conn.begin():
        conn.execute(text("SELECT count(*) FROM ledger_case_totals")).scalar_one()
        builder.start()
        for _ in range(3):  # the swap of the ledger has tried, and tried again, meanwhile
            assert tries.acquire(timeout=60)
        time.sleep(0.3)  # a swap that waits while holding tables would hold them now
        # the reader waits for nothing (a swap holding the table would make this fail)
        conn.execute(text("SET LOCAL lock_timeout = '200ms'"))
        rows = conn.execute(text("SELECT count(*) FROM ledger_cases")).scalar_one()
        assert rows == 11  # the old view, read without an error
    builder.join(timeout=120)
    assert not builder.is_alive() and not failure
    _, listed = container.ledger.list_cases(CaseFilter(), Scope(everything=True), limit=1, offset=0)
    assert listed == 12  # the rebuilt view went live once the reader was done
