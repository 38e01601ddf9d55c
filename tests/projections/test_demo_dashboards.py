"""After the demo, the dashboards show the seeds' five cases and a 12345 order, with rates
equal to a recount."""

from __future__ import annotations

from infrastructure.settings import Settings
from interfaces.bootstrap import build_container
from interfaces.demo import ScriptedClock, play, scenarios
from projections.dashboards import Period
from projections.queries import Scope
from tests.projections.checks import all_mismatches, report
from tests.projections.recount import Recount


def test_demo_dashboards_equal_the_recount(settings: Settings) -> None:
    clock = ScriptedClock()
    with build_container(settings, clock=clock) as c:
        play(c.service, clock)
        c.projector.catch_up()
        problems = all_mismatches(c, Recount.of(c.service))
        assert not problems, report(problems)
        total = c.dashboards.total(Period(), Scope(everything=True), clock())
        rates = total.rates(c.weights)
    assert total.reported == len(scenarios()) == 6
    assert rates.resolution_rate == 1.0  # all six were resolved and closed
    assert total.whistled == 3  # fire lane, heating, frozen pipes
    # the 12345 order was placed in its grid at 签收 and never escalated: settled in the grid
    assert total.resolved_in_grid == 1 and total.resolved_in_community == 5
    # the order's 回访 by the platform: satisfied
    assert rates.satisfaction_rate == round((5 + 0.9) / 6, 4)
