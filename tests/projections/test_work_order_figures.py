"""12345 work orders in the figures: 退单 accepted and overruled, 延期 approved and refused,
an order placed at 签收 — the dashboards and ledger rows equal the independent recount."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from domain.values import ReturnReason
from interfaces.bootstrap import Container
from projections.audit import audit_views
from projections.dashboards import Period
from projections.ledger_tables import cases
from projections.queries import Scope
from tests.projections.checks import all_mismatches, count_mismatches, report
from tests.projections.recount import Recount, read_log
from tests.support.clock import FakeClock
from tests.support.orders import (
    COMMUNITY_COORDINATOR as CO,
)
from tests.support.orders import (
    PLATFORM,
    decide_extension,
    push,
    request_extension,
)


def test_returns_and_extensions_count_as_the_recount_says(
    container: Container, clock: FakeClock
) -> None:
    s, t0 = container.service, clock.now
    returned, overruled, extended, refused, unplaced = (
        push(s, "R-1"),
        push(s, "O-1"),
        push(s, "E-1"),
        push(s, "F-1"),
        push(s, "U-1", grid_id=None),
    )
    clock.advance(minutes=10)
    s.return_order(returned, actor=CO, reason=ReturnReason.WRONG_PLACE)
    s.return_order(overruled, actor=CO, reason=ReturnReason.WRONG_FUNCTION)
    s.accept_order(extended, actor=CO)
    s.accept_order(refused, actor=CO)
    clock.advance(minutes=20)
    s.accept_order(unplaced, actor=CO, grid_id="binhewan")
    clock.advance(minutes=30)
    s.decide_return(returned, actor=PLATFORM, accepted=True, comment="属地为西关街道")
    for case_id in (extended, refused):
        request_extension(s, case_id, new_due=t0 + timedelta(hours=72))
    clock.advance(hours=1)
    decide_extension(s, extended, approved=True)
    decide_extension(s, refused, approved=False)
    clock.advance(hours=1)
    s.decide_return(overruled, actor=PLATFORM, accepted=False, comment="经核实属本街道")
    clock.advance(minutes=10)
    s.accept_order(overruled, actor=CO)  # late: its response limit ran from the dispatch
    clock.now = t0 + timedelta(hours=25)  # after the dispatch's 24 h, before 签收's
    s.resolve(overruled, actor=CO, summary="已协调供热公司排气")
    clock.now = t0 + timedelta(hours=48)  # after the original deadline, before the extension
    s.resolve(extended, actor=CO, summary="已更换入户管道")
    s.resolve(refused, actor=CO, summary="已更换入户管道")
    clock.advance(hours=1)
    container.projector.catch_up()

    events = [e for _, e in read_log(s)]
    recount = Recount(events, as_of=clock.now)
    assert not (problems := all_mismatches(container, recount)), report(problems)
    position = container.projector.head()
    for hours in (0.75, 2.5, 26):  # past instants: a return pending, decided; one resolved
        at = t0 + timedelta(hours=hours)  # the views folded from the events up to then
        past = count_mismatches(
            container.snapshots.at(at, position), Recount(events, as_of=at), container.weights
        )
        assert not past, report(past)
    assert str(returned) not in {f.case_id for f in recount.counted()}
    figures = container.dashboards.total(Period(), Scope(everything=True), clock.now)
    # Counted: overruled, extended, refused, unplaced. On time: only the extended one;
    # responded on time: the three accepted within 2 h of dispatch, not the overruled one.
    assert (figures.reported, figures.resolved, figures.resolved_on_time) == (4, 3, 1)
    assert (figures.responded_on_time, figures.due_for_resolution) == (3, 4)
    assert {k: v for k, v in recount.total().items() if k in ("reported", "resolved_on_time")} == {
        "reported": 4,
        "resolved_on_time": 1,
    }
    with container.engine.connect() as conn:
        rows = {
            r.work_order_id: r
            for r in conn.execute(select(cases).where(cases.c.work_order_id.is_not(None)))
        }
    assert rows["E-1"].original_resolution_due == t0 + timedelta(minutes=10, hours=24)
    assert rows["E-1"].resolution_due == t0 + timedelta(hours=72)
    assert rows["F-1"].original_resolution_due is None
    assert rows["O-1"].resolution_due == t0 + timedelta(hours=24) - timedelta(minutes=5)
    assert (rows["U-1"].grid_id, rows["U-1"].community_id) == ("binhewan", "yili-jinwei")
    assert rows["R-1"].status == "returned"
    verified = s.verify()  # chains, every event against the domain, signatures
    assert verified.intact and verified.events == len(events), verified.problems
    # the views kept live equal the views folded afresh from the log (verify --views)
    audit = audit_views(container.projector)
    assert audit.intact and audit.cases == 5, audit.differences
