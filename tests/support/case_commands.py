"""Every instance command of a case, with arguments that some case state accepts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from domain.case import Case
from domain.values import Level, PartyKind, Satisfaction, Solved
from tests.support.cases import COORDINATOR, GRID_LEAD, LIAISON, OTHER_CASE_ID, POLICE

COMMANDS: dict[str, Callable[[Case, datetime], object]] = {
    "note": lambda c, at: c.note(actor=GRID_LEAD, at=at, text="入户走访"),
    "escalate": lambda c, at: c.escalate(
        actor=GRID_LEAD, at=at, to_level=Level.DISTRICT, reason="需区级协调"
    ),
    "blow_whistle": lambda c, at: c.blow_whistle(
        actor=COORDINATOR,
        at=at,
        unit_ids=[POLICE],
        report_in_deadline=at + timedelta(minutes=30),
        reason="联合执法",
    ),
    "report_in": lambda c, at: c.report_in(actor=LIAISON, at=at, whistle_id="W1", unit_id=POLICE),
    "pledge": lambda c, at: c.pledge(
        actor=COORDINATOR,
        at=at,
        party_kind=PartyKind.ENTERPRISE,
        party_name="亿利集团",
        amount_fen=360_000,
    ),
    "resolve": lambda c, at: c.resolve(actor=COORDINATOR, at=at, summary="已解决"),
    "evaluate": lambda c, at: c.evaluate(
        actor=GRID_LEAD, at=at, solved=Solved.SOLVED, satisfaction=Satisfaction.SATISFIED
    ),
    "evaluate_unit": lambda c, at: c.evaluate_unit(
        actor=COORDINATOR, at=at, whistle_id="W1", unit_id=POLICE, score=90
    ),
    "reopen": lambda c, at: c.reopen(actor=COORDINATOR, at=at, reason="居民不满意"),
    "close": lambda c, at: c.close(actor=COORDINATOR, at=at),
    "withdraw": lambda c, at: c.withdraw(actor=GRID_LEAD, at=at, reason="撤回"),
    "mark_duplicate": lambda c, at: c.mark_duplicate(
        actor=GRID_LEAD, at=at, original_case_id=OTHER_CASE_ID
    ),
}
