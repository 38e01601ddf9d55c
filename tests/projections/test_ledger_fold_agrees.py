"""The ledger's fold and the case agree on status and first response, event by event,
over a generated history (the seeded generator's edge-case mix)."""

from __future__ import annotations

from typing import Any

from domain import events as ev
from interfaces.bootstrap import Container
from projections.ledger_fold import Changes, Row, fold_row
from tests.projections.generator import HistoryGenerator
from tests.support.clock import FakeClock


def test_the_folds_status_is_the_cases_after_every_event(
    container: Container, clock: FakeClock
) -> None:
    history = HistoryGenerator(container.service, clock, n_cases=60, seed=11)
    history.run()
    service, seen, disagreements = container.service, set(), []
    for case_id in sorted({r.case_id for r in history.results}):
        case: Any = None
        row: Row | None = None
        events: list[Any] = list(service.events.get(case_id))
        for e in events:
            case, row = e.mutate(case), fold_row(row, e, Changes())
            seen.add(type(e))
            fold = (row["status"], row["first_response_at"])
            domain = (case.status.value, case.first_response_at)
            if fold != domain:
                disagreements.append(f"{case_id} v{e.originator_version}: {fold} != {domain}")
        assert case.status.value == service.get_case(case_id).status.value
    assert disagreements == []
    # the history held every event that sets a status, and notes (merges and 12345 orders,
    # which the generator does not make, have their own tests: test_merge_figures.py,
    # test_work_order_figures.py)
    orders = {ev.WorkOrderReceived, ev.WorkOrderAccepted}
    assert (set(ev.SETS_STATUS) - orders - {ev.CaseMergedInto}) | {ev.ProgressNoted} <= seen
