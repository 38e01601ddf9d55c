"""Read queries over the ledger views: case lists and liaison inboxes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Table, false, func, or_, select

from domain.values import FINAL_STATUSES
from infrastructure.sql import AutocommitReads
from projections import case_totals
from projections.case_search import keyword_condition
from projections.ledger_tables import case_units, cases, summons


@dataclass(frozen=True)
class CaseFilter:
    grid_id: str | None = None
    community_id: str | None = None
    street_id: str | None = None
    status: str | None = None
    category_id: str | None = None
    reported_from: datetime | None = None
    reported_to: datetime | None = None
    q: str | None = None  # keywords: in the title or the description


@dataclass(frozen=True)
class Scope:
    """What a user may see; ``everything`` overrides the rest."""

    everything: bool = False
    grid_ids: frozenset[str] = frozenset()
    community_ids: frozenset[str] = frozenset()
    street_ids: frozenset[str] = frozenset()
    unit_id: str | None = None


class LedgerQueries:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._reads = AutocommitReads()

    def list_cases(
        self,
        f: CaseFilter,
        scope: Scope,
        *,
        limit: int,
        offset: int,
        columns: Sequence[Any] = (),
    ) -> tuple[list[dict[str, Any]], int]:
        """A page of case rows (every column, or only ``columns``) and how many match."""
        conditions = [*self._filters(f), *scope_conditions(scope)]
        query = (select(*columns) if columns else select(cases)).where(*conditions)
        # two statements, no transaction (PostgreSQL): under READ COMMITTED each takes its
        # own snapshot anyway, and a BEGIN and a ROLLBACK would be two more round trips
        with self._reads.of(self.engine).connect() as conn:
            total = conn.execute(self._total(f, scope, conditions)).scalar_one()
            rows = conn.execute(
                query.order_by(cases.c.reported_at.desc(), cases.c.case_id)
                .limit(limit)
                .offset(offset)
            )
            return [dict(r._mapping) for r in rows], int(total)

    def _total(self, f: CaseFilter, scope: Scope, conditions: list[Any]) -> Any:
        """How many cases match: summed from the per-place-and-status totals when the filter
        names only places and a status (case_totals.py), else counted over the case rows."""
        by_place = f.reported_from is None and f.reported_to is None and not f.q
        if not by_place or f.category_id is not None or scope.unit_id is not None:
            return select(func.count()).select_from(cases).where(*conditions)
        t = case_totals.case_totals
        where = [*scope_conditions(scope, t)]
        for name in ("grid_id", "community_id", "street_id", "status"):
            value = getattr(f, name)
            if value is not None:
                where.append(t.c[name] == value)
        return select(func.coalesce(func.sum(t.c.cases), 0)).where(*where)

    def inbox(self, unit_id: str) -> list[dict[str, Any]]:
        """Whistles summoning the unit that it has not reported in to, on open cases
        (a summons closed as 未报到 when its case was resolved is no longer open)."""
        query = (
            select(summons, cases.c.title, cases.c.status, cases.c.community_id, cases.c.grid_id)
            .join(cases, cases.c.case_id == summons.c.case_id)
            .where(
                summons.c.unit_id == unit_id,
                summons.c.reported_in_at.is_(None),
                summons.c.unanswered.is_(False),
                cases.c.status.not_in([s.value for s in FINAL_STATUSES]),
            )
            .order_by(summons.c.deadline)
        )
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def unanswered(self, unit_id: str, limit: int = 50) -> tuple[list[dict[str, Any]], int]:
        """Summonses recorded as 未报到 against the unit, latest deadline first, and how
        many there are in all (the list may be cut at ``limit``)."""
        where = [  # as the unit dashboard counts them: not on withdrawn or duplicate cases
            summons.c.unit_id == unit_id,
            summons.c.unanswered.is_(True),
            summons.c.counted.is_(True),
        ]
        query = (
            select(summons, cases.c.title)
            .join(cases, cases.c.case_id == summons.c.case_id)
            .where(*where)
            .order_by(summons.c.deadline.desc(), summons.c.case_id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(query)]
            total = conn.execute(select(func.count()).select_from(summons).where(*where)).scalar()
        return rows, int(total or 0)

    def filter_conditions(self, f: CaseFilter) -> list[Any]:
        """The WHERE clauses of a case filter over ``ledger_cases`` (for other reads)."""
        return self._filters(f)

    def _filters(self, f: CaseFilter) -> list[Any]:
        out = []
        for column, value in (
            (cases.c.grid_id, f.grid_id),
            (cases.c.community_id, f.community_id),
            (cases.c.street_id, f.street_id),
            (cases.c.status, f.status),
            (cases.c.category_id, f.category_id),
        ):
            if value is not None:
                out.append(column == value)
        if f.reported_from is not None:
            out.append(cases.c.reported_at >= f.reported_from)
        if f.reported_to is not None:
            out.append(cases.c.reported_at < f.reported_to)
        if f.q:
            out.append(keyword_condition(f.q, self.engine.dialect.name))
        return out


def scope_conditions(scope: Scope, table: Table = cases) -> list[Any]:
    """WHERE clauses restricting ledger (or rollup) rows to what a user may see."""
    if scope.everything:
        return []
    if scope.unit_id is not None:
        assert "case_id" in table.c, "a unit's scope needs case rows (rollups hold no units)"
        involved = select(case_units.c.case_id).where(case_units.c.unit_id == scope.unit_id)
        return [table.c.case_id.in_(involved)]
    places = [table.c[name].in_(sorted(ids)) for name, ids in _scope_places(scope) if ids]
    return [or_(*places)] if places else [false()]


def scope_columns(scope: Scope) -> set[str]:
    """The place columns a scope restricts on (what a rollup needs to answer for it)."""
    if scope.everything:
        return set()
    return {name for name, ids in _scope_places(scope) if ids}


def _scope_places(scope: Scope) -> list[tuple[str, frozenset[str]]]:
    return [
        ("grid_id", scope.grid_ids),
        ("community_id", scope.community_ids),
        ("street_id", scope.street_ids),
    ]
