"""The rollup tables: which one answers, and a ledger from before them gets them filled."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from interfaces.bootstrap import Container
from projections import rollups
from projections.dashboards import Period
from projections.ledger import CaseLedger, LedgerView
from projections.ledger_tables import cases
from projections.measures import COUNT_NAMES, NOT_DUE_NAMES, Counts, case_counts
from projections.queries import Scope
from projections.view import versions_table
from tests.projections.checks import snapshot
from tests.projections.generator import HistoryGenerator
from tests.support.clock import FakeClock


@pytest.mark.parametrize(
    ("needed", "grain"),
    [
        ({"reported_month"}, "street"),
        ({"reported_month", "street_id"}, "street"),
        ({"reported_month", "category_id"}, "street_category"),
        ({"reported_month", "street_id", "category_id"}, "street_category"),
        ({"reported_month", "grid_id"}, "grid"),
        ({"reported_month", "community_id", "street_id"}, "grid"),
        ({"reported_month", "grid_id", "category_id"}, "grid_category"),
    ],
)
def test_the_smallest_rollup_with_the_needed_columns_answers(needed: set[str], grain: str) -> None:
    assert rollups.pick(needed) is rollups.TABLES[grain]


def test_a_column_no_rollup_has_is_refused() -> None:
    with pytest.raises(ValueError, match="unit_id"):
        rollups.pick({"unit_id"})


def test_python_counts_are_the_count_columns_in_order_then_what_is_not_yet_due() -> None:
    assert COUNT_NAMES + NOT_DUE_NAMES == tuple(f for f in Counts.__dataclass_fields__)


def test_rollups_hold_what_a_scan_of_the_ledger_counts(
    container: Container, clock: FakeClock
) -> None:
    HistoryGenerator(container.service, clock, n_cases=200, seed=3).run()
    container.projector.catch_up()
    d = container.dashboards
    with container.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(cases))]
    by_street: dict[str, list[int]] = {}
    for row in rows:
        counts = case_counts(row)
        if counts is not None:
            total = by_street.setdefault(row["street_id"], [0] * len(COUNT_NAMES))
            for i, n in enumerate(counts):
                total[i] += n
    got = d.counts_by("street", Period(), Scope(everything=True), clock.now)
    kept = {k: [getattr(v, n) for n in COUNT_NAMES] for k, v in got.items()}
    assert kept == by_street
    # A unit's scope cannot use a rollup; it scans the ledger and must agree where it overlaps.
    one_street = sorted(by_street)[0]
    scoped = d.counts_by("street", Period(), Scope(street_ids=frozenset({one_street})), clock.now)
    assert scoped == {one_street: got[one_street]}


def test_a_view_built_with_another_schema_version_is_rebuilt_from_the_log(
    container: Container, clock: FakeClock
) -> None:
    HistoryGenerator(container.service, clock, n_cases=150, seed=5).run()
    container.projector.catch_up()
    before = snapshot(container.engine)
    assert all(before[t.name] for t in rollups.TABLES.values())
    with container.engine.begin() as conn:  # as an older release left it: no rollups
        for table in rollups.TABLES.values():
            conn.execute(text(f"DROP TABLE {table.name}"))
        conn.execute(versions_table.update().values(version=LedgerView.schema_version - 1))

    LedgerView(container.engine, CaseLedger.name)  # what a start after the upgrade does

    assert container.projector.positions() == {"ledger": 0}
    assert not any(snapshot(container.engine).values()), "dropped, to be rebuilt"
    assert container.projector.catch_up() == container.projector.head()
    assert snapshot(container.engine) == before


def test_a_view_of_the_current_version_is_kept(container: Container, clock: FakeClock) -> None:
    HistoryGenerator(container.service, clock, n_cases=20, seed=5).run()
    container.projector.catch_up()
    before = snapshot(container.engine)
    LedgerView(container.engine, CaseLedger.name)
    assert snapshot(container.engine) == before
    assert container.projector.positions() == {"ledger": container.projector.head()}


def test_a_large_catch_up_refreshes_the_planner_statistics(
    container: Container, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from projections import runner

    HistoryGenerator(container.service, clock, n_cases=30, seed=2).run()
    monkeypatch.setattr(runner, "ANALYZE_AFTER", 10)
    container.projector.catch_up()
    with container.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            analyzed = conn.execute(
                text(
                    "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables "
                    "WHERE relname = 'ledger_cases' AND schemaname = current_schema()"
                )
            ).scalar_one()
        else:
            analyzed = conn.execute(
                text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'ledger_cases'")
            ).scalar_one()
    assert analyzed
    # and the views still answer: 30 cases, less the withdrawn and duplicates
    everything = Scope(everything=True)
    total = container.dashboards.total(Period(), everything, clock.now).reported
    streets = container.dashboards.counts_by("street", Period(), everything, clock.now)
    assert 20 <= total <= 30
    assert total == sum(c.reported for c in streets.values())


@pytest.mark.parametrize("group", ["street", "community", "grid", "category"])
def test_monthly_counts_are_each_months_counts(
    container: Container, clock: FakeClock, group: str
) -> None:
    HistoryGenerator(container.service, clock, n_cases=120, seed=8).run()
    container.projector.catch_up()
    d, everything = container.dashboards, Scope(everything=True)
    at = clock.now - timedelta(days=3)  # some cases are not yet due then
    months = sorted(d.counts_by("month", Period(), everything, at))
    assert len(months) >= 3
    expected = {m: d.counts_by(group, Period(m, m), everything, at) for m in months}
    assert d.monthly(group, Period(), everything, at) == expected
    street = Scope(street_ids=frozenset({"jianshe"}))
    assert d.monthly(group, Period(), street, at) == {
        m: c for m in months if (c := d.counts_by(group, Period(m, m), street, at))
    }
