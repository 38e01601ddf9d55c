"""Due-ness: the dashboards equal the recount at several instants, on both backends.

The history is stopped part-way (many cases open, some not yet due), and the dashboards
are asked as of the last event, then as of instants ahead: a minute before a pending
deadline, exactly on it, and a microsecond after it. The recount (recount.py) decides
from the raw events alone what is due: a deadline *before* the instant.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import select

from interfaces.bootstrap import Container
from projections.dashboards import Period
from projections.ledger_tables import cases, summons
from projections.queries import Scope
from tests.projections.checks import all_mismatches, count_mismatches, report, unit_mismatches
from tests.projections.generator import HistoryGenerator
from tests.projections.recount import Recount, read_log
from tests.support.clock import FakeClock

US = timedelta(microseconds=1)
EVERYTHING = Scope(everything=True)


def pending_deadlines(container: Container, after: datetime) -> list[datetime]:
    """Deadlines ahead of ``after`` that still matter: open cases, unanswered summonses."""
    with container.engine.connect() as conn:
        found = [
            *conn.execute(select(cases.c.resolution_due).where(cases.c.resolution_due > after)),
            *conn.execute(select(cases.c.response_due).where(cases.c.response_due > after)),
            *conn.execute(
                select(summons.c.deadline).where(
                    summons.c.deadline > after, summons.c.reported_in_at.is_(None)
                )
            ),
        ]
    return sorted({row[0] for row in found})


def test_dashboards_equal_the_recount_at_several_instants(
    container: Container, clock: FakeClock
) -> None:
    gen = HistoryGenerator(container.service, clock, n_cases=300, seed=13, span_days=60)
    problems: list[str] = []
    changed_on_crossing = 0
    for commands in (500, 500, None):  # stop twice part-way, then run to the end
        gen.run(commands)
        container.projector.catch_up()
        events = [e for _, e in read_log(container.service)]
        now = Recount(events, as_of=clock.now)
        problems += all_mismatches(container, now)
        ahead = pending_deadlines(container, clock.now + timedelta(minutes=1))
        picks = [ahead[0], ahead[len(ahead) // 2], ahead[-1]] if ahead else []
        for deadline in picks:
            for at in (deadline - timedelta(minutes=1), deadline, deadline + US):
                recount = Recount(events, as_of=at)
                d = container.dashboards
                problems += [f"{at}: {p}" for p in count_mismatches(d, recount, container.weights)]
                problems += [f"{at}: {p}" for p in unit_mismatches(d, recount)]
            on, after = (d.total(Period(), EVERYTHING, t) for t in (deadline, deadline + US))
            units_on, units_after = (
                d.units(Period(), EVERYTHING, t) for t in (deadline, deadline + US)
            )
            changed_on_crossing += on != after or units_on != units_after
    assert gen.done
    assert changed_on_crossing >= 3, "the chosen deadlines must change figures when passed"
    assert not problems, report(problems)


def test_a_history_stopped_part_way_has_items_not_yet_due(
    container: Container, clock: FakeClock
) -> None:
    """The instants above are worth testing: some cases and summonses are not yet due."""
    gen = HistoryGenerator(container.service, clock, n_cases=300, seed=13, span_days=60)
    gen.run(450)  # stopped where a summons is still waiting (seed 13)
    container.projector.catch_up()
    total = container.dashboards.total(Period(), EVERYTHING, clock.now)
    assert total.open_not_due > 0 and total.unanswered_not_due > 0
    assert total.due_for_resolution < total.reported
    units = container.dashboards.units(Period(), EVERYTHING, clock.now)
    assert sum(u.not_due for u in units) > 0


def test_dashboards_as_of_past_instants_equal_the_recount(
    container: Container, clock: FakeClock
) -> None:
    """Before the latest event, the dashboards are rebuilt from the events up to then
    (projections/snapshots.py): they must count exactly what had happened by then."""
    gen = HistoryGenerator(container.service, clock, n_cases=200, seed=17, span_days=60)
    gen.run()
    container.projector.catch_up()
    events = [e for _, e in read_log(container.service)]
    position = container.projector.head()
    stamps = sorted({e.timestamp for e in events})
    third = stamps[len(stamps) // 3]
    reported = [e for e in events if type(e).__name__ == "CaseReported"]
    deadlines = sorted(e.resolution_due for e in reported if third < e.resolution_due < stamps[-1])
    picks = [third, third - US, deadlines[0], deadlines[0] + US, stamps[2 * len(stamps) // 3]]
    problems: list[str] = []
    for at in picks:
        snapshot = container.snapshots.at(at, position)
        view = SimpleNamespace(
            engine=snapshot.engine, dashboards=snapshot, weights=container.weights
        )
        recount = Recount(events, as_of=at)
        assert recount.cases and len(recount.cases) < len({e.originator_id for e in events})
        problems += [f"{at}: {p}" for p in all_mismatches(view, recount)]
    assert container.snapshots.at(picks[-1], position) is snapshot, "kept, not rebuilt"
    assert not problems, report(problems)
