"""The history is exactly the events: replay, JSON-friendly payloads, upcasting, labels.

Each command records its one event with the right payload, and the events build the state.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from domain import events as ev
from domain.case import Case
from domain.values import Satisfaction
from tests.support.cases import (
    COORDINATOR,
    LIAISON,
    POLICE,
    evaluate,
    later,
    resolve,
    whistled_case,
)


def _replay(events: list[Any]) -> Case:
    case = None
    for event in events:
        case = event.mutate(case)
    assert isinstance(case, Case)
    return case


def _state(case: Case) -> dict[str, Any]:
    return {k: v for k, v in vars(case).items() if k != "_pending_events"}


def test_replaying_the_events_rebuilds_the_same_case():
    case, whistle_id = whistled_case()
    case.report_in(actor=LIAISON, at=later(case), whistle_id=whistle_id, unit_id=POLICE)
    case.pledge(
        actor=COORDINATOR, at=later(case), party_kind="government", party_name="g", amount_fen=9
    )
    resolve(case)
    evaluate(case, Satisfaction.UNSATISFIED)
    case.reopen(actor=COORDINATOR, at=later(case), reason="再办")
    case.evaluate_unit(
        actor=COORDINATOR, at=later(case), whistle_id=whistle_id, unit_id=POLICE, score=1
    )

    replayed = _replay(list(case.pending_events))

    assert replayed.version == case.version
    assert _state(replayed) == _state(case)


_JSON_FRIENDLY = (str, int, bool, datetime, list, type(None), UUID)


def test_event_payloads_hold_only_json_friendly_values():
    case, whistle_id = whistled_case()
    case.report_in(actor=LIAISON, at=later(case), whistle_id=whistle_id, unit_id=POLICE)
    case.pledge(
        actor=COORDINATOR, at=later(case), party_kind="enterprise", party_name="e", amount_fen=5
    )
    resolve(case)
    evaluate(case)
    case.evaluate_unit(
        actor=COORDINATOR, at=later(case), whistle_id=whistle_id, unit_id=POLICE, score=80
    )
    case.close(actor=COORDINATOR, at=later(case))

    for event in case.pending_events:
        for name, value in vars(event).items():
            where = f"{type(event).__name__}.{name} is {type(value).__name__}"
            assert type(value) in _JSON_FRIENDLY, where
            if isinstance(value, list):  # ids, or {whistle_id, unit_id, note} records
                assert all(
                    type(v) is str or (type(v) is dict and all(type(x) is str for x in v.values()))
                    for v in value
                ), where


def test_progress_noted_v1_upcasts_to_a_plain_progress_note():
    state: dict[str, Any] = {"text": "旧记录"}

    ev.ProgressNoted.upcast_v1_v2(state)

    assert state == {"text": "旧记录", "kind": "progress"}
    assert ev.ProgressNoted.class_version == 2


def test_every_event_has_a_chinese_label():
    event_classes = {
        name
        for name, obj in vars(ev).items()
        if isinstance(obj, type)
        and issubclass(obj, (ev.CaseEvent, ev.CaseReported))
        and obj is not ev.CaseEvent
    }

    assert event_classes == set(ev.EVENT_LABELS)
    assert (
        len(event_classes) == 27
    )  # 15 + 期限提醒, 合并到, 合并来电, 共驻共建服务, 8 of 12345 orders
