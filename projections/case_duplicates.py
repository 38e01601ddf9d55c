"""Likely duplicates (可能重复的案件): repeated calls about one matter, found on intake.

A candidate is an open case (not closed, withdrawn or a duplicate) of the same category,
in a grid near the draft's, reported within a window of time around it (default 72 h),
whose text is similar to the draft's. The candidate set is bounded (``max_candidates``,
read through the index on grid, category and report time) so the check stays cheap on
the intake path; it is ranked by text similarity × closeness of the grid.

Text similarity: PostgreSQL's pg_trgm ``similarity()`` in SQL; SQLite has no trigram
similarity, so there the candidate set is scored in Python with the Jaccard index of
character bigrams. The two scales differ (a trigram of short Chinese text matches less
often than a bigram), so ``min_similarity`` is a floor for noise, not a calibrated score.

Nearby, without coordinates: the same grid (1.0), a grid nested with it — parent, child or
sibling under one parent grid (0.9) — or another grid of the same community (0.8), the
community being where 大事不出社区 says a matter is settled. ``Nearby`` is the hook for a
deployment with coordinates or grid polygons: give ``DuplicateFinder`` another one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, Float, func, literal, select
from sqlalchemy.sql.functions import Function

from domain.jurisdiction import Jurisdiction
from domain.values import FINAL_STATUSES
from infrastructure.sql import AutocommitReads
from projections.ledger_tables import cases
from projections.queries import Scope, scope_conditions

SAME_GRID, NESTED_GRID, SAME_COMMUNITY = 1.0, 0.9, 0.8
_NOT_TEXT = re.compile(r"[\W_]+")  # what bigrams skip: spaces, punctuation
_PLAIN_NAME = re.compile(r"[a-z_][a-z0-9_]*")  # a schema name SQL needs no quotes for


class Nearby(Protocol):
    """Which grids are near a grid, each with a closeness in (0, 1] (1: the grid itself)."""

    def grids_near(self, grid_id: str) -> dict[str, float]: ...


class SameCommunity:
    """Nearby without coordinates: the grid, grids nested with it, then its community."""

    def __init__(self, jurisdiction: Jurisdiction) -> None:
        self.grids = jurisdiction.grids

    def grids_near(self, grid_id: str) -> dict[str, float]:
        grid = self.grids.get(grid_id)
        if grid is None:
            return {}
        near = {
            g.id: SAME_COMMUNITY for g in self.grids.values() if g.community_id == grid.community_id
        }
        for g in self.grids.values():
            if g.community_id == grid.community_id and (
                g.id == grid.parent_id
                or g.parent_id == grid.id
                or (grid.parent_id is not None and g.parent_id == grid.parent_id)
            ):
                near[g.id] = NESTED_GRID
        near[grid_id] = SAME_GRID
        return near


@dataclass(frozen=True)
class DuplicateRules:
    window: timedelta = timedelta(hours=72)
    min_similarity: float = 0.1
    limit: int = 5  # suggestions shown
    max_candidates: int = 200  # cases read and scored per check


@dataclass(frozen=True)
class Draft:
    """What a check compares: a new report (not yet saved) or an existing case."""

    grid_id: str
    category_id: str
    title: str
    description: str
    at: datetime
    exclude_case_id: str | None = None  # the case itself, when checking an existing one


@dataclass(frozen=True)
class LikelyDuplicate:
    case_id: str
    title: str
    grid_id: str
    status: str
    reported_at: datetime
    callers: int
    similarity: float
    score: float  # similarity × closeness of the grid


def bigrams(text: str) -> set[str]:
    """Character bigrams of the text's letters and digits (a lone character: itself)."""
    chars = _NOT_TEXT.sub("", text.lower())
    if len(chars) < 2:
        return {chars} if chars else set()
    return {chars[i : i + 2] for i in range(len(chars) - 1)}


def bigram_similarity(a: str, b: str) -> float:
    """Jaccard index of the two texts' character bigrams, in [0, 1]."""
    x, y = bigrams(a), bigrams(b)
    return len(x & y) / len(x | y) if x and y else 0.0


class DuplicateFinder:
    def __init__(self, engine: Engine, nearby: Nearby, rules: DuplicateRules | None = None) -> None:
        self.engine = engine
        self.nearby = nearby
        self.rules = rules or DuplicateRules()
        # On the intake path of every report: one statement, one round trip (no BEGIN,
        # no ROLLBACK, no search-path change), once pg_trgm's schema is known.
        self._reads = AutocommitReads()
        self._trigram_schema: str | None = None

    def likely(self, draft: Draft, scope: Scope) -> list[LikelyDuplicate]:
        """The draft's likely duplicates that ``scope`` may see, best first."""
        near = self.nearby.grids_near(draft.grid_id)
        if not near:
            return []
        text = f"{draft.title} {draft.description}".strip()
        t = cases.c
        where = [
            t.grid_id.in_(sorted(near)),
            t.category_id == draft.category_id,
            t.reported_at >= draft.at - self.rules.window,
            t.reported_at <= draft.at + self.rules.window,
            t.status.not_in([s.value for s in FINAL_STATUSES]),
            *scope_conditions(scope),
        ]
        if draft.exclude_case_id is not None:
            where.append(t.case_id != draft.exclude_case_id)
        columns = [t.case_id, t.title, t.description, t.grid_id, t.status, t.reported_at, t.callers]
        schema = self._trigram_schema
        with (self._reads.of(self.engine) if schema else self.engine).connect() as conn:
            if conn.dialect.name == "postgresql":
                if schema is None:  # the first check: find pg_trgm, on this path for now
                    schema = self._trigram_schema = _trigram_on_path(conn)

                def similarity_to(column: Any, value: str) -> Any:
                    if schema is None:  # not found: the search path's similarity(), if any
                        return func.similarity(column, literal(value))
                    return Function(
                        "similarity", column, literal(value), packagenames=(schema,), type_=Float
                    )

                similarity = func.greatest(
                    similarity_to(t.title, draft.title),
                    similarity_to(t.title + " " + t.description, text),
                ).label("similarity")
                query = select(*columns, similarity).order_by(similarity.desc(), t.reported_at)
            else:  # scored below; the nearest in time are read first
                query = select(*columns).order_by(t.reported_at.desc())
            rows = [
                dict(r._mapping)
                for r in conn.execute(query.where(*where).limit(self.rules.max_candidates))
            ]
        found = []
        for r in rows:
            sim = (
                float(r["similarity"]) if "similarity" in r else _python_similarity(draft, text, r)
            )
            if sim < self.rules.min_similarity:
                continue
            found.append(
                LikelyDuplicate(
                    case_id=r["case_id"],
                    title=r["title"],
                    grid_id=r["grid_id"],
                    status=r["status"],
                    reported_at=r["reported_at"],
                    callers=r["callers"],
                    similarity=round(sim, 4),
                    score=round(sim * near[r["grid_id"]], 4),
                )
            )
        found.sort(key=lambda d: (-d.score, d.reported_at, d.case_id))
        return found[: self.rules.limit]


def _python_similarity(draft: Draft, text: str, row: dict[str, Any]) -> float:
    return max(
        bigram_similarity(draft.title, row["title"]),
        bigram_similarity(text, f"{row['title']} {row['description']}"),
    )


def _trigram_on_path(conn: Connection) -> str | None:
    """Put pg_trgm's schema on this transaction's search path (``similarity()`` lives
    there, in ``public``, whatever schema the views use); returns that schema when later
    queries may name it instead (a plain lower-case name: no quoting to get wrong)."""
    schema = conn.exec_driver_sql(
        "SELECT n.nspname, set_config('search_path', current_setting('search_path') "
        "|| ', ' || quote_ident(n.nspname), true) FROM pg_extension e "
        "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
    ).scalar()
    return schema if isinstance(schema, str) and _PLAIN_NAME.fullmatch(schema) else None
