"""The case ledger (社情民意台账) projection: its store, batch cache and transaction driver.

Events are folded into plain row dicts in Python (``fold``; what one event does to a row
is the pure ``ledger_fold.fold_row``), then a whole batch is
written with a few bulk statements in the transaction that advances the tracking
position. One event (the library runner) is just a batch of one; a rebuild is
batches of hundreds. Either way each event is applied exactly once.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, singledispatchmethod
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection
from sqlalchemy import Connection, Table, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from domain import events as ev
from projections import case_totals, funding_rollup, unit_rollup
from projections.case_search import refill_text_index
from projections.ledger_fold import Changes, delay_us, fold_row
from projections.ledger_tables import (
    LIVE,
    case_units,
    cases,
    metadata,
    pledges,
    summons,
)
from projections.pipeline import reads_follow, writes_follow
from projections.rollups import Contribution, Deltas, contribution
from projections.together import apply_pages
from projections.view import Locked, SqlView, ViewTables

__all__ = ["CaseLedger", "LedgerView", "cases", "case_units", "metadata", "pledges", "summons"]
CASE_COLUMNS = [c.name for c in cases.columns]
MAX_ROWS = 30_000  # case rows kept in memory across a catch-up's transactions (≈ 3 KB each)
# ... and from one catch-up to the next: the live projector then finds the cases being
# worked on in memory instead of reading them back from the view.
LIVE_ROWS = 2_000


class LedgerView(SqlView):
    metadata = metadata

    # 2: rollup tables, partial indexes, places on summons and pledges
    # 3: indexes by deadline of what is open (due-ness), by latest event
    # 4: 未报到 on summons
    # 5: the description, for keyword search
    # 6: where a case is on the ground (lat, long) and its reporter's role (Open311)
    # 7: 合并 — duplicate_of, callers (来电人数); an index for likely duplicates
    # 8: 12345 work orders: the order id, the resolution deadline before an approved 延期
    # 9: rollups for the units (with each report-in's delay), the funding, the ledger's total
    schema_version = 9

    def swapped_in(self, conn: Connection) -> None:
        refill_text_index(conn)


@dataclass
class Batch(Changes):
    """Case rows folded in memory, and what the next write must store.

    It lives for one transaction on the live path, and for a whole catch-up on the bulk
    path, where rows stay in memory between transactions: a case's row is then read from
    the view at most once and written once per transaction that touched it.
    """

    rows: OrderedDict[str, dict[str, Any]] = field(default_factory=OrderedDict)  # LRU first
    stored: dict[str, Contribution | None] = field(default_factory=dict)  # counted, as in the view
    listed: dict[str, case_totals.Key] = field(default_factory=dict)  # place, status in the view
    dirty: set[str] = field(default_factory=set)
    max_rows: int = MAX_ROWS

    def load(self, conn: Connection, events: Sequence[Any], tables: ViewTables = LIVE) -> None:
        """Read the stored rows of the cases these events continue (those not in memory)."""
        # A case reported among these events has no stored row to read.
        reported = {str(e.originator_id) for e in events if isinstance(e, ev.CaseReported)}
        wanted = {str(e.originator_id) for e in events} - reported - self.rows.keys()
        table = tables[cases]
        if wanted:
            reads_follow(conn)
        for chunk in _chunks(sorted(wanted), 5000):
            for r in conn.execute(select(table).where(table.c.case_id.in_(chunk))):
                row = self.rows[r.case_id] = dict(r._mapping)
                self.stored[r.case_id] = contribution(row)
                self.listed[r.case_id] = case_totals.listed(row)

    def written(
        self,
        counted: dict[str, Contribution | None],
        listed: dict[str, case_totals.Key] | None = None,
    ) -> None:
        """The pending changes are stored: start the next write from here (``listed``:
        each dirty case's ``case_totals.listed``, if the caller has it already)."""
        self.stored.update(counted)
        if listed is None:
            listed = {k: case_totals.listed(self.rows[k]) for k in self.dirty}
        self.listed.update(listed)
        self.dirty.clear()
        self.new_summons, self.summons_updates = {}, {}
        self.new_pledges, self.involved = [], set()
        self.keep(self.max_rows)

    def keep(self, most: int) -> None:
        """Forget the least recently touched rows beyond ``most`` (none may be dirty)."""
        while len(self.rows) > most:
            case_id, _ = self.rows.popitem(last=False)
            self.stored.pop(case_id, None)
            self.listed.pop(case_id, None)


class MissedEvents(Exception):
    """An event arrived although earlier events of the log are not applied yet."""


class CaseLedger(Projection[LedgerView]):
    name = "ledger"

    def __init__(self, view: LedgerView, log: Any = None) -> None:
        super().__init__(view)
        self.log = log  # the event log, to notice events a subscription skipped

    def for_view(self, view: LedgerView) -> CaseLedger:
        """The same projection writing another copy of the tables (a rebuild's)."""
        return CaseLedger(view, log=self.log)

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.process_batch([(domain_event, tracking)])

    def process_batch(self, items: Sequence[tuple[Any, Tracking]]) -> None:
        """Apply events in log order, in one transaction; those already applied are skipped."""
        self.process_pages([items], per_transaction=len(items))

    def process_pages(
        self, pages: Iterable[Sequence[tuple[Any, Tracking]]], per_transaction: int
    ) -> int:
        """Apply pages of events in log order, about ``per_transaction`` events per
        transaction, each advancing the position with its rows. Rows stay in memory from
        one transaction to the next unless someone else moved the position in between.
        Returns how many events were applied (those already applied are skipped)."""
        return apply_pages([(self.view, self.applier())], pages, per_transaction)[0]

    def applier(self) -> LedgerApplier:
        """The ledger's side of a catch-up (projections/together.py)."""
        return LedgerApplier(self)

    def _check_nothing_skipped(self, position: int, first: int) -> None:
        # Ids may have holes (rolled-back inserts), so ask the log, not arithmetic. A live
        # subscription raising this dies and is restarted after a catch-up (runner.py).
        if self.log is not None and first > position + 1:
            if self.log.select_notifications(position + 1, 1, stop=first - 1):
                raise MissedEvents(f"events after {position} and before {first} not applied")


class LedgerApplier:
    """Folds a catch-up's events into case rows kept in memory, and writes them with a
    few bulk statements per transaction: a case's row is read from the view at most
    once per catch-up and written once per transaction that touched it."""

    def __init__(self, projection: CaseLedger) -> None:
        self.projection = projection
        self.tables = projection.view.tables
        self.batch = Batch()
        self.ours = (-1, -1)  # the (build, position) our last transaction left
        self.first = True

    def begin(self, tx: Locked) -> None:
        if (tx.build, tx.position) != self.ours:
            # another projector wrote, a rebuild swapped the tables in, or our last
            # transaction failed: the rows in memory may be stale
            self.batch = Batch()
        self.ours, self.first = (-1, -1), True  # until ``finish``: a failure leaves it so

    def add(self, tx: Locked, items: Sequence[tuple[Any, Tracking]]) -> None:
        if self.first:
            self.projection._check_nothing_skipped(tx.done, items[0][1].notification_id)
            self.first = False
        events = [e for e, _ in items]
        self.batch.load(tx.conn, events, self.tables)
        for e in events:
            fold(self.batch, e)
        tx.advance(items[-1][1].notification_id)

    def finish(self, tx: Locked) -> None:
        if tx.advanced_to > tx.position:
            write(tx.conn, self.batch, self.tables)
        # The rows in memory are the view's if this commits (else the position is not this).
        self.ours = (tx.build, tx.done)

    def idle(self) -> None:
        """The catch-up is over: keep only the most recently touched rows until the next."""
        self.batch.keep(LIVE_ROWS)


def fold_all(conn: Connection, events: list[Any]) -> Batch:
    """A batch of these events, folded onto the stored rows."""
    batch = Batch()
    batch.load(conn, events)
    for e in events:
        fold(batch, e)
    return batch


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def fold(b: Batch, e: Any) -> None:
    """Change the batch's rows by one event (no I/O): the pure fold, kept in memory."""
    case_id = str(e.originator_id)
    b.dirty.add(case_id)
    b.rows[case_id] = fold_row(b.rows.get(case_id), e, b)
    b.rows.move_to_end(case_id)


def mark_counted(b: Batch, counted: dict[str, Contribution | None]) -> None:
    """Copy onto the batch's new summons and pledges whether their case counts anywhere
    (not withdrawn or a duplicate)."""
    for row in (*b.new_summons.values(), *b.new_pledges):
        row["counted"] = counted[row["case_id"]] is not None


def write(conn: Connection, b: Batch, tables: ViewTables = LIVE) -> None:
    """Store what the batch changed with a handful of bulk statements: what must be read
    first (delays, the rollup keys of recounted cases), then only writes, which on
    PostgreSQL go out together with the commit (projections/pipeline.py)."""
    case_rows, summons_rows, pledge_rows = tables[cases], tables[summons], tables[pledges]
    counted = {case_id: contribution(b.rows[case_id]) for case_id in b.dirty}
    recounted = [  # withdrawn or marked duplicate: their summons and pledges stop counting
        {"k_case": case_id, "counted": after is not None}
        for case_id, after in counted.items()
        if case_id in b.stored and (b.stored[case_id] is None) != (after is None)
    ]
    _fill_delays(conn, b, summons_rows)
    unit_keys, funding_keys = _rollup_keys(conn, b, tables, [str(r["k_case"]) for r in recounted])
    writes_follow(conn)
    dirty = sorted(b.dirty)
    new = [b.rows[k] for k in dirty if k not in b.stored]
    old = [b.rows[k] for k in dirty if k in b.stored]
    if new:
        conn.execute(case_rows.insert(), new)
    if old:
        conn.execute(
            _statements(tables, conn.dialect.name).update_cases,
            [
                {"k_case": r["case_id"], **{k: r[k] for k in CASE_COLUMNS if k != "case_id"}}
                for r in old
            ],
        )
    mark_counted(b, counted)
    if b.new_summons:
        conn.execute(summons_rows.insert(), list(b.new_summons.values()))
    _update_summons(conn, b.summons_updates, summons_rows)
    for statement in _statements(tables, conn.dialect.name).recount if recounted else ():
        conn.execute(statement, recounted)
    if b.new_pledges:
        conn.execute(pledge_rows.insert(), b.new_pledges)
    if unit_keys:  # after the summons they count
        unit_rollup.refresh(conn, tables, unit_keys)
    if funding_keys:
        funding_rollup.refresh(conn, tables, funding_keys)
    if b.involved:
        conn.execute(
            _statements(tables, conn.dialect.name).add_case_units,
            [{"case_id": c, "unit_id": u} for c, u in sorted(b.involved)],
        )
    deltas = Deltas()
    for case_id, after in counted.items():
        deltas.change(b.stored.get(case_id), after)
    deltas.write(conn, tables)
    moves = [(b.listed.get(k), case_totals.listed(b.rows[k])) for k in dirty]
    case_totals.write(conn, tables, moves)
    b.written(counted)


def _rollup_keys(
    conn: Connection, b: Batch, tables: ViewTables, recounted: list[str]
) -> tuple[set[unit_rollup.Key], set[funding_rollup.Key]]:
    """The unit and funding rollup rows to recount: those the batch's summons and pledges
    touch, and those of cases that stopped or started counting (read before the batch's
    own summons and pledges are written: theirs are among the first already)."""
    unit_keys = {
        (r["unit_id"], r["reported_month"], r["street_id"]) for r in b.new_summons.values()
    }
    for case_id, _, unit_id in b.summons_updates:
        row = b.rows[case_id]  # the updates' events were folded onto it
        unit_keys.add((unit_id, row["reported_month"], row["street_id"]))
    funding_keys = {(r["reported_month"], r["street_id"], r["community_id"]) for r in b.new_pledges}
    if recounted:
        reads_follow(conn)
        unit_keys |= unit_rollup.touched_by_cases(conn, tables, recounted)
        funding_keys |= funding_rollup.touched_by_cases(conn, tables, recounted)
    return unit_keys, funding_keys


@dataclass(frozen=True)
class _Statements:
    update_cases: Any
    recount: tuple[Any, ...]
    add_case_units: Any


@lru_cache(maxsize=8)
def _statements(tables: ViewTables, dialect: str) -> _Statements:
    """The write statements for one set of tables, built once (building one costs about
    as much as executing it, and the live projector writes a few rows at a time)."""
    case_rows = tables[cases]
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return _Statements(
        update_cases=case_rows.update().where(case_rows.c.case_id == bindparam("k_case")),
        recount=tuple(
            table.update()
            .where(table.c.case_id == bindparam("k_case"))
            .values(counted=bindparam("counted"))
            for table in (tables[summons], tables[pledges])
        ),
        add_case_units=insert(tables[case_units]).on_conflict_do_nothing(),
    )


def _fill_delays(conn: Connection, b: Batch, summons: Table) -> None:
    """The delay of each report-in to a summons stored earlier, from its stored whistle
    time (a pending summons got its delay in the fold)."""
    wanted = {k: v for k, v in b.summons_updates.items() if "reported_in_at" in v}
    if not wanted:
        return
    reads_follow(conn)
    s = summons.c
    query = select(s.case_id, s.whistle_id, s.unit_id, s.blown_at).where(
        s.case_id.in_(sorted({k[0] for k in wanted}))
    )
    for r in conn.execute(query):
        values = wanted.get((r.case_id, r.whistle_id, r.unit_id))
        if values is not None:
            values["delay_us"] = delay_us(values["reported_in_at"] - r.blown_at)


def _update_summons(
    conn: Connection, updates: dict[tuple[str, str, str], dict[str, Any]], summons: Table
) -> None:
    """Report-ins and scores of earlier whistles: one executemany per set of columns."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for (case_id, whistle_id, unit_id), values in sorted(updates.items()):
        groups.setdefault(tuple(sorted(values)), []).append(
            {"k_case": case_id, "k_whistle": whistle_id, "k_unit": unit_id, **values}
        )
    for columns, params in groups.items():
        conn.execute(_summons_update(summons, columns), params)


@lru_cache(maxsize=64)
def _summons_update(summons: Table, columns: tuple[str, ...]) -> Any:
    """An update of these columns of one summons row (built once per set of columns)."""
    return (
        summons.update()
        .where(
            summons.c.case_id == bindparam("k_case"),
            summons.c.whistle_id == bindparam("k_whistle"),
            summons.c.unit_id == bindparam("k_unit"),
        )
        .values({c: bindparam(c) for c in columns})
    )
