"""What is not yet due, counted as two deadline-index ranges (due.py), equals a count of
the ledger rows one by one — at the last event, a minute before a pending deadline,
exactly on it (still not due) and a microsecond after; and the rates' total, now summed
from the monthly trend, equals the total asked for directly."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select

from application.access import User
from domain.times import utc_text
from domain.values import Role
from interfaces.bootstrap import Container
from projections import due
from projections.dashboard_reads import DashboardReads, Question
from projections.dashboards import Period
from projections.ledger_tables import OPEN_STATUSES, cases
from projections.measures import EXCLUDED, counted
from projections.queries import Scope
from tests.projections.generator import HistoryGenerator
from tests.support.backends import sqlite_only
from tests.support.clock import FakeClock

US = timedelta(microseconds=1)
EVERYTHING = Scope(everything=True)


def _by_hand(rows: list[Any], at: datetime) -> dict[tuple[str], due.NotDue]:
    """The not-yet-due figures per street, row by row: due once a deadline is *before* ``at``."""
    out: dict[tuple[str], due.NotDue] = {}
    for r in rows:
        if r.status not in OPEN_STATUSES or r.status in EXCLUDED:
            continue
        res = r.resolution_due >= at
        resp = r.first_response_at is None and r.response_due >= at
        if not (res or resp):
            continue
        was = out.get((r.street_id,), due.NotDue())
        out[(r.street_id,)] = due.NotDue(
            was.open_not_due + res,
            was.unanswered_not_due + resp,
            _earliest(was.next_resolution_due, r.resolution_due if res else None),
            _earliest(was.next_response_due, r.response_due if resp else None),
        )
    return out


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return min((t for t in (a, b) if t is not None), default=None)


def _instants(rows: list[Any], now: datetime) -> list[datetime]:
    """Now, and around a pending resolution and a pending response deadline."""
    open_rows = [r for r in rows if r.status in OPEN_STATUSES]
    picks = [
        min((r.resolution_due for r in open_rows if r.resolution_due > now), default=None),
        min(
            (
                r.response_due
                for r in open_rows
                if r.first_response_at is None and r.response_due > now
            ),
            default=None,
        ),
    ]
    out = [now]
    for deadline in (p for p in picks if p is not None):
        out += [deadline - timedelta(minutes=1), deadline, deadline + US]
    return out


def test_not_yet_due_ranges_equal_a_row_by_row_count(
    container: Container, clock: FakeClock
) -> None:
    gen = HistoryGenerator(container.service, clock, n_cases=200, seed=13, span_days=40)
    gen.run(450)  # part-way: cases open, some not yet due
    container.projector.catch_up()
    with container.engine.connect() as conn:
        rows = list(conn.execute(select(cases)))
        instants = _instants(rows, clock.now)
        assert len(instants) == 7, "a pending resolution and response deadline are needed"
        changed = 0
        for at in instants:
            got = due.not_due_by(conn, ["street_id"], [counted()], at)
            assert got == _by_hand(rows, at), at
            assert due.not_due_by(conn, [], [counted()], at).get(()) == _total(got), at
            changed += got != due.not_due_by(conn, ["street_id"], [counted()], at + US)
        assert changed >= 2, "passing a deadline must change what is not yet due"


def _total(by_street: dict[tuple[str], due.NotDue]) -> due.NotDue | None:
    if not by_street:
        return None
    parts = list(by_street.values())
    return due.NotDue(
        sum(p.open_not_due for p in parts),
        sum(p.unanswered_not_due for p in parts),
        min((t for p in parts if (t := p.next_resolution_due)), default=None),
        min((t for p in parts if (t := p.next_response_due)), default=None),
    )


@sqlite_only  # the sum is Python over figures the other tests check on both backends
def test_the_rates_total_is_the_total_asked_for(container: Container, clock: FakeClock) -> None:
    gen = HistoryGenerator(container.service, clock, n_cases=120, seed=5, span_days=70)
    gen.run(400)
    container.projector.catch_up()
    d = container.dashboards
    with container.engine.connect() as conn:
        instants = _instants(list(conn.execute(select(cases))), clock.now)
    reader = User("reader", "读者", Role.ADMIN)
    for at in instants:
        question = Question(reader, EVERYTHING, Period(), at)
        reads = DashboardReads(d, container.policy, container.weights, question)
        answer = reads.rates()
        direct = reads._figures(d.total(Period(), EVERYTHING, at))
        assert answer.total.counts == direct["counts"], at
        assert answer.total.not_yet_due == direct["not_yet_due"], at
        assert answer.total.rates == direct["rates"], at
        assert len(answer.trend) >= 2  # the total adds up several months


@sqlite_only  # links are built in Python alone
def test_links_are_what_urlencode_would_write(container: Container) -> None:
    at = datetime.fromisoformat("2024-03-31T15:59:59+00:00")
    period = Period("2024-01", "2024-03", street_id="s 1", grid_id="g&1")
    reader = User("reader", "读者", Role.ADMIN)
    for asked in (False, True):
        question = Question(reader, EVERYTHING, period, at, asked=asked)
        reads = DashboardReads(container.dashboards, container.policy, container.weights, question)
        for params in ({}, {"grid": "网格/2", "offset": 20}, {"by": "street", "key": None}):
            query = {
                "from": "2024-01",
                "to": "2024-03",
                "street": "s 1",
                "community": None,
                "grid": "g&1",
                "category": None,
                "as_of": utc_text(at) if asked else None,
                **params,
            }
            wanted = urlencode({k: v for k, v in query.items() if v is not None})
            assert reads.link("/x", **params) == f"/x?{wanted}"
