"""The grids answer reads one query per (community, grid) and sums it per grid and per
community: its rows must equal the counts asked per grid and per community directly, at
the last event and exactly on a pending deadline."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from application.access import User
from domain.values import Role
from interfaces.bootstrap import Container
from projections.dashboard_reads import DashboardReads, Question
from projections.dashboards import Period
from projections.ledger_tables import IS_OPEN, cases
from projections.queries import Scope
from tests.projections.generator import HistoryGenerator
from tests.support.backends import sqlite_only
from tests.support.clock import FakeClock

EVERYTHING = Scope(everything=True)


@sqlite_only  # the sums are Python over counts the recount tests check on both backends
def test_grid_and_community_rows_equal_the_direct_counts(
    container: Container, clock: FakeClock
) -> None:
    gen = HistoryGenerator(container.service, clock, n_cases=150, seed=11, span_days=40)
    gen.run(400)
    container.projector.catch_up()
    d = container.dashboards
    with container.engine.connect() as conn:
        pending = conn.execute(
            select(func.min(cases.c.resolution_due)).where(
                IS_OPEN, cases.c.resolution_due > clock.now
            )
        ).scalar()
    assert pending is not None
    reader = User("reader", "读者", Role.ADMIN)
    for at in (clock.now, pending, pending + timedelta(microseconds=1)):
        reads = DashboardReads(
            d, container.policy, container.weights, Question(reader, EVERYTHING, Period(), at)
        )
        answer = reads.grids()
        by_grid = d.counts_by("grid", Period(), EVERYTHING, at)
        by_community = d.counts_by("community", Period(), EVERYTHING, at)
        assert [g.key for g in answer.grids] == sorted(by_grid)
        assert [c.key for c in answer.communities] == sorted(by_community)
        for g in answer.grids:
            n = by_grid[g.key]
            assert (g.reported, g.resolved, g.resolved_in_grid, g.left_grid) == (
                n.reported,
                n.resolved,
                n.resolved_in_grid,
                n.left_grid,
            )
            assert g.grid_rate == n.rates(container.weights).grid_rate
            assert g.cases_left_page.total == n.left_grid
        for c in answer.communities:
            n = by_community[c.key]
            rates = n.rates(container.weights)
            assert (c.resolved, c.resolved_in_community) == (n.resolved, n.resolved_in_community)
            assert (c.community_rate, c.grid_rate) == (rates.community_rate, rates.grid_rate)
        assert len(answer.communities) < len(answer.grids)  # communities hold several grids
