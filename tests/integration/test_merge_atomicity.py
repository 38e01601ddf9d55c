"""A merge saves every case's event in one transaction: when the store refuses one of them
(another write got to that case first), none of the others is written. Both backends: the
transaction is the store's."""

from __future__ import annotations

from uuid import UUID

import pytest

from application.errors import ConcurrencyConflict
from application.requests import CommandContext
from application.service import CaseService
from domain.case import Case
from tests.support.actors import COORDINATOR, GRID_LEAD


def _report(service: CaseService) -> UUID:
    return service.report_case(
        actor=GRID_LEAD, grid_id="binhewan", category_id="heating", title="暖气不热"
    ).case_id


def test_a_merge_losing_a_race_on_one_case_writes_nothing(service: CaseService) -> None:
    original, a, b = _report(service), _report(service), _report(service)
    head = service.recorder.max_notification_id()

    def someone_else_writes_first(case: Case) -> None:
        if case.id == b:  # after the merge loaded b, another command changes it
            service.add_note(b, actor=COORDINATOR, text="入户走访")

    with pytest.raises(ConcurrencyConflict):
        service.merge_cases(
            original,
            [a, b],
            actor=COORDINATOR,
            context=CommandContext(guard=someone_else_writes_first),
        )
    assert service.recorder.max_notification_id() == head + 1  # the note alone
    assert service.get_case(original).version == 1 and service.get_case(a).version == 1
    assert service.callers_of(original).callers[0].case_id == original
    assert len(service.callers_of(original).callers) == 1
