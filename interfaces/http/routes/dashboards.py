"""Dashboards (read-only, any role; scoped roles see their own scope)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from application.access import Action
from domain.errors import InvalidValue
from domain.values import PartyKind, Role
from interfaces.http.answers import kept
from interfaces.http.deps import ContainerDep, CurrentUser, scope_of
from interfaces.http.schemas import ID_PATTERN
from interfaces.http.scoped_rows import RowLabels
from interfaces.http.waiting import wait_for_position
from projections.dashboards import Period
from projections.measures import RATE_LABELS, Counts
from projections.queries import Scope

router = APIRouter(prefix="/dashboards", tags=["dashboards"])
Month = Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]
Ref = Annotated[str | None, Query(max_length=64, pattern=ID_PATTERN)]


class Context:
    """The reader, their scope and the cohort, shared by every dashboard."""

    def __init__(
        self,
        c: ContainerDep,
        user: CurrentUser,
        from_month: Annotated[Month, Query(alias="from")] = None,
        to_month: Annotated[Month, Query(alias="to")] = None,
        street: Ref = None,
        community: Ref = None,
        grid: Ref = None,
        category: Ref = None,
        min_position: Annotated[int | None, Query(ge=0)] = None,
    ) -> None:
        c.policy.require(user, Action.READ)
        if from_month and to_month and from_month > to_month:
            raise InvalidValue("起始月份不能晚于截止月份", "from must not be after to")
        wait_for_position(c, min_position)
        self.c, self.user = c, user
        self.scope: Scope = scope_of(user, c)
        self.period = Period(from_month, to_month, street, community, grid, category)

    def name(self, group: str, key: str) -> str:
        j = self.c.service.jurisdiction
        tables: dict[str, dict[str, Any]] = {
            "street": j.streets,
            "community": j.communities,
            "grid": j.grids,
            "category": j.categories,
            "unit": j.units,
        }
        item = tables.get(group, {}).get(key)
        return item.name if item is not None else key

    def named(self, group: str, key: str) -> dict[str, Any]:
        """The row's name, its label for this reader and whether it is only a part of the
        place (scoped_rows.py: the same unlabelled row means the same figures for all)."""
        return RowLabels(self.user, self.c.policy).row(group, key, self.name(group, key))

    def view(self) -> dict[str, Any]:
        return RowLabels(self.user, self.c.policy).view()

    def figures(self, counts: Counts) -> dict[str, Any]:
        rates = counts.rates(self.c.weights)
        return {
            "counts": asdict(counts),
            "rates": asdict(rates),
            "below_target": rates.below(self.c.weights.target),
        }


Ctx = Annotated[Context, Depends(Context)]


def rates(
    ctx: Ctx,
    by: Literal["street", "community", "grid", "category"] = "street",
) -> dict[str, Any]:
    """办结率、按期办结率、响应率、解决率、满意率、吹哨率 by place or category, with the monthly
    trend, against the target line, listing places below it and the open cases pulling them down."""
    d = ctx.c.dashboards
    rows = [
        {"key": key, **ctx.named(by, key), **ctx.figures(counts)}
        for key, counts in sorted(d.counts_by(by, ctx.period, ctx.scope).items())
    ]
    below = [r["key"] for r in rows if r["below_target"]]
    open_cases = d.pulling_down(by, below, ctx.period, ctx.scope)
    for row in rows:
        if row["below_target"]:
            row["pulling_down"] = open_cases[row["key"]]
    trend = [
        {"month": month, **ctx.figures(counts)}
        for month, counts in sorted(d.counts_by("month", ctx.period, ctx.scope).items())
    ]
    return {
        "by": by,
        "view": ctx.view(),
        "target": ctx.c.weights.target,
        "labels": RATE_LABELS,
        "total": ctx.figures(d.total(ctx.period, ctx.scope)),
        "rows": rows,
        "below_target": [r["key"] for r in rows if r["below_target"]],
        "trend": trend,
    }


def rankings(
    ctx: Ctx,
    level: Literal["street", "community"] = "street",
) -> dict[str, Any]:
    """Monthly ranking by 综合得分 = 0.1×响应率 + 0.5×解决率 + 0.4×满意率 (weights configurable)."""
    out = []
    for month, by_key in sorted(ctx.c.dashboards.monthly(level, ctx.period, ctx.scope).items()):
        scored: list[dict[str, Any]] = []
        for key, counts in by_key.items():
            r = counts.rates(ctx.c.weights)
            scored.append(
                {
                    "key": key,
                    **ctx.named(level, key),
                    "composite": r.composite,
                    "response_rate": r.response_rate,
                    "solved_rate": r.solved_rate,
                    "satisfaction_rate": r.satisfaction_rate,
                    "reported": counts.reported,
                }
            )
        scored.sort(key=lambda s: (s["composite"] is None, -float(s["composite"] or 0), s["key"]))
        for rank, s in enumerate(scored, start=1):
            s["rank"] = rank
        out.append({"month": month, "ranking": scored})
    return {"level": level, "view": ctx.view(), "months": out}


LISTED_GRIDS = 40


def grids(ctx: Ctx) -> dict[str, Any]:
    """小事不出网格 / 大事不出社区: share resolved in the grid (community) and the cases that left.

    The cases that left each grid are listed when the answer covers at most
    ``LISTED_GRIDS`` grids (a community, a grid lead's own); for more, ``cases_left`` is
    null: ask again with ``community=`` or ``grid=`` (a district's 589 lists would be MBs)."""
    d = ctx.c.dashboards
    grid_rows = []
    by_grid = d.counts_by("grid", ctx.period, ctx.scope)
    listed = len(by_grid) <= LISTED_GRIDS
    left = (
        d.left_grid([k for k, n in by_grid.items() if n.left_grid], ctx.period, ctx.scope)
        if listed
        else {}
    )
    for key, counts in sorted(by_grid.items()):
        rates = counts.rates(ctx.c.weights)
        grid_rows.append(
            {
                "key": key,
                **ctx.named("grid", key),
                "reported": counts.reported,
                "resolved": counts.resolved,
                "resolved_in_grid": counts.resolved_in_grid,
                "grid_rate": rates.grid_rate,
                "left_grid": counts.left_grid,
                "cases_left": left.get(key, []) if listed else None,
            }
        )
    community_rows = []
    for key, counts in sorted(d.counts_by("community", ctx.period, ctx.scope).items()):
        rates = counts.rates(ctx.c.weights)
        community_rows.append(
            {
                "key": key,
                **ctx.named("community", key),
                "resolved": counts.resolved,
                "resolved_in_community": counts.resolved_in_community,
                "community_rate": rates.community_rate,
                "grid_rate": rates.grid_rate,
            }
        )
    return {"view": ctx.view(), "grids": grid_rows, "communities": community_rows}


def units(ctx: Ctx) -> dict[str, Any]:
    """Whistle accountability per unit: received, reported in, on time, median delay, score."""
    unit_id = ctx.user.unit_id if ctx.user.role is Role.LIAISON else None
    scope = Scope(everything=True) if unit_id else ctx.scope
    rows = []
    for u in ctx.c.dashboards.units(ctx.period, scope, unit_id=unit_id):
        rows.append(
            {
                "unit_id": u.unit_id,
                **ctx.named("unit", u.unit_id),
                "whistles": u.whistles,
                "reported_in": u.reported_in,
                "on_time": u.on_time,
                "on_time_rate": round(u.on_time / u.whistles, 4) if u.whistles else None,
                "median_delay_minutes": u.median_delay_minutes,
                "mean_score": u.mean_score,
                "scores": u.scores,
                "unanswered": u.unanswered,  # 未报到: resolved before the unit reported in
            }
        )
    return {"view": ctx.view(), "units": rows}


def funding(ctx: Ctx) -> dict[str, Any]:
    """Pledged funding (fen) by party kind, per community and per case."""
    d = ctx.c.dashboards
    by_community: dict[str, dict[str, Any]] = {}
    for r in d.funding(ctx.period, ctx.scope):
        entry = by_community.setdefault(
            r["community_id"],
            {
                "key": r["community_id"],
                **ctx.named("community", r["community_id"]),
                "total_fen": 0,
                "by_kind": {k.value: 0 for k in PartyKind},
            },
        )
        entry["by_kind"][r["party_kind"]] += r["amount_fen"]
        entry["total_fen"] += r["amount_fen"]
    by_case: dict[str, dict[str, Any]] = {}
    for r in d.funding_by_case(ctx.period, ctx.scope):
        entry = by_case.setdefault(
            r["case_id"],
            {"case_id": r["case_id"], "title": r["title"], "total_fen": 0, "by_kind": {}},
        )
        entry["by_kind"][r["party_kind"]] = r["amount_fen"]
        entry["total_fen"] += r["amount_fen"]
    return {
        "view": ctx.view(),
        "party_kinds": {k.value: k.label for k in PartyKind},
        "communities": list(by_community.values()),
        "cases": list(by_case.values()),
    }


# The HTTP answers: the same functions, kept by the ledger's position (answers.py).


def _kept(request: Request, ctx: Context, question: tuple[Any, ...], compute: Any) -> Response:
    return kept(request, ctx.c, ctx.user, ctx.scope, (*question, ctx.period), compute)


@router.get("/rates", response_model=dict[str, Any], description=rates.__doc__)
def rates_answer(
    request: Request, ctx: Ctx, by: Literal["street", "community", "grid", "category"] = "street"
) -> Response:
    return _kept(request, ctx, ("rates", by), lambda: rates(ctx, by))


@router.get("/rankings", response_model=dict[str, Any], description=rankings.__doc__)
def rankings_answer(
    request: Request, ctx: Ctx, level: Literal["street", "community"] = "street"
) -> Response:
    return _kept(request, ctx, ("rankings", level), lambda: rankings(ctx, level))


@router.get("/grids", response_model=dict[str, Any], description=grids.__doc__)
def grids_answer(request: Request, ctx: Ctx) -> Response:
    return _kept(request, ctx, ("grids",), lambda: grids(ctx))


@router.get("/units", response_model=dict[str, Any], description=units.__doc__)
def units_answer(request: Request, ctx: Ctx) -> Response:
    return _kept(request, ctx, ("units",), lambda: units(ctx))


@router.get("/funding", response_model=dict[str, Any], description=funding.__doc__)
def funding_answer(request: Request, ctx: Ctx) -> Response:
    return _kept(request, ctx, ("funding",), lambda: funding(ctx))
