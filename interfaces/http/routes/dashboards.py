"""Dashboards (read-only, any role; scoped roles see their own scope). The answers are
built in projections/dashboard_reads.py; here they are asked for and kept by the ledger's
position (answers.py)."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from domain.errors import InvalidValue
from interfaces.http.answers import kept
from interfaces.http.dashboard_context import Ctx, Limit, Offset
from interfaces.http.dashboard_schemas import (
    CasesLeftAnswerPublic,
    FundingAnswerPublic,
    GridsAnswerPublic,
    OpenCasesAnswerPublic,
    RankingsAnswerPublic,
    RatesAnswerPublic,
    UnitsAnswerPublic,
)
from interfaces.http.lean_json import encoder
from interfaces.http.schemas import ID_PATTERN
from projections.dashboard_reads import LISTED, DashboardReads

router = APIRouter(prefix="/dashboards", tags=["dashboards"])

By = Literal["street", "community", "grid", "category"]

# Each answer written as its response model writes it, without validating every row.
_RATES = encoder(RatesAnswerPublic)
_OPEN_CASES = encoder(OpenCasesAnswerPublic)
_RANKINGS = encoder(RankingsAnswerPublic)
_GRIDS = encoder(GridsAnswerPublic)
_CASES_LEFT = encoder(CasesLeftAnswerPublic)
_UNITS = encoder(UnitsAnswerPublic)
_FUNDING = encoder(FundingAnswerPublic)


def _kept(
    request: Request, ctx: Ctx, question: tuple[Hashable, ...], compute: Callable[[], bytes]
) -> Response:
    if ctx.as_of.asked:  # a named instant: the answer changes only with events
        question = (*question, ctx.at)
    now = None if ctx.as_of.asked else ctx.at
    # The next deadline crossing (read before computing) and the answer's queries share
    # one checkout and one transaction, taken only if the answer is not served from memory.
    with ctx.dashboards.one_connection():
        return kept(
            request,
            ctx.c,
            ctx.user,
            ctx.scope,
            (*question, ctx.period),
            compute,
            now=now,
            reading=None if ctx.as_of.past else ctx.reading,
        )


@router.get("/rates", response_model=RatesAnswerPublic)
def rates(request: Request, ctx: Ctx, by: By = "street") -> Response:
    """办结率、按期办结率、响应率、解决率、满意率、吹哨率 by place or category as of an instant,
    with the monthly trend, against the target line, listing places below it and the open
    cases pulling them down. What is not yet due is shown beside (在办未到期)."""
    reads = ctx.reads
    return _kept(request, ctx, ("rates", by),
                 lambda: _RATES(reads.rates(by)))  # fmt: skip


@router.get("/open-cases", response_model=OpenCasesAnswerPublic)
def open_cases(
    request: Request,
    ctx: Ctx,
    key: Annotated[str, Query(max_length=64, pattern=ID_PATTERN)],
    by: By = "street",
    offset: Offset = 0,
    limit: Limit = LISTED,
) -> Response:
    """The open cases of one place or category, oldest first, a page at a time."""
    reads = ctx.reads
    return _kept(
        request,
        ctx,
        ("open-cases", by, key, offset, limit),
        lambda: _OPEN_CASES(reads.open_cases(by, key, offset, limit)),
    )


@router.get("/rankings", response_model=RankingsAnswerPublic)
def rankings(
    request: Request, ctx: Ctx, level: Literal["street", "community"] = "street"
) -> Response:
    """Monthly ranking by 综合得分 = 0.1×响应率 + 0.5×解决率 + 0.4×满意率 (weights configurable),
    as of an instant (响应率 counts only what is due)."""
    reads = ctx.reads
    return _kept(request, ctx, ("rankings", level),
                 lambda: _RANKINGS(reads.rankings(level)))  # fmt: skip


@router.get("/grids", response_model=GridsAnswerPublic)
def grids(request: Request, ctx: Ctx) -> Response:
    """小事不出网格 / 大事不出社区: share resolved in the grid (community) and the cases that left.

    The cases that left each grid are listed (the newest 20, with a link to the rest) when
    the answer covers at most 40 grids (a community, a grid lead's own); for more,
    ``cases_left`` is null and ``cases_left_page`` links to them."""
    reads = ctx.reads
    return _kept(request, ctx, ("grids",),
                 lambda: _GRIDS(reads.grids()))  # fmt: skip


@router.get("/cases-left", response_model=CasesLeftAnswerPublic)
def cases_left(request: Request, ctx: Ctx, offset: Offset = 0, limit: Limit = LISTED) -> Response:
    """The cases that left one grid (``grid=``), newest first, a page at a time."""
    grid_id = ctx.period.grid_id
    if grid_id is None:
        raise InvalidValue("请指定网格（grid=）", "name the grid: grid=")
    reads: DashboardReads = ctx.reads
    return _kept(
        request,
        ctx,
        ("cases-left", offset, limit),
        lambda: _CASES_LEFT(reads.cases_left(grid_id, offset, limit)),
    )


@router.get("/units", response_model=UnitsAnswerPublic)
def units(request: Request, ctx: Ctx) -> Response:
    """Whistle accountability per unit as of an instant: received, reported in, on time
    (按时报到率 over the summonses due: reported in or past the deadline), median delay,
    score; summonses not yet due shown beside."""
    reads = ctx.reads
    return _kept(request, ctx, ("units",),
                 lambda: _UNITS(reads.units()))  # fmt: skip


@router.get("/funding", response_model=FundingAnswerPublic)
def funding(
    request: Request, ctx: Ctx, cases_offset: Offset = 0, cases_limit: Limit = 100
) -> Response:
    """Pledged funding (fen) by party kind, per community and per case (a page of cases,
    every kind of each, with the total and a link to the next page)."""
    reads = ctx.reads
    return _kept(
        request,
        ctx,
        ("funding", cases_offset, cases_limit),
        lambda: _FUNDING(reads.funding(cases_offset, cases_limit)),
    )
