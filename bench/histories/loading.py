"""Loading a busy-district history through ``CaseService`` on a simulated clock."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from application.service import CaseService
from application.views import WriteResult
from bench.histories.busy_district import Planner
from bench.histories.commands import execute
from bench.histories.steps import SimClock, timeline


def run_simulated(
    svc: CaseService,
    clock: SimClock,
    planner: Planner,
    indices: Iterable[int],
    on_command: Callable[[WriteResult | None], None] | None = None,
    errors: dict[str, int] | None = None,
) -> int:
    """Issue every step of the given cases in time order on the simulated clock.

    A command the service refuses is counted in ``errors`` (by step and error type)
    and the run goes on; a correct plan has none.
    """
    n = 0
    for when, p, step in timeline(planner.plan(i) for i in indices):
        clock.now = max(clock.now, when)
        result: WriteResult | None = None
        try:
            result = execute(svc, p, step, clock.now)
            n += 1
        except Exception as e:
            if errors is None:
                raise
            key = f"{step.op}:{type(e).__name__}"
            errors[key] = errors.get(key, 0) + 1
        if on_command is not None:
            on_command(result)
    return n
