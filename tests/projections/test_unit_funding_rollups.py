"""The units' and the funding's rollups: they hold what the summons and pledge rows count
(withdrawn and duplicate cases, whose rows stop counting, included), the answers read from
them equal the answers read from the rows, and the units' median delay is exact."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from interfaces.bootstrap import Container
from projections import funding_rollup, unit_rollup
from projections.dashboards import Period
from projections.ledger_tables import pledges, summons
from projections.queries import Scope
from tests.projections.generator import HistoryGenerator
from tests.support.clock import FakeClock

EVERYTHING = Scope(everything=True)


@pytest.fixture
def history(container: Container, clock: FakeClock) -> Container:
    HistoryGenerator(container.service, clock, n_cases=150, seed=11).run()
    container.projector.catch_up()
    return container


def _rows(container: Container, table: Any) -> list[dict[str, Any]]:
    with container.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(table))]


def test_the_unit_rollup_holds_what_the_counted_summons_count(history: Container) -> None:
    rows = _rows(history, summons)
    assert any(not r["counted"] for r in rows), "the history has withdrawn or duplicate cases"
    want: dict[tuple[str, ...], Counter[str]] = {}
    for r in rows:
        if not r["counted"]:
            continue
        n = want.setdefault((r["unit_id"], r["reported_month"], r["street_id"]), Counter())
        n["whistles"] += 1
        n["reported_in"] += r["reported_in_at"] is not None
        n["on_time"] += r["reported_in_at"] is not None and r["late"] is False
        n["unanswered"] += bool(r["unanswered"])
        n["scores"] += r["score"] is not None
        n["score_sum"] += r["score"] or 0
    got = {
        (r["unit_id"], r["reported_month"], r["street_id"]): Counter(
            {k: r[k] for k in unit_rollup.SUMS if r[k]}
        )
        for r in _rows(history, unit_rollup.unit_counts)
    }
    assert got == want
    for r in rows:  # each report-in's delay, exact to the microsecond
        if r["reported_in_at"] is None:
            assert r["delay_us"] is None
        else:
            delay = r["reported_in_at"] - r["blown_at"]
            assert r["delay_us"] == delay.days * 86_400_000_000 + delay.seconds * 10**6 + (
                delay.microseconds
            )


def test_the_funding_rollup_holds_what_the_counted_pledges_count(history: Container) -> None:
    rows = _rows(history, pledges)
    assert any(not r["counted"] for r in rows), "the history has pledges that stopped counting"
    amounts: Counter[tuple[str, ...]] = Counter()
    n_pledges: Counter[tuple[str, ...]] = Counter()
    funded: dict[tuple[str, ...], set[str]] = {}
    for r in rows:
        if r["counted"]:
            key = (r["reported_month"], r["street_id"], r["community_id"])
            amounts[(*key, r["party_kind"])] += r["amount_fen"]
            n_pledges[(*key, r["party_kind"])] += 1
            funded.setdefault(key, set()).add(r["case_id"])
    got = {
        (r["reported_month"], r["street_id"], r["community_id"], r["party_kind"]): (
            r["amount_fen"],
            r["pledges"],
        )
        for r in _rows(history, funding_rollup.funding_counts)
    }
    assert got == {k: (amounts[k], n_pledges[k]) for k in amounts}
    cases = {
        (r["reported_month"], r["street_id"], r["community_id"]): r["cases"]
        for r in _rows(history, funding_rollup.funded_cases)
    }
    assert cases == {k: len(v) for k, v in funded.items()}


def _questions(container: Container) -> Iterator[tuple[Period, Scope]]:
    """Questions the rollups can answer: everything, a month, a street, a street scope."""
    rows = [r for r in _rows(container, summons) if r["counted"]]
    month = sorted({r["reported_month"] for r in rows})[0]
    street = Counter(r["street_id"] for r in rows).most_common(1)[0][0]
    yield Period(), EVERYTHING
    yield Period(month, month), EVERYTHING
    yield Period(street_id=street), EVERYTHING
    yield Period(), Scope(street_ids=frozenset({street}))


def test_answers_from_the_rollups_equal_answers_from_the_rows(
    history: Container, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = history.dashboards
    questions = list(_questions(history))
    from_rollups = [
        (d.units(p, s, clock.now), d.funding(p, s), d.funding_by_case(p, s, 5))
        for p, s in questions
    ]
    assert from_rollups[0][0] and from_rollups[0][1] and from_rollups[0][2][1]
    monkeypatch.setattr(unit_rollup, "usable", lambda needed: False)
    monkeypatch.setattr(funding_rollup, "usable", lambda needed: False)
    from_rows = [
        (d.units(p, s, clock.now), d.funding(p, s), d.funding_by_case(p, s, 5))
        for p, s in questions
    ]
    assert from_rollups == from_rows


def test_the_median_delay_is_exact(history: Container, clock: FakeClock) -> None:
    delays: dict[str, list[float]] = {}
    for r in _rows(history, summons):
        if r["counted"] and r["reported_in_at"] is not None:
            minutes = (r["reported_in_at"] - r["blown_at"]).total_seconds() / 60
            delays.setdefault(r["unit_id"], []).append(minutes)
    units = history.dashboards.units(Period(), EVERYTHING, clock.now)
    assert {u.unit_id: u.median_delay_minutes for u in units if u.reported_in} == {
        unit: round(statistics.median(d), 1) for unit, d in delays.items()
    }
    assert any(len(d) % 2 == 0 for d in delays.values()), "an even count: two middles"
