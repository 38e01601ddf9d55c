"""Dashboards (read-only, any role; scoped roles see their own scope)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response

from domain.errors import InvalidValue
from domain.values import PartyKind, Role
from interfaces.http.answers import kept
from interfaces.http.dashboard_context import AsOfText, Context, Ctx, Limit, Offset
from interfaces.http.schemas import ID_PATTERN
from projections.measures import RATE_LABELS, Counts
from projections.queries import Scope

__all__ = ["AsOfText", "Context", "router"]

router = APIRouter(prefix="/dashboards", tags=["dashboards"])
LISTED = 20  # cases listed per place in an answer; the rest are a `next` link away


By = Literal["street", "community", "grid", "category"]


def rates(ctx: Ctx, by: By = "street") -> dict[str, Any]:
    """办结率、按期办结率、响应率、解决率、满意率、吹哨率 by place or category as of an instant,
    with the monthly trend, against the target line, listing places below it and the open
    cases pulling them down. What is not yet due is shown beside (在办未到期)."""
    d = ctx.dashboards
    counted = sorted(d.counts_by(by, ctx.period, ctx.scope, ctx.at).items())
    rows = [{"key": key, **ctx.named(by, key), **ctx.figures(n)} for key, n in counted]
    below = [r["key"] for r in rows if r["below_target"]]
    open_cases = d.pulling_down(by, below, ctx.period, ctx.scope, LISTED)
    for row, (key, counts) in zip(rows, counted, strict=True):
        if row["below_target"]:
            listed = row["pulling_down"] = open_cases[key]
            row["pulling_down_page"] = ctx.page(
                "/dashboards/open-cases",
                counts.reported - counts.resolved,
                0,
                len(listed),
                by=by,
                key=key,
            )
    trend = [
        {"month": month, **ctx.figures(counts)}
        for month, counts in sorted(d.counts_by("month", ctx.period, ctx.scope, ctx.at).items())
    ]
    return {
        "as_of": ctx.at,
        "view": ctx.view(),
        "by": by,
        "target": ctx.c.weights.target,
        "labels": RATE_LABELS,
        "total": ctx.figures(d.total(ctx.period, ctx.scope, ctx.at)),
        "rows": rows,
        "below_target": below,
        "trend": trend,
    }


def open_cases(ctx: Ctx, by: By, key: str, offset: int = 0, limit: int = LISTED) -> dict[str, Any]:
    """The open cases of one place or category, oldest first, a page at a time."""
    d = ctx.dashboards
    counts = d.counts_by(by, ctx.period, ctx.scope, ctx.at).get(key, Counts())
    items = d.pulling_down(by, [key], ctx.period, ctx.scope, limit, offset)[key]
    total = counts.reported - counts.resolved
    return {"as_of": ctx.at, "view": ctx.view(), "by": by, "key": key, "items": items,
            **ctx.page("/dashboards/open-cases", total, offset, len(items), by=by, key=key,
                       limit=limit)}  # fmt: skip


def rankings(ctx: Ctx, level: Literal["street", "community"] = "street") -> dict[str, Any]:
    """Monthly ranking by 综合得分 = 0.1×响应率 + 0.5×解决率 + 0.4×满意率 (weights configurable),
    as of an instant (响应率 counts only what is due)."""
    out = []
    monthly = ctx.dashboards.monthly(level, ctx.period, ctx.scope, ctx.at)
    for month, by_key in sorted(monthly.items()):
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
                    "unanswered_not_due": counts.unanswered_not_due,
                }
            )
        scored.sort(key=lambda s: (s["composite"] is None, -float(s["composite"] or 0), s["key"]))
        for rank, s in enumerate(scored, start=1):
            s["rank"] = rank
        out.append({"month": month, "ranking": scored})
    return {"as_of": ctx.at, "view": ctx.view(), "level": level, "months": out}


LISTED_GRIDS = 40


def grids(ctx: Ctx) -> dict[str, Any]:
    """小事不出网格 / 大事不出社区: share resolved in the grid (community) and the cases that left.

    The cases that left each grid are listed (the newest ``LISTED``, with a link to the
    rest) when the answer covers at most ``LISTED_GRIDS`` grids (a community, a grid
    lead's own); for more, ``cases_left`` is null and ``cases_left_page`` links to them."""
    d = ctx.dashboards
    grid_rows = []
    by_grid = d.counts_by("grid", ctx.period, ctx.scope, ctx.at)
    listed = len(by_grid) <= LISTED_GRIDS
    left = (
        d.left_grid([k for k, n in by_grid.items() if n.left_grid], ctx.period, ctx.scope, LISTED)
        if listed
        else {}
    )
    for key, counts in sorted(by_grid.items()):
        rates = counts.rates(ctx.c.weights)
        cases_left = left.get(key, []) if listed else None
        grid_rows.append(
            {
                "key": key,
                **ctx.named("grid", key),
                "reported": counts.reported,
                "resolved": counts.resolved,
                "resolved_in_grid": counts.resolved_in_grid,
                "grid_rate": rates.grid_rate,
                "left_grid": counts.left_grid,
                "cases_left": cases_left,
                "cases_left_page": ctx.page(
                    "/dashboards/cases-left",
                    counts.left_grid,
                    0,
                    len(cases_left or []),
                    grid=key,
                ),
            }
        )
    community_rows = []
    for key, counts in sorted(d.counts_by("community", ctx.period, ctx.scope, ctx.at).items()):
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
    return {"as_of": ctx.at, "view": ctx.view(), "grids": grid_rows, "communities": community_rows}


def cases_left(ctx: Ctx, offset: int = 0, limit: int = LISTED) -> dict[str, Any]:
    """The cases that left one grid (``grid=``), newest first, a page at a time."""
    grid_id = ctx.period.grid_id
    if grid_id is None:
        raise InvalidValue("请指定网格（grid=）", "name the grid: grid=")
    d = ctx.dashboards
    counts = d.counts_by("grid", ctx.period, ctx.scope, ctx.at).get(grid_id, Counts())
    items = d.left_grid([grid_id], ctx.period, ctx.scope, limit, offset)[grid_id]
    page = ctx.page("/dashboards/cases-left", counts.left_grid, offset, len(items), limit=limit)
    return {"as_of": ctx.at, "view": ctx.view(), "grid": grid_id, "items": items, **page}


def units(ctx: Ctx) -> dict[str, Any]:
    """Whistle accountability per unit as of an instant: received, reported in, on time
    (按时报到率 over the summonses due: reported in or past the deadline), median delay,
    score; summonses not yet due shown beside."""
    unit_id = ctx.user.unit_id if ctx.user.role is Role.LIAISON else None
    scope = Scope(everything=True) if unit_id else ctx.scope
    rows = []
    for u in ctx.dashboards.units(ctx.period, scope, ctx.at, unit_id=unit_id):
        rows.append(
            {
                "unit_id": u.unit_id,
                **ctx.named("unit", u.unit_id),
                "whistles": u.whistles,
                "due": u.due,
                "reported_in": u.reported_in,
                "on_time": u.on_time,
                "on_time_rate": round(u.on_time / u.due, 4) if u.due else None,
                "not_yet_due": u.not_due,
                "unanswered": u.unanswered,  # 未报到: resolved before the unit reported in
                "next_deadline": u.next_deadline,
                "median_delay_minutes": u.median_delay_minutes,
                "mean_score": u.mean_score,
                "scores": u.scores,
            }
        )
    return {"as_of": ctx.at, "view": ctx.view(), "units": rows}


def funding(ctx: Ctx, cases_offset: int = 0, cases_limit: int = 100) -> dict[str, Any]:
    """Pledged funding (fen) by party kind, per community and per case (a page of cases,
    every kind of each, with the total and a link to the next page)."""
    d = ctx.dashboards
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
    rows, total = d.funding_by_case(ctx.period, ctx.scope, cases_limit, cases_offset)
    for r in rows:
        entry = by_case.setdefault(
            r["case_id"],
            {"case_id": r["case_id"], "title": r["title"], "total_fen": 0, "by_kind": {}},
        )
        entry["by_kind"][r["party_kind"]] = r["amount_fen"]
        entry["total_fen"] += r["amount_fen"]
    page = ctx.page("/dashboards/funding", total, cases_offset, len(by_case),
                    at="cases_offset", cases_limit=cases_limit)  # fmt: skip
    return {
        "as_of": ctx.at,
        "view": ctx.view(),
        "party_kinds": {k.value: k.label for k in PartyKind},
        "communities": list(by_community.values()),
        "cases": list(by_case.values()),
        "cases_page": page,
    }


# The HTTP answers: the same functions, kept by the ledger's position (answers.py).


def _kept(request: Request, ctx: Context, question: tuple[Any, ...], compute: Any) -> Response:
    if ctx.as_of.asked:  # a named instant: the answer changes only with events
        question = (*question, ctx.at)
    now = None if ctx.as_of.asked else ctx.at
    return kept(request, ctx.c, ctx.user, ctx.scope, (*question, ctx.period), compute, now=now)


@router.get("/rates", response_model=dict[str, Any], description=rates.__doc__)
def rates_answer(request: Request, ctx: Ctx, by: By = "street") -> Response:
    return _kept(request, ctx, ("rates", by), lambda: rates(ctx, by))


@router.get("/open-cases", response_model=dict[str, Any], description=open_cases.__doc__)
def open_cases_answer(
    request: Request,
    ctx: Ctx,
    key: Annotated[str, Query(max_length=64, pattern=ID_PATTERN)],
    by: By = "street",
    offset: Offset = 0,
    limit: Limit = LISTED,
) -> Response:
    question = ("open-cases", by, key, offset, limit)
    return _kept(request, ctx, question, lambda: open_cases(ctx, by, key, offset, limit))


@router.get("/rankings", response_model=dict[str, Any], description=rankings.__doc__)
def rankings_answer(
    request: Request, ctx: Ctx, level: Literal["street", "community"] = "street"
) -> Response:
    return _kept(request, ctx, ("rankings", level), lambda: rankings(ctx, level))


@router.get("/grids", response_model=dict[str, Any], description=grids.__doc__)
def grids_answer(request: Request, ctx: Ctx) -> Response:
    return _kept(request, ctx, ("grids",), lambda: grids(ctx))


@router.get("/cases-left", response_model=dict[str, Any], description=cases_left.__doc__)
def cases_left_answer(
    request: Request, ctx: Ctx, offset: Offset = 0, limit: Limit = LISTED
) -> Response:
    question = ("cases-left", offset, limit)
    return _kept(request, ctx, question, lambda: cases_left(ctx, offset, limit))


@router.get("/units", response_model=dict[str, Any], description=units.__doc__)
def units_answer(request: Request, ctx: Ctx) -> Response:
    return _kept(request, ctx, ("units",), lambda: units(ctx))


@router.get("/funding", response_model=dict[str, Any], description=funding.__doc__)
def funding_answer(
    request: Request, ctx: Ctx, cases_offset: Offset = 0, cases_limit: Limit = 100
) -> Response:
    question = ("funding", cases_offset, cases_limit)
    return _kept(request, ctx, question, lambda: funding(ctx, cases_offset, cases_limit))
