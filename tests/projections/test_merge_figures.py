"""合并 and the figures: after merges the views still equal the independent recount — the
merged cases count nowhere (nor their summonses and pledges), the original once — on the
live path (rows merged after they were counted) and on a rebuild alike."""

from __future__ import annotations

from collections import defaultdict
from uuid import UUID

from interfaces.bootstrap import Container
from projections.dashboards import Period
from projections.queries import Scope
from projections.rebuild import rebuild
from tests.projections.checks import all_mismatches, report
from tests.projections.generator import HistoryGenerator
from tests.projections.recount import Recount
from tests.support.actors import COORDINATOR
from tests.support.clock import FakeClock


def test_merges_leave_the_views_equal_to_the_recount(
    container: Container, clock: FakeClock
) -> None:
    HistoryGenerator(container.service, clock, n_cases=160, seed=11).run()
    container.projector.catch_up()
    before = Recount.of(container.service)
    open_by_street: dict[str, list[str]] = defaultdict(list)
    for f in before.cases.values():
        if f.status in ("reported", "in_progress", "resolved"):
            open_by_street[f.street_id].append(f.case_id)
    merged = 0
    for ids in open_by_street.values():
        for group in (ids[0:4], ids[4:6]):  # two merges a street, with whistles and pledges
            if len(group) < 2:
                continue
            clock.advance(minutes=5)
            container.service.merge_cases(
                UUID(group[0]), [UUID(i) for i in group[1:]], actor=COORDINATOR
            )
            merged += len(group) - 1
    assert merged >= 6
    container.projector.catch_up()
    after = Recount.of(container.service)
    assert after.total()["reported"] == before.total()["reported"] - merged
    problems = all_mismatches(container, after)
    assert not problems, report(problems)
    totals = container.dashboards.total(Period(), Scope(everything=True), after.as_of)
    assert totals.reported == after.total()["reported"]

    rebuild(container.projector)  # the same figures from the log alone
    problems = all_mismatches(container, after)
    assert not problems, report(problems)
