"""Checks the ledger views against the event log (``chuishao verify --views``).

Anyone who can write the database can edit a view row; the dashboards would then show
false figures while the log stays intact. So each case's rows are folded again from its
events with the projection's own ``fold`` (no second copy of the rules) and compared,
column by column, with what the view stores; the rollup counts are summed from those
rows with the projection's own ``contribution`` and compared too. Every difference is
named: the table, the row's key, the column, the stored value and the value the log
gives. Only events up to the view's tracked position count (the view may lag the log),
and everything stored is read in one snapshot together with that position.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, select

from application.service import CaseService
from projections.audit_rollups import ExpectedRollups
from projections.ledger import Batch, CaseLedger, LedgerView, fold, mark_counted
from projections.ledger_tables import case_units, cases, pledges, summons
from projections.rollups import GRAINS, TABLES, Deltas, contribution
from projections.runner import Projector
from projections.view import tracking_table

MAX_CASES = 30_000  # cases folded in memory at once; more cases take more passes
LOG_PAGE = 5_000
DIFFERENCES_KEPT = 1_000
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ViewDifference:
    view: str  # the table
    key: str  # the row's primary key, parts joined by "/"
    column: str | None  # None: the whole row
    problem: str  # differs | missing (the log has it) | extra (the log has not) | unfoldable
    stored: Any = None
    expected: Any = None  # what the log gives


@dataclass
class ViewReport:
    position: int = 0  # events up to here were compared
    cases: int = 0
    rows: int = 0  # stored rows compared
    total: int = 0  # differences found (only the first ``limit`` are kept)
    differences: list[ViewDifference] = field(default_factory=list)
    limit: int = DIFFERENCES_KEPT

    @property
    def intact(self) -> bool:
        return self.total == 0

    def add(self, difference: ViewDifference) -> None:
        self.total += 1
        if len(self.differences) < self.limit:
            self.differences.append(difference)


def audit_views(
    projector: Projector, *, progress: Progress | None = None, limit: int = DIFFERENCES_KEPT
) -> ViewReport:
    """Check the projector's ledger views against its service's log."""
    view = next(p.view for p in projector.projections if p.name == CaseLedger.name)
    assert isinstance(view, LedgerView)
    return audit_ledger(projector.service, view, progress=progress, limit=limit)


def audit_ledger(
    service: CaseService,
    view: LedgerView,
    *,
    progress: Progress | None = None,
    limit: int = DIFFERENCES_KEPT,
    max_cases: int = MAX_CASES,
) -> ViewReport:
    """Compare every ledger row and rollup count with what the log up to the view's
    position gives; the report names each difference."""
    report = ViewReport(limit=limit)
    deltas = Deltas()
    rollups = ExpectedRollups()
    with _snapshot(view) as conn:
        report.position = _position(conn, view, service.name)
        ranges = _case_ranges(conn, max_cases)
        for i, (low, high) in enumerate(ranges):
            done = i * report.position

            def step(n: int, done: int = done) -> None:
                if progress is not None:
                    progress(done + n, report.position * len(ranges))

            batch, unfoldable = _fold_log(service, report.position, low, high, step)
            for case_id, error in sorted(unfoldable.items()):
                report.add(ViewDifference(cases.name, case_id, None, "unfoldable", None, error))
            counted = {case_id: contribution(row) for case_id, row in batch.rows.items()}
            mark_counted(batch, counted)
            for after in counted.values():
                deltas.add(after, 1)
            report.cases += len(batch.rows)
            expected = {
                cases: list(batch.rows.values()),
                summons: list(batch.new_summons.values()),
                pledges: batch.new_pledges,
                case_units: [{"case_id": c, "unit_id": u} for c, u in batch.involved],
            }
            for table, rows in expected.items():
                stored = _stored(conn, table, low, high)
                _compare(report, table, stored, rows, skip=set(unfoldable))
            rollups.add(batch.rows.values(), batch.new_summons.values(), batch.new_pledges)
        for grain, table in TABLES.items():
            _compare_counts(report, conn, table, GRAINS[grain], deltas.totals(grain))
        for table, key_columns, totals in rollups.tables():
            kept = {k: tuple(v) for k, v in totals.items()}
            _compare_counts(report, conn, table, key_columns, kept)
    return report


@contextmanager
def _snapshot(view: LedgerView) -> Iterator[Connection]:
    """One read transaction: the position and every stored row as of one instant
    (PostgreSQL: REPEATABLE READ; SQLite: a WAL read transaction is a snapshot)."""
    with view.reader.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin() as tx:
            yield conn
            tx.rollback()  # read only


def _position(conn: Connection, view: LedgerView, application_name: str) -> int:
    position = conn.execute(
        select(tracking_table.c.notification_id).where(
            tracking_table.c.projection == view.projection_name,
            tracking_table.c.application_name == application_name,
        )
    ).scalar_one_or_none()
    return int(position or 0)


def _case_ranges(conn: Connection, max_cases: int) -> list[tuple[str | None, str | None]]:
    """Ranges of case ids (low inclusive, high exclusive; None: open) of about
    ``max_cases`` stored cases each. Cases only the log has fall in one of them too."""
    ids = list(conn.execute(select(cases.c.case_id).order_by(cases.c.case_id)).scalars())
    bounds: list[str | None] = [None, *ids[max_cases::max_cases], None]
    return list(zip(bounds[:-1], bounds[1:], strict=True))


def _in_range(case_id: str, low: str | None, high: str | None) -> bool:
    return (low is None or case_id >= low) and (high is None or case_id < high)


def _fold_log(
    service: CaseService,
    position: int,
    low: str | None,
    high: str | None,
    step: Callable[[int], None],
) -> tuple[Batch, dict[str, str]]:
    """The rows the log up to ``position`` gives for the cases in the range, and the
    cases whose events cannot be folded (with why)."""
    batch, unfoldable = Batch(), {}
    for page in _pages(service, position):
        for n in page:
            case_id = str(n.originator_id)
            if not _in_range(case_id, low, high) or case_id in unfoldable:
                continue
            try:
                fold(batch, service.mapper.to_domain_event(n))
            except Exception as e:  # a forged or undecodable event: named, not fatal
                unfoldable[case_id] = f"event {n.id}: {type(e).__name__}: {e}"
        step(page[-1].id)
    for case_id in unfoldable:
        batch.rows.pop(case_id, None)
    return batch, unfoldable


def _pages(service: CaseService, position: int) -> Iterator[Any]:
    start = 1
    while start <= position:
        page = service.recorder.select_notifications(start, LOG_PAGE, stop=position)
        if not page:
            return
        yield page
        start = page[-1].id + 1


def _stored(conn: Connection, table: Table, low: str | None, high: str | None) -> list[Any]:
    query = select(table)
    if low is not None:
        query = query.where(table.c.case_id >= low)
    if high is not None:
        query = query.where(table.c.case_id < high)
    return [dict(r._mapping) for r in conn.execute(query)]


def _compare(
    report: ViewReport,
    table: Table,
    stored_rows: list[dict[str, Any]],
    expected_rows: list[dict[str, Any]],
    *,
    skip: set[str],
) -> None:
    keys = [c.name for c in table.primary_key.columns]
    stored = {tuple(str(r[k]) for k in keys): r for r in stored_rows if r["case_id"] not in skip}
    expected = {
        tuple(str(r[k]) for k in keys): r for r in expected_rows if r["case_id"] not in skip
    }
    report.rows += len(stored)
    _compare_rows(report, table, stored, expected)


def _compare_counts(
    report: ViewReport,
    conn: Connection,
    table: Table,
    key_columns: tuple[str, ...],
    totals: dict[tuple[str, ...], tuple[int, ...]],
) -> None:
    stored = {
        tuple(str(r[k]) for k in key_columns): r
        for r in (dict(row._mapping) for row in conn.execute(select(table)))
    }
    names = [c.name for c in table.columns if c.name not in key_columns]
    expected = {
        key: dict(zip(key_columns, key, strict=True)) | dict(zip(names, counts, strict=True))
        for key, counts in totals.items()
    }
    report.rows += len(stored)
    _compare_rows(report, table, stored, expected)


def _compare_rows(
    report: ViewReport,
    table: Table,
    stored: dict[tuple[str, ...], dict[str, Any]],
    expected: dict[tuple[str, ...], dict[str, Any]],
) -> None:
    for key in sorted(stored.keys() | expected.keys()):
        name = "/".join(key)
        if key not in expected:
            report.add(ViewDifference(table.name, name, None, "extra"))
        elif key not in stored:
            report.add(ViewDifference(table.name, name, None, "missing"))
        else:
            have, want = stored[key], expected[key]
            for column in table.columns:
                if have[column.name] != want[column.name]:
                    report.add(
                        ViewDifference(
                            table.name,
                            name,
                            column.name,
                            "differs",
                            have[column.name],
                            want[column.name],
                        )
                    )
