"""Dashboard queries over the ledger views: rates, rankings, grids, units, funding."""

from __future__ import annotations

import statistics
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Engine, Table, and_, any_, bindparam, func, select, true
from sqlalchemy.dialects import postgresql

from infrastructure.sql import AutocommitReads
from infrastructure.sql_types import UtcDateTime
from projections import due, funding_rollup, rollups, unit_rollup
from projections.due import not_due_query
from projections.ledger_tables import (
    IS_OPEN,
    LEFT_GRID,
    REPORTED_IN,
    UNANSWERED,
    cases,
    pledges,
    summons,
)
from projections.measures import COUNT_COLUMNS, COUNT_NAMES, Counts, counted
from projections.queries import Scope, scope_columns, scope_conditions

GROUPS = {
    "street": cases.c.street_id,
    "community": cases.c.community_id,
    "grid": cases.c.grid_id,
    "category": cases.c.category_id,
    "month": cases.c.reported_month,
}


# What the grid shares are made of (小事不出网格, 大事不出社区; dashboard_reads.grids).
GRID_SHARES = ("reported", "resolved", "resolved_in_grid", "resolved_in_community", "left_grid")


@dataclass(frozen=True)
class Period:
    """Cohort by month of reporting (Beijing time), inclusive; None = open-ended."""

    first_month: str | None = None
    last_month: str | None = None
    street_id: str | None = None
    community_id: str | None = None
    grid_id: str | None = None
    category_id: str | None = None

    def conditions(self, table: Table = cases) -> list[Any]:
        """WHERE clauses on the ledger, or on a rollup (which holds counted cases only)."""
        out = [counted()] if table is cases else []
        if "counted" in table.c:  # summons rows say whether their case counts
            out.append(table.c.counted.is_(True))
        if self.first_month:
            out.append(table.c.reported_month >= self.first_month)
        if self.last_month:
            out.append(table.c.reported_month <= self.last_month)
        for name, value in self._places():
            out.append(table.c[name] == value)
        return out

    def columns(self) -> set[str]:
        return {"reported_month", *(name for name, _ in self._places())}

    def _places(self) -> list[tuple[str, str]]:
        return [
            (name, value)
            for name, value in (
                ("street_id", self.street_id),
                ("community_id", self.community_id),
                ("grid_id", self.grid_id),
                ("category_id", self.category_id),
            )
            if value
        ]


@dataclass(frozen=True)
class UnitRecord:
    unit_id: str
    whistles: int = 0
    reported_in: int = 0
    on_time: int = 0
    median_delay_minutes: float | None = None
    mean_score: float | None = None
    scores: int = 0
    unanswered: int = 0  # 未报到: the case was resolved before the unit reported in
    not_due: int = 0  # summoned, not reported in, deadline not yet passed (在办未到期)
    next_deadline: datetime | None = None

    @property
    def due(self) -> int:
        """按时报到率's denominator: reported in, or past the report-in deadline."""
        return self.whistles - self.not_due


class Dashboards:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._held = threading.local()  # the connection of the answer this thread builds
        # No transaction of their own (PostgreSQL): under READ COMMITTED each statement
        # takes its own snapshot anyway; this saves a BEGIN and a ROLLBACK per answer.
        self._reads = AutocommitReads()

    @contextmanager
    def one_connection(self) -> Iterator[None]:
        """Every query of one answer on one connection: one pool checkout instead of one
        per query (a fresh answer asks several). Checked out at the first query, so a
        block that asks none (an answer served from memory) costs nothing."""
        if getattr(self._held, "within", False):
            yield
            return
        self._held.within = True
        try:
            yield
        finally:
            conn = getattr(self._held, "conn", None)
            self._held.conn, self._held.within = None, False
            if conn is not None:
                conn.close()

    @contextmanager
    def _connect(self) -> Iterator[Connection]:
        held: Connection | None = getattr(self._held, "conn", None)
        reads = self._reads.of(self.engine)
        if held is None and getattr(self._held, "within", False):
            held = self._held.conn = reads.connect()
        if held is not None:
            yield held
            return
        with reads.connect() as conn:
            yield conn

    def horizon(self) -> datetime | None:
        """The latest event time the views hold."""
        with self._connect() as conn:
            return due.horizon(conn)

    def next_crossing(self, as_of: datetime) -> datetime | None:
        """Until this instant (inclusive) no figure changes without an event (due.py)."""
        with self._connect() as conn:
            return due.next_crossing(conn, as_of)

    def counts_by(
        self, group: str, period: Period, scope: Scope, as_of: datetime
    ) -> dict[str, Counts]:
        """Counts per place, category or month, with what is not yet due at ``as_of``."""
        return {key[0]: n for key, n in self._counts_by([group], period, scope, as_of).items()}

    def monthly(
        self, group: str, period: Period, scope: Scope, as_of: datetime
    ) -> dict[str, dict[str, Counts]]:
        """Counts by month of reporting, then by ``group``, in one query."""
        out: dict[str, dict[str, Counts]] = {}
        for (month, key), n in self._counts_by(["month", group], period, scope, as_of).items():
            out.setdefault(month, {})[key] = n
        return out

    def counts_by_pair(
        self, first: str, second: str, period: Period, scope: Scope, as_of: datetime
    ) -> dict[tuple[str, str], Counts]:
        """Counts per pair of keys (e.g. community and grid), in one query: the caller sums
        them to either key alone (each case has one of each)."""
        return {
            (key[0], key[1]): n
            for key, n in self._counts_by([first, second], period, scope, as_of).items()
        }

    def grid_shares(self, period: Period, scope: Scope) -> list[tuple[Any, ...]]:
        """Per (community, grid): the counts of ``GRID_SHARES``, in one query over the
        smallest rollup that has both keys. None of them depends on the instant (each is
        of cases reported or resolved), so no deadline is read."""
        table = self._source(period, scope, "community_id", "grid_id")
        if table is cases:
            sums = [COUNT_COLUMNS[name] for name in GRID_SHARES]
        else:
            sums = [func.coalesce(func.sum(table.c[name]), 0) for name in GRID_SHARES]
        keys = [table.c.community_id, table.c.grid_id]
        query = (
            select(*keys, *sums)
            .where(*period.conditions(table), *scope_conditions(scope, table))
            .group_by(*keys)
        )
        with self._connect() as conn:
            return [tuple(row) for row in conn.execute(query)]

    def total(self, period: Period, scope: Scope, as_of: datetime) -> Counts:
        return self._counts_by([], period, scope, as_of).get((), Counts())

    def _counts_by(
        self, groups: list[str], period: Period, scope: Scope, as_of: datetime
    ) -> dict[tuple[str, ...], Counts]:
        """The kept counts (a rollup, or the ledger for a unit's scope) summed per
        ``groups``, joined with the open cases not yet due at ``as_of`` (due.py), in one
        query (one round trip)."""
        names = tuple(GROUPS[g].name for g in groups)
        query = _counts_query(names, self._source(period, scope, *names), period, scope)
        n, due_at = len(names), len(names) + len(COUNT_NAMES)
        out = {}
        with self._connect() as conn:
            for row in conn.execute(query, {"as_of": as_of}):
                counts = Counts.of(row, n)
                open_not_due, unanswered_not_due, next_res, next_resp = row[due_at:]
                if open_not_due is not None:  # a key with cases not yet due
                    counts = replace(
                        counts,
                        open_not_due=int(open_not_due),
                        unanswered_not_due=int(unanswered_not_due or 0),
                        next_resolution_due=next_res,
                        next_response_due=next_resp,
                    )
                out[tuple(row[:n])] = counts
        return out

    def _source(self, period: Period, scope: Scope, *group: str) -> Table:
        """The smallest rollup that can answer, or the ledger itself for a unit's scope
        (which cases involve a unit is not a column of any rollup)."""
        if scope.unit_id is not None and not scope.everything:
            return cases
        return rollups.pick({*group, *period.columns(), *scope_columns(scope)})

    @staticmethod
    def _counts(table: Table) -> list[Any]:
        if table is cases:
            return [col.label(name) for name, col in COUNT_COLUMNS.items()]
        return list(rollups.summed(table))

    def pulling_down(
        self,
        group: str,
        keys: list[str],
        period: Period,
        scope: Scope,
        limit: int = 20,
        offset: int = 0,
    ) -> dict[str, list[dict[str, Any]]]:
        """Open cases of each place or category, oldest first: what keeps its rates down
        (as many as its counts' reported − resolved)."""
        return self._first_per_key(
            GROUPS[group],
            keys,
            period,
            scope,
            limit,
            offset,
            where=[IS_OPEN],
            order=[cases.c.reported_at, cases.c.case_id],  # case id: stable pages
            columns=[
                cases.c.case_id,
                cases.c.title,
                cases.c.status,
                cases.c.level,
                cases.c.reported_at,
                cases.c.response_due,
                cases.c.resolution_due,
                cases.c.first_response_at,
            ],
        )

    def left_grid(
        self, grid_ids: list[str], period: Period, scope: Scope, limit: int = 20, offset: int = 0
    ) -> dict[str, list[dict[str, Any]]]:
        """Cases of each grid that were escalated out of it, newest first (as many as its
        counts' left_grid)."""
        return self._first_per_key(
            cases.c.grid_id,
            grid_ids,
            period,
            scope,
            limit,
            offset,
            where=[LEFT_GRID],
            order=[cases.c.reported_at.desc(), cases.c.case_id],
            columns=[
                cases.c.case_id,
                cases.c.title,
                cases.c.level,
                cases.c.status,
                cases.c.resolved_level,
                cases.c.reported_at,
            ],
        )

    def _first_per_key(
        self,
        key: Any,
        keys: list[str],
        period: Period,
        scope: Scope,
        limit: int,
        offset: int,
        *,
        where: list[Any],
        order: list[Any],
        columns: list[Any],
    ) -> dict[str, list[dict[str, Any]]]:
        """Rows ``offset`` to ``offset + limit`` for each key, in one query (not one per key).

        PostgreSQL walks a partial index per key (LATERAL … LIMIT), so the cost is the rows
        returned, not the rows matching; SQLite (the embedded, small case) ranks them.
        """
        out: dict[str, list[dict[str, Any]]] = {k: [] for k in keys}
        if not keys:
            return out
        conditions = [*period.conditions(), *scope_conditions(scope), *where]
        if self.engine.dialect.name == "postgresql":
            wanted = (
                func.unnest(postgresql.array(sorted(keys))).table_valued("key").render_derived("k")
            )
            first = (
                select(*columns)
                .where(key == wanted.c.key, *conditions)
                .order_by(*order)
                .limit(limit)
                .offset(offset)
                .lateral("first")
            )
            query = (
                select(wanted.c.key, first)
                .select_from(wanted.join(first, true()))
                .order_by(wanted.c.key)
            )
        else:
            rank = func.row_number().over(partition_by=key, order_by=order).label("rank")
            ranked = select(key.label("key"), *columns, rank).where(key.in_(keys), *conditions)
            sub = ranked.subquery()
            query = (
                select(sub)
                .where(sub.c.rank > offset, sub.c.rank <= offset + limit)
                .order_by(sub.c.key, sub.c.rank)
            )
        with self._connect() as conn:
            result = conn.execute(query)
            names = [k for k in result.keys() if k != "rank"][1:]
            for row in result.all():  # by position: hundreds of rows per answer
                out[row[0]].append(dict(zip(names, row[1:], strict=False)))
        return out

    def units(
        self, period: Period, scope: Scope, as_of: datetime, unit_id: str | None = None
    ) -> list[UnitRecord]:
        """Per unit: summonses, report-ins, on time, median delay, mean score, and the
        summonses not yet due at ``as_of``. The kept figures come from the units' rollup
        when it holds every column asked about (else from the summons rows, which carry
        their case's place and cohort); what is not yet due is counted at ``as_of``."""
        s = summons.c
        conditions = [*period.conditions(summons), *scope_conditions(scope, summons)]
        if unit_id is not None:
            conditions.append(s.unit_id == unit_id)
        # An answered summons (reported in, or closed as 未报到) has its outcome: never waiting.
        waiting = and_(UNANSWERED, s.unanswered.is_(False), s.deadline >= as_of)
        pending = (
            select(
                s.unit_id,
                func.count().label("not_due"),
                func.min(s.deadline, type_=UtcDateTime()).label("next_deadline"),
            )
            .where(waiting, *conditions)
            .group_by(s.unit_id)
        )
        with self._connect() as conn:
            kept = self._unit_counts(conn, period, scope, unit_id, conditions)
            waits = {r.unit_id: r for r in conn.execute(pending)}
            medians = self._medians(conn, conditions, {u: k[1] for u, k in kept.items()})
        out = []
        for unit, (whistles, reported_in, on_time, unanswered, scores, score_sum) in kept.items():
            w = waits.get(unit)
            out.append(
                UnitRecord(
                    unit_id=unit,
                    whistles=whistles,
                    reported_in=reported_in,
                    on_time=on_time,
                    median_delay_minutes=_one_decimal(medians.get(unit)),
                    mean_score=_one_decimal(Decimal(score_sum) / scores) if scores else None,
                    scores=scores,
                    unanswered=unanswered,
                    not_due=w.not_due if w else 0,
                    next_deadline=w.next_deadline if w else None,
                )
            )
        return out

    def _unit_counts(
        self,
        conn: Connection,
        period: Period,
        scope: Scope,
        unit_id: str | None,
        conditions: list[Any],
    ) -> dict[str, tuple[int, ...]]:
        """The kept counts per unit, in unit order: unit_rollup.SUMS."""
        if not scope.everything and scope.unit_id is not None:
            needed = {"case_id"}  # a unit's scope: which cases it is in is no rollup column
        else:
            needed = period.columns() | scope_columns(scope)
        if unit_rollup.usable(needed):
            t = unit_rollup.unit_counts
            where = [*period.conditions(t), *scope_conditions(scope, t)]
            if unit_id is not None:
                where.append(t.c.unit_id == unit_id)
            query = select(t.c.unit_id, *unit_rollup.summed()).where(*where)
        else:
            s = summons.c
            query = select(
                s.unit_id,
                func.count(),
                func.count(s.reported_in_at),
                func.count(s.reported_in_at).filter(s.late.is_(False)),
                func.count().filter(s.unanswered.is_(True)),
                func.count(s.score),
                func.coalesce(func.sum(s.score), 0),
            ).where(*conditions)
        query = query.group_by(query.selected_columns[0]).order_by(query.selected_columns[0])
        return {r[0]: tuple(int(v) for v in r[1:]) for r in conn.execute(query)}

    def _medians(
        self, conn: Connection, conditions: list[Any], reported_in: dict[str, int]
    ) -> dict[str, float]:
        """The exact median delay (minutes) per unit. PostgreSQL reads the middle one or two
        of each unit's report-ins off the (unit, delay) index, at the position its count
        gives (one query, the walk is half the unit's report-ins); SQLite, in Python."""
        if self.engine.dialect.name != "postgresql":
            return _medians(conn, conditions)
        units = sorted(u for u, n in reported_in.items() if n)
        if not units:
            return {}
        s = summons.c
        wanted = (
            func.unnest(
                postgresql.array(units),
                postgresql.array([(reported_in[u] - 1) // 2 for u in units]),
                postgresql.array([2 - reported_in[u] % 2 for u in units]),
            )
            .table_valued("unit_id", "skip", "take")
            .render_derived("m")
        )
        middle = (
            select(s.delay_us)
            .where(s.unit_id == wanted.c.unit_id, REPORTED_IN, *conditions)
            .order_by(s.delay_us)
            .offset(wanted.c.skip)
            .limit(wanted.c.take)
            .lateral("middle")
        )
        query = select(wanted.c.unit_id, middle.c.delay_us).select_from(wanted.join(middle, true()))
        delays: dict[str, list[int]] = {}
        for r in conn.execute(query):
            delays.setdefault(r.unit_id, []).append(int(r.delay_us))
        return {u: sum(d) / len(d) / 60_000_000 for u, d in delays.items()}

    def funding(self, period: Period, scope: Scope) -> list[dict[str, Any]]:
        """Pledged fen per community and party kind: from the funding rollup when it holds
        every column asked about, else from the pledge rows (they carry their case's place)."""
        if self._funding_rollup(period, scope):
            t = funding_rollup.funding_counts
            where = [*period.conditions(t), *scope_conditions(scope, t)]
            amount: Any = func.sum(t.c.amount_fen)
            pledged: Any = func.sum(t.c.pledges)
            keys = [t.c.community_id, t.c.party_kind]
        else:
            p = pledges
            where = [*period.conditions(p), *scope_conditions(scope, p)]
            amount, pledged = func.sum(p.c.amount_fen), func.count()
            keys = [p.c.community_id, p.c.party_kind]
        query = (
            select(*keys, amount.label("amount_fen"), pledged.label("pledges"))
            .where(*where)
            .group_by(*keys)
            .order_by(*keys)
        )
        with self._connect() as conn:
            return [
                {
                    "community_id": r[0],
                    "party_kind": r[1],
                    "amount_fen": int(r[2]),
                    "pledges": int(r[3]),
                }
                for r in conn.execute(query)
            ]

    def _funding_rollup(self, period: Period, scope: Scope) -> bool:
        if not scope.everything and scope.unit_id is not None:
            return False  # which cases a unit is in is no rollup column
        return funding_rollup.usable(period.columns() | scope_columns(scope))

    def funding_by_case(
        self, period: Period, scope: Scope, limit: int = 100, offset: int = 0
    ) -> tuple[list[dict[str, Any]], int]:
        """Pledged fen per case and party kind, a page of ``limit`` cases (every kind of
        each), by case id; and how many cases have pledges in all (from the rollup when
        it can say)."""
        where = [*period.conditions(pledges), *scope_conditions(scope, pledges)]
        page = (
            select(pledges.c.case_id)
            .where(*where)
            .group_by(pledges.c.case_id)
            .order_by(pledges.c.case_id)
            .limit(limit)
            .offset(offset)
        )
        if self.engine.dialect.name == "postgresql":
            # the page's ids as one array: their pledges are then read off the primary key
            # (an IN over the subquery was planned as a hash join over every pledge)
            in_page: Any = pledges.c.case_id == any_(func.array(page.scalar_subquery()))
        else:
            in_page = pledges.c.case_id.in_(page)
        query = (
            select(
                pledges.c.case_id,
                cases.c.title,
                pledges.c.party_kind,
                func.sum(pledges.c.amount_fen).label("amount_fen"),
            )
            .join(cases, cases.c.case_id == pledges.c.case_id)
            .where(in_page, *where)
            .group_by(pledges.c.case_id, cases.c.title, pledges.c.party_kind)
            .order_by(pledges.c.case_id, pledges.c.party_kind)
        )
        if self._funding_rollup(period, scope):
            t = funding_rollup.funded_cases
            total: Any = select(func.coalesce(func.sum(t.c.cases), 0)).where(
                *period.conditions(t), *scope_conditions(scope, t)
            )
        else:
            total = select(func.count(func.distinct(pledges.c.case_id))).where(*where)
        with self._connect() as conn:
            rows = [
                {"case_id": r[0], "title": r[1], "party_kind": r[2], "amount_fen": int(r[3])}
                for r in conn.execute(query)
            ]
            return rows, int(conn.execute(total).scalar_one())


AS_OF = bindparam("as_of", type_=UtcDateTime())  # the instant, bound when a query runs


@lru_cache(maxsize=256)
def _counts_query(names: tuple[str, ...], table: Table, period: Period, scope: Scope) -> Any:
    """``Dashboards._counts_by``'s statement, built once per question and reused (building
    and keying it was a fair part of a fresh answer's Python): the kept counts summed per
    ``names``, left-joined with what is not yet due at ``:as_of``. The key columns are
    NOT NULL, so equality joins them."""
    keys = [table.c[name] for name in names]
    kept = select(*keys, *Dashboards._counts(table)).where(
        *period.conditions(table), *scope_conditions(scope, table)
    )
    if keys:
        kept = kept.group_by(*keys)
    k = kept.subquery("kept")
    conditions = [*period.conditions(), *scope_conditions(scope)]
    p = not_due_query(list(names), conditions, AS_OF).subquery("not_due")
    on = and_(true(), *(k.c[name] == p.c[name] for name in names))
    return select(
        k, p.c.open_not_due, p.c.unanswered_not_due, p.c.next_res, p.c.next_resp
    ).select_from(k.outerjoin(p, on))


def _medians(conn: Connection, conditions: list[Any]) -> dict[str, float]:
    """SQLite has no percentile aggregate: the median delay per unit, in Python."""
    s = summons.c
    delays: dict[str, list[float]] = {}
    query = select(s.unit_id, s.blown_at, s.reported_in_at).where(
        *conditions, s.reported_in_at.is_not(None)
    )
    for r in conn.execute(query):
        delays.setdefault(r.unit_id, []).append(
            (r.reported_in_at - r.blown_at).total_seconds() / 60
        )
    return {unit_id: statistics.median(d) for unit_id, d in delays.items()}


def _one_decimal(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)
