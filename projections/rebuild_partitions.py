"""A ledger rebuild folded by several processes at once (``projections rebuild --workers N``).

The head of the log is read first. Fresh tables are created without their indexes;
``workers`` processes each fold one slice of the cases up to that head into them
(``rebuild_bulk.fold_slice``). A case's rows (its row, summons, pledges, units) come
from its own events only, so the slices write disjoint rows; the case rollups and the
ledger's totals per place and status are sums over cases, so each slice's totals are
added up here and written once; the unit and funding rollups, recounts per key of the
summons and pledges, are counted once from all the slices' rows. Then the indexes are
built, the fresh position is set to the head, what was appended since is applied the
ordinary way, and the fresh tables are swapped in as ``rebuild.py`` does: readers see the
old view until that commit. A worker that fails (or is killed) fails the rebuild: the
fresh tables are dropped and the old view keeps serving.

Processes are forked (each takes a copy of the engines and drops their pooled
connections). On SQLite, which has one writer at a time, the slices run one after
another in this process. The fast fold needs the library's plain JSON mapper; with a
cipher or compressor the ordinary rebuild runs instead.
"""

from __future__ import annotations

import multiprocessing
import queue
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from operator import add
from typing import Any, cast

from eventsourcing.persistence import JSONTranscoder, Mapper
from sqlalchemy import Connection, Engine

from application.service import CaseService
from projections import case_totals, funding_rollup, unit_rollup
from projections.ledger import CaseLedger, LedgerView
from projections.measures import COUNT_NAMES
from projections.rebuild import (
    SUFFIX,
    _drop,
    _only_rebuild,
    _rebuild,
    _set_position,
    _swap,
    fresh_view,
)
from projections.rebuild_bulk import Folded, Slice, fold_slice, insert_rows, no_cyclic_gc
from projections.rebuild_fold import StateFold
from projections.rebuild_indexes import BUILDERS, start_index_builds
from projections.rollups import GRAINS, KEY, Deltas
from projections.rollups import TABLES as ROLLUPS
from projections.runner import ANALYZE_AFTER, Projector
from projections.view import SqlView, ViewTables

Progress = Callable[[int], None] | None


FINEST = next(grain for grain, columns in GRAINS.items() if columns == KEY)


class RebuildFailed(Exception):
    """A worker of a partitioned rebuild failed; the old view is still live."""


def rebuild_views(projector: Projector, progress: Progress = None, *, workers: int = 1) -> int:
    """Rebuild every view of the projector; the ledger by the fast, partitioned path
    when the mapper allows. Returns the events applied."""
    if workers < 1:
        raise ValueError("workers must be at least 1")
    service, done = projector.service, 0
    for projection in projector.projections:
        if isinstance(projection, CaseLedger) and folds_stored(service.mapper):
            with no_cyclic_gc():  # the rollups' merge and writes too, not only the fold
                done += rebuild_ledger(service, projection, workers=workers, progress=progress)
        else:
            done += _rebuild(service, projection, progress)
    return done


def folds_stored(mapper: Mapper[Any]) -> bool:
    """Whether stored events are plain JSON that ``StateFold`` reads as it is."""
    return not (mapper.cipher or mapper.compressor) and type(mapper.transcoder) is JSONTranscoder


def rebuild_ledger(
    service: CaseService, projection: CaseLedger, *, workers: int = 1, progress: Progress = None
) -> int:
    live = projection.view
    fresh = cast(LedgerView, fresh_view(live))
    head = service.recorder.max_notification_id() or 0
    with _only_rebuild(live):
        _drop(fresh)  # left behind by a rebuild that was killed
        # no indexes while the rows go in: built once afterwards, not kept row by row
        # (none of them exists now: no need to ask for each first)
        live.tables.fresh(SUFFIX, indexes=False).metadata.create_all(live.engine, checkfirst=False)
        try:
            folded = _fold_slices(service, live, fresh.tables, head, workers, progress)
            totals, listed = Deltas(), dict[case_totals.Key, int]()
            for f in folded:
                for key, counts in f.totals.items():  # a sum of every slice's counts
                    was = totals.by_key.get(key)
                    totals.by_key[key] = counts if was is None else list(map(add, was, counts))
                for place, n in f.listed.items():  # a case is in one slice: a sum
                    listed[place] = listed.get(place, 0) + n
            # the indexes are built by other connections while the rollups are written
            with (
                ThreadPoolExecutor(BUILDERS, thread_name_prefix="chuishao-rebuild-index") as pool,
                live.engine.begin() as conn,
            ):
                built = start_index_builds(pool, live.engine, fresh.tables)
                _write_rollups(conn, totals, fresh.tables)
                _write_totals(conn, listed, fresh.tables)
                # recounted from every slice's rows (what a refresh of every key gives)
                unit_rollup.recount_all(conn, fresh.tables)
                funding_rollup.recount_all(conn, fresh.tables)
                for future in built:
                    future.result()  # raises what a builder raised
                _set_position(conn, fresh.projection_name, service.name, head)
            applied = sum(f.applied for f in folded)
            # what was appended since the head was read, the ordinary way
            applied += Projector(service, [projection.for_view(fresh)]).catch_up(progress)
            _swap(live, fresh, service.name)
        except BaseException:
            _drop(fresh)
            raise
    if applied >= ANALYZE_AFTER:
        live.analyze()
    return applied


def _write_rollups(conn: Connection, totals: Deltas, tables: ViewTables) -> None:
    """The summed counts into the empty fresh rollups (what ``Deltas.write`` would upsert
    into empty tables): the finest grain's rows copied in, each coarser grain summed from
    them by the database. Every count is a sum of cases' counts (none negative), so a
    coarser row is all zeros only if its finer rows were, and those are left out."""
    finest = tables[ROLLUPS[FINEST]]
    insert_rows(
        conn,
        finest,
        [
            dict(zip(KEY, key, strict=True)) | dict(zip(COUNT_NAMES, counts, strict=True))
            for key, counts in sorted(totals.by_key.items())
            if any(counts)
        ],
    )
    counts = ", ".join(COUNT_NAMES)
    sums = ", ".join(f"sum({n})" for n in COUNT_NAMES)
    for grain, live in ROLLUPS.items():
        if grain != FINEST:
            keys = ", ".join(GRAINS[grain])
            conn.exec_driver_sql(
                f'INSERT INTO "{tables[live].name}" ({keys}, {counts}) '
                f'SELECT {keys}, {sums} FROM "{finest.name}" GROUP BY {keys}'
            )


def _write_totals(conn: Connection, listed: dict[case_totals.Key, int], tables: ViewTables) -> None:
    """The cases each (place, status) lists into the empty fresh ``case_totals``."""
    insert_rows(
        conn,
        tables[case_totals.case_totals],
        [
            dict(zip(case_totals.KEY, key, strict=True)) | {"cases": n}
            for key, n in sorted(listed.items())
            if n
        ],
    )


def _fold_slices(
    service: CaseService,
    live: SqlView,
    tables: ViewTables,
    head: int,
    workers: int,
    progress: Progress,
) -> list[Folded]:
    folder = StateFold(service.mapper.transcoder.names)
    events_table: str = service.recorder.events_table_name
    slices = [Slice(head, part, workers) for part in range(workers)]
    if workers == 1 or live.engine.dialect.name != "postgresql":
        return [
            fold_slice(live.engine, live.reader, events_table, tables, folder, s, progress)
            for s in slices
        ]
    ctx = multiprocessing.get_context("fork")
    counter = ctx.Value("q", 0)
    results: Any = ctx.Queue()
    args = (live.engine, live.reader, events_table, tables, folder)
    processes = [
        ctx.Process(
            target=_worker,
            args=(*args, s, counter, results),
            name=f"chuishao-rebuild-{s.part}",
            daemon=True,
        )
        for s in slices
    ]
    for p in processes:
        p.start()
    folded: dict[int, Folded] = {}
    reported = 0
    try:
        while len(folded) < workers:
            try:
                part, result, error = results.get(timeout=0.2)
            except queue.Empty:
                if any(p.exitcode not in (None, 0) for p in processes):
                    raise RebuildFailed("a rebuild worker died") from None
            else:
                if error is not None:
                    raise RebuildFailed(f"rebuild worker {part} failed:\n{error}")
                folded[part] = result
            if progress and counter.value > reported:
                now = counter.value
                progress(now - reported)
                reported = now
    finally:
        for p in processes:
            if p.is_alive() and len(folded) < workers:
                p.terminate()
            p.join(timeout=30)
    return [folded[s.part] for s in slices]


def _worker(
    engine: Engine,
    reader: Engine,
    events_table: str,
    tables: ViewTables,
    folder: StateFold,
    part: Slice,
    counter: Any,
    results: Any,
) -> None:
    """A forked worker: fold one slice on connections of its own."""
    engine.dispose(close=False)  # the parent's pooled connections are the parent's
    reader.dispose(close=False)

    def tick(n: int) -> None:
        with counter.get_lock():
            counter.value += n

    try:
        folded = fold_slice(engine, reader, events_table, tables, folder, part, tick)
    except BaseException:
        results.put((part.part, None, traceback.format_exc()))
        return
    results.put((part.part, folded, None))
