"""One slice of a ledger rebuild: read the stored events, fold them, bulk-write fresh tables.

A slice is the cases whose id's last byte is ``part`` modulo ``parts`` (every case is in
exactly one slice; one slice of one part is the whole log). Its events up to ``head`` are
read page by page (the next page read in a second thread while this one folds), folded
from their JSON (``rebuild_fold.StateFold``) and written to a rebuild's fresh tables every
``per_transaction`` events: new rows by COPY on PostgreSQL and one executemany on SQLite,
rows written earlier by executemany updates, as ``ledger.write`` does. The rollups are
not written here: a rebuild starts from empty, so they are the sum of every case's final
contribution, kept in memory (``Deltas``) and written once for all slices at the end;
so are the ledger's totals per place and status (``case_totals``: a count of the slice's
cases per key). The unit and funding rollups are recounted from the summons and pledges
once all slices are written (``rebuild_partitions``).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Boolean,
    Connection,
    DateTime,
    Engine,
    Float,
    Integer,
    SmallInteger,
    String,
    Table,
    TypeDecorator,
    bindparam,
    select,
)

from projections import case_totals
from projections.ledger import CASE_COLUMNS, Batch, _fill_delays, _update_summons, mark_counted
from projections.ledger_tables import case_units, cases, pledges, summons
from projections.rebuild_fold import StateFold, Stored, chunks, wanted_rows
from projections.rollups import Deltas, contribution
from projections.view import ViewTables

PAGE = 5000
PER_TRANSACTION = 50_000  # events folded between commits
MAX_ROWS = 30_000  # case rows kept in memory (≈ 3 KB each); others are read back


@dataclass
class Slice:
    """Which events a worker folds: its share of the cases, up to ``head``."""

    head: int
    part: int = 0
    parts: int = 1


@dataclass
class Folded:
    """What a slice leaves for the merge: events applied, its rollup contribution and
    how many of its cases each (place, status) of ``case_totals`` lists."""

    applied: int = 0
    totals: dict[tuple[str, ...], list[int]] = field(default_factory=dict)
    listed: dict[case_totals.Key, int] = field(default_factory=dict)


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """The cyclic garbage collector paused. A rebuild keeps tens of thousands of row dicts
    alive and allocates a dict per event: the collector scanned them all again and again
    (a quarter of a small rebuild's CPU) and found nothing, as the fold makes no cycles.
    Nested or concurrent uses only pause it longer; what cycles others make meanwhile are
    collected once it runs again."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def fold_slice(
    engine: Engine,
    reader: Engine,
    events_table: str,
    tables: ViewTables,
    folder: StateFold,
    part: Slice,
    progress: Callable[[int], None] | None = None,
) -> Folded:
    """Fold one slice of the log into the fresh ``tables`` (committed as it goes)."""
    with no_cyclic_gc():
        return _fold_slice(engine, reader, events_table, tables, folder, part, progress)


def _fold_slice(
    engine: Engine,
    reader: Engine,
    events_table: str,
    tables: ViewTables,
    folder: StateFold,
    part: Slice,
    progress: Callable[[int], None] | None,
) -> Folded:
    batch, totals, units = Batch(max_rows=MAX_ROWS), Deltas(), set[tuple[str, str]]()
    listed: dict[case_totals.Key, int] = {}
    per_transaction = PER_TRANSACTION
    applied = 0
    with ThreadPoolExecutor(1, thread_name_prefix="chuishao-rebuild-read") as pool:
        pages = _prefetched(pool, reader, events_table, part)
        page = next(pages, None)
        while page:
            with engine.begin() as conn:
                in_tx = 0
                while page and (in_tx == 0 or in_tx + len(page) <= per_transaction):
                    _load(conn, batch, wanted_rows(page, batch.rows), tables)
                    for _, case_id, version, topic, state in page:
                        folder.fold(batch, case_id, version, topic, state)
                    in_tx += len(page)
                    if progress:
                        progress(len(page))
                    page = next(pages, None)
                flush(conn, batch, tables, totals, units, listed)
            applied += in_tx
    return Folded(applied, totals.by_key, {k: n for k, n in listed.items() if n})


def flush(
    conn: Connection,
    b: Batch,
    tables: ViewTables,
    totals: Deltas,
    units: set[tuple[str, str]],
    listed: dict[case_totals.Key, int],
) -> None:
    """Store what the batch changed (``ledger.write`` for tables that start empty and
    have no other writer); the rollup changes go to ``totals`` and ``listed``, not to
    the tables."""
    counted = {case_id: contribution(b.rows[case_id]) for case_id in b.dirty}
    dirty = sorted(b.dirty)
    listed_now = {k: case_totals.listed(b.rows[k]) for k in dirty}
    for k, now in listed_now.items():  # each case's one count moves from its stored key
        was = b.listed.get(k)
        if was != now:
            if was is not None:
                listed[was] = listed.get(was, 0) - 1
            listed[now] = listed.get(now, 0) + 1
    insert_rows(conn, tables[cases], [b.rows[k] for k in dirty if k not in b.stored])
    old = [b.rows[k] for k in dirty if k in b.stored]
    if old:
        table = tables[cases]
        conn.execute(
            table.update().where(table.c.case_id == bindparam("k_case")),
            [
                {"k_case": r["case_id"], **{k: r[k] for k in CASE_COLUMNS if k != "case_id"}}
                for r in old
            ],
        )
    mark_counted(b, counted)
    _fill_delays(conn, b, tables[summons])  # report-ins to summons of an earlier flush
    insert_rows(conn, tables[summons], list(b.new_summons.values()))
    _update_summons(conn, b.summons_updates, tables[summons])
    recounted = [  # withdrawn or marked duplicate after an earlier flush
        {"k_case": case_id, "counted": after is not None}
        for case_id, after in counted.items()
        if case_id in b.stored and (b.stored[case_id] is None) != (after is None)
    ]
    for table in (tables[summons], tables[pledges]) if recounted else ():
        conn.execute(
            table.update()
            .where(table.c.case_id == bindparam("k_case"))
            .values(counted=bindparam("counted")),
            recounted,
        )
    insert_rows(conn, tables[pledges], b.new_pledges)
    involved = sorted(b.involved - units)  # a pair stored by an earlier flush is not again
    units.update(involved)
    insert_rows(conn, tables[case_units], [{"case_id": c, "unit_id": u} for c, u in involved])
    for case_id, after in counted.items():
        totals.change(b.stored.get(case_id), after)
    b.written(counted, listed_now)


def insert_rows(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows into a table nobody else writes: COPY on PostgreSQL, else executemany."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(table.insert(), rows)
        return
    columns = [c.name for c in table.columns]
    defaults = {
        c.name: getattr(c.default, "arg", None)
        for c in table.columns
        if c.default is not None and c.default.is_scalar
    }
    names = ", ".join(f'"{c}"' for c in columns)
    raw: Any = conn.connection.dbapi_connection
    values = itemgetter(*columns)  # a row with every column, the usual case
    types = binary_types(table)
    binary = " (FORMAT BINARY)" if types else ""
    sql = f'COPY "{table.name}" ({names}) FROM STDIN{binary}'
    with raw.cursor() as cursor, cursor.copy(sql) as copy:
        if types:
            copy.set_types(types)
        for row in rows:
            if len(row) == len(columns) > 1:  # (one column: itemgetter gives no tuple)
                copy.write_row(values(row))
            else:
                copy.write_row([row[c] if c in row else defaults.get(c) for c in columns])


# PostgreSQL's binary COPY formats by column type: the wire type must be the column's.
BINARY_TYPES: tuple[tuple[type[Any], str], ...] = (
    (BigInteger, "int8"),  # before Integer, its parent
    (SmallInteger, "int2"),
    (Integer, "int4"),
    (Float, "float8"),  # FLOAT without a precision is double precision
    (Boolean, "bool"),
    (String, "text"),  # varchar and text share their binary form
)


@lru_cache(maxsize=64)  # each rebuild's fresh tables are new Table objects: bounded
def binary_types(table: Table) -> list[str] | None:
    """The PostgreSQL type of each column for a binary COPY (None: a column of another
    type; the table is copied as text). Binary spares formatting and parsing every
    timestamp as text: a fifth of the Python CPU of a text COPY, less on the server."""
    found = []
    for column in table.columns:
        kind = column.type
        if isinstance(kind, TypeDecorator):
            kind = kind.impl_instance
        if isinstance(kind, DateTime):
            found.append("timestamptz" if kind.timezone else "timestamp")
            continue
        name = next((n for cls, n in BINARY_TYPES if isinstance(kind, cls)), None)
        if name is None:
            return None
        found.append(name)
    return found


def _load(conn: Connection, b: Batch, wanted: list[str], tables: ViewTables) -> None:
    """Read back rows flushed earlier and since forgotten (more cases than ``max_rows``)."""
    table = tables[cases]
    for chunk in chunks(wanted, 5000):
        for r in conn.execute(select(table).where(table.c.case_id.in_(chunk))):
            row = b.rows[r.case_id] = dict(r._mapping)
            b.stored[r.case_id] = contribution(row)
            b.listed[r.case_id] = case_totals.listed(row)


def _prefetched(
    pool: ThreadPoolExecutor, reader: Engine, events_table: str, part: Slice
) -> Iterator[list[Stored]]:
    """The slice's pages, each read while the previous one is folded. A page is a range
    of ids (not a LIMIT: with a bound or a slice filter the planner would sort all the
    rest of the log for every page); ids may have holes, so a page may hold fewer."""
    raw: Any = reader.raw_connection()
    span = PAGE * part.parts  # about PAGE events of this slice
    try:
        read = _page_reader(raw, reader.dialect.name, events_table, part)
        start = 1
        future = pool.submit(read, start, min(start + span, part.head + 1))
        while True:
            page = future.result()
            start += span
            if start <= part.head:
                future = pool.submit(read, start, min(start + span, part.head + 1))
            if page:
                yield page
            if start > part.head:
                return
    finally:
        raw.close()


def _page_reader(
    raw: Any, dialect: str, events_table: str, part: Slice
) -> Callable[[int, int], list[Stored]]:
    """A function reading the slice's events with ids from ``start`` to before ``stop``."""
    sliced = part.parts > 1
    if dialect == "postgresql":
        # The slice is chosen by the server: each worker receives only its own rows.
        sql = (
            "SELECT notification_id, originator_id::text, originator_version, topic, state "
            f'FROM "{events_table}" WHERE notification_id >= %s AND notification_id < %s '
            + ("AND get_byte(uuid_send(originator_id), 15) %% %s = %s " if sliced else "")
            + "ORDER BY notification_id"
        )
        extra = (part.parts, part.part) if sliced else ()

        def read_pg(start: int, stop: int) -> list[Stored]:
            # binary results: the state arrives as its bytes, not as hex text that the
            # server encodes and psycopg decodes again (half the reading CPU)
            with raw.cursor(binary=True) as cursor:
                cursor.execute(sql, (start, stop, *extra), prepare=True)
                rows: list[Stored] = cursor.fetchall()
            raw.rollback()  # no transaction left open between pages
            return rows

        return read_pg

    sql = (
        f"SELECT rowid, originator_id, originator_version, topic, state FROM {events_table} "
        "WHERE rowid >= ? AND rowid < ? ORDER BY rowid"
    )

    def read_sqlite(start: int, stop: int) -> list[Stored]:
        cursor = raw.cursor()
        try:
            rows = cursor.execute(sql, (start, stop)).fetchall()
        finally:
            cursor.close()
        return [
            (r[0], str(UUID(r[1])), r[2], r[3], r[4])  # stored as hex digits only
            for r in rows
            if not sliced or int(r[1][-2:], 16) % part.parts == part.part
        ]

    return read_sqlite
