"""The dashboards agree with an independent recount from the raw events, on both backends.

A seeded generator drives ~1,500 realistic cases through the case service; the
projector catches up; then every group's counts, the totals, the rates (same weights),
the unit accountability and the funding must equal what tests/projections/recount.py
computes from the events alone. Period and scope filters are checked the same way.
"""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from infrastructure.settings import Settings
from interfaces.bootstrap import Container, build_container
from projections.dashboards import Period
from projections.queries import Scope
from tests.projections.checks import (
    all_mismatches,
    count_mismatches,
    funding_mismatches,
    list_mismatches,
    report,
    unit_mismatches,
)
from tests.projections.generator import HistoryGenerator
from tests.projections.recount import BEIJING, Recount, read_log
from tests.support.clock import FakeClock

# ≈ 10,000 commands (SQLite ≈ 13 s, PostgreSQL ≈ 45 s). The 10,000-case district:
# CHUISHAO_RECOUNT_CASES=10000 pytest tests/projections -k equal_the_recount
N_CASES = int(os.environ.get("CHUISHAO_RECOUNT_CASES", "1500"))


def test_dashboards_equal_the_recount(
    container: Container, clock: FakeClock, settings: Settings
) -> None:
    gen = HistoryGenerator(container.service, clock, n_cases=N_CASES)
    gen.run()
    applied = container.projector.catch_up()
    recount = Recount.of(container.service)

    assert applied == len(gen.results) == container.projector.head()
    assert container.projector.positions() == {"ledger": container.projector.head()}
    _assert_history_is_rich(recount)

    problems = all_mismatches(container, recount)
    assert not problems, report(problems)


def test_filters_scopes_and_case_lists_equal_the_recount(
    container: Container, clock: FakeClock
) -> None:
    gen = HistoryGenerator(container.service, clock, n_cases=250, seed=7)
    gen.run()
    container.projector.catch_up()
    recount = Recount.of(container.service)
    d, w = container.dashboards, container.weights
    months = sorted({f.month for f in recount.cases.values()})
    assert len(months) >= 4, months
    problems: list[str] = []

    first, last = months[1], months[2]
    period = Period(first_month=first, last_month=last)
    in_months = lambda f: first <= f.month <= last  # noqa: E731
    problems += count_mismatches(d, recount, w, period=period, where=in_months)
    problems += unit_mismatches(d, recount, period=period, where=in_months)
    problems += funding_mismatches(d, recount, period=period, where=in_months)

    street = sorted({f.street_id for f in recount.cases.values()})[0]
    period = Period(street_id=street, category_id="heating")
    where = lambda f: f.street_id == street and f.category_id == "heating"  # noqa: E731
    problems += count_mismatches(d, recount, w, period=period, where=where)

    scope = Scope(
        community_ids=frozenset({"yuehe"}),
        grid_ids=frozenset({"binhewan"}),
        street_ids=frozenset({"fengxiang"}),
    )
    where = lambda f: (  # noqa: E731
        f.community_id == "yuehe" or f.grid_id == "binhewan" or f.street_id == "fengxiang"
    )
    problems += count_mismatches(d, recount, w, scope=scope, where=where)
    problems += funding_mismatches(d, recount, scope=scope, where=where)

    for unit_id in ("jianshe-police", "yljw-property", "weicheng-heating"):
        scope = Scope(unit_id=unit_id)
        where = lambda f, u=unit_id: u in f.involved_units  # noqa: E731
        problems += count_mismatches(d, recount, w, scope=scope, where=where)
        problems += unit_mismatches(d, recount, scope=scope, where=where)
    problems += list_mismatches(container, recount)
    assert not problems, report(problems)


def test_the_generator_is_reproducible(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Same seed, same commands at the same instants: two runs replay to equal facts."""
    recounts = []
    for _ in range(2):
        clock = FakeClock()
        run = Settings(data_dir=tmp_path_factory.mktemp("repro"), database_url=None)
        with build_container(run, clock=clock) as c:
            HistoryGenerator(c.service, clock, n_cases=120, seed=99).run()
            recounts.append(Recount.of(c.service))
    a, b = recounts
    assert a.cases == b.cases
    assert a.total() == b.total()


def _assert_history_is_rich(recount: Recount) -> None:
    """The generated history exercises every path the measures distinguish."""
    cov = recount.coverage()
    need = [
        *(f"status:{s}" for s in ("reported", "in_progress", "resolved", "evaluated", "closed")),
        "status:withdrawn",
        "status:duplicate",
        *(f"level:{lv}" for lv in ("grid", "community", "street", "district")),
        *(f"resolved_level:{lv}" for lv in ("grid", "community", "street", "district")),
        *(
            f"callback:{s}/{sat}"
            for s in ("solved", "partly_solved", "unsolved")
            for sat in ("satisfied", "basically_satisfied", "unsatisfied")
        ),
        "reopened:1",
        "reopened:2",
        "never_responded",
        "responded_late",
        "responded_exactly_on_due",
        "resolved_late",
        "resolved_exactly_on_due",
        "month_differs_in_utc",
        *(
            f"party:{k}"
            for k in ("government", "property_company", "owners_fund", "enterprise", "other")
        ),
        "whistle_level:community",
        "whistle_level:street",
        "summons:never",
        "summons:late",
        "summons:on_time",
        "summons:exactly_on_deadline",
        "summons:scored",
    ]
    missing = [k for k in need if not cov.get(k)]
    assert not missing, f"the generated history lacks {missing}"
    assert len({f.grid_id for f in recount.cases.values()}) == 8
    assert len({f.category_id for f in recount.cases.values()}) == 8
    assert len({f.month for f in recount.cases.values()}) >= 4


def test_a_server_clock_in_beijing_time_counts_the_same(
    container: Container, clock: FakeClock
) -> None:
    """Instants carrying +08:00 (as the demo's clock gives) land in the same months and
    compare with their deadlines as instants, on both backends."""
    clock.now = clock.now.astimezone(BEIJING)
    HistoryGenerator(container.service, clock, n_cases=150, seed=5).run()
    container.projector.catch_up()
    events = [e for _, e in read_log(container.service)]
    assert {e.timestamp.utcoffset() for e in events} == {timedelta(hours=8)}
    recount = Recount.of(container.service)
    assert recount.coverage().get("month_differs_in_utc")
    problems = all_mismatches(container, recount)
    assert not problems, report(problems)
