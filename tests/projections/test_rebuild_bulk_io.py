"""The fast rebuild's writing: binary COPY round-trips every column type the views use
(and falls back to text for others), the index builds on their own connections fail the
rebuild as any other step does, and the paused garbage collector runs again after."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    select,
)

import projections.rebuild_bulk
import projections.rebuild_indexes
import projections.rebuild_partitions
from infrastructure.sql_types import UtcDateTime
from interfaces.bootstrap import Container
from projections.ledger import LedgerView
from projections.rebuild_bulk import binary_types, insert_rows, no_cyclic_gc
from projections.rebuild_partitions import rebuild_views
from tests.projections.checks import snapshot
from tests.projections.generator import HistoryGenerator
from tests.projections.test_rebuild_fold import _no_fresh_tables
from tests.support.clock import FakeClock

metadata = MetaData()
typed = Table(
    "bulk_io_typed",
    metadata,
    Column("k", String(36), primary_key=True),
    Column("small", SmallInteger),
    Column("n", Integer),
    Column("big", BigInteger),
    Column("x", Float),
    Column("flag", Boolean),
    Column("note", Text),
    Column("at", UtcDateTime),
    Column("zero", Integer, nullable=False, default=0),  # left out of one row below
)
other = Table("bulk_io_other", metadata, Column("k", String(8)), Column("day", Date))

EIGHT = timezone(timedelta(hours=8))
ROWS: list[dict[str, Any]] = [
    {
        "k": "a",
        "small": -3,
        "n": 2**31 - 1,
        "big": 2**40,
        "x": 39.9042,
        "flag": True,
        "note": "东城区 \t tab, \\ backslash, 'quote'",
        "at": datetime(2024, 1, 1, 8, 0, tzinfo=EIGHT),  # the instant 00:00 UTC
        "zero": 5,
    },
    {
        "k": "b",
        "small": None,
        "n": True,  # a count summed from bools may still be one
        "big": None,
        "x": 116,  # an integral value the JSON gave as an int
        "flag": None,
        "note": None,
        "at": None,
    },
]


@pytest.fixture
def tables(container: Container) -> Iterator[Container]:
    metadata.create_all(container.engine)
    yield container
    metadata.drop_all(container.engine)


def test_the_views_tables_are_copied_in_binary_and_others_as_text() -> None:
    for table in LedgerView.metadata.sorted_tables:
        assert binary_types(table) is not None, table.name
    assert binary_types(typed) == [
        "text",
        "int2",
        "int4",
        "int8",
        "float8",
        "bool",
        "text",
        "timestamptz",
        "int4",
    ]
    assert binary_types(other) is None  # a date: no binary form chosen here


def test_rows_round_trip_every_column_type(tables: Container) -> None:
    with tables.engine.begin() as conn:
        insert_rows(conn, typed, ROWS[:1])
        insert_rows(conn, typed, ROWS[1:])  # without "zero": its default
        insert_rows(conn, other, [{"k": "j", "day": date(2024, 2, 29)}])
    with tables.engine.connect() as conn:
        got = [dict(r._mapping) for r in conn.execute(select(typed).order_by(typed.c.k))]
        day = conn.execute(select(other.c.day)).scalar_one()
    assert got == [
        {**ROWS[0], "at": datetime(2024, 1, 1, tzinfo=UTC)},
        {**ROWS[1], "n": 1, "x": 116.0, "zero": 0},
    ]
    assert day == date(2024, 2, 29)


def test_a_failed_index_build_fails_the_rebuild_and_leaves_the_old_view(
    container: Container, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    if container.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's fresh tables have no indexes: the swap creates them")
    HistoryGenerator(container.service, clock, n_cases=20, seed=6).run()
    container.projector.catch_up()
    before, marks = snapshot(container.engine), container.projector.marks()
    real = projections.rebuild_indexes._builder

    def fails(*args: Any) -> None:
        raise RuntimeError("the index build failed")

    monkeypatch.setattr(projections.rebuild_indexes, "_builder", fails)
    with pytest.raises(RuntimeError, match="index build failed"):
        rebuild_views(container.projector)
    assert snapshot(container.engine) == before
    assert container.projector.marks() == marks
    assert _no_fresh_tables(container)
    monkeypatch.setattr(projections.rebuild_indexes, "_builder", real)
    assert rebuild_views(container.projector) == container.projector.head()
    assert snapshot(container.engine) == before


def test_the_collector_is_paused_only_while_the_ledger_is_rebuilt(
    container: Container, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    HistoryGenerator(container.service, clock, n_cases=5, seed=1).run()
    seen: list[bool] = []
    real = projections.rebuild_bulk.fold_slice

    def looks(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(projections.rebuild_partitions, "fold_slice", looks)
    assert gc.isenabled()
    rebuild_views(container.projector)
    assert seen == [False]
    assert gc.isenabled()
    gc.disable()
    try:
        with no_cyclic_gc():
            pass
        assert not gc.isenabled()  # paused before: left paused
    finally:
        gc.enable()
