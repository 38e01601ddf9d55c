"""Stored deadlines outlive calendar updates; the callback rule's setting; 未报到 in old
and new resolutions (both backends)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from application.integrity import seal
from application.service import CaseService
from domain.events import CaseResolved
from domain.values import Level, Satisfaction, Solved
from infrastructure.jurisdiction_file import demo_jurisdiction_path
from infrastructure.settings import Settings
from interfaces.bootstrap import build_case_service
from tests.support.actors import COORDINATOR, GRID_LEAD
from tests.support.clock import FakeClock


def with_local_day_off(tmp_path: Path, day: str) -> Path:
    """The demo jurisdiction with one more local day off, as a deployment would edit it."""
    text = demo_jurisdiction_path().read_text(encoding="utf-8")
    edited = text.replace("local_days_off = []", f'local_days_off = ["{day}"]')
    assert edited != text
    path = tmp_path / "edited.toml"
    path.write_text(edited, encoding="utf-8")
    return path


def report_ebike(service: CaseService):  # type: ignore[no-untyped-def]
    return service.report_case(
        actor=GRID_LEAD, grid_id="binhewan", category_id="ebike", title="楼道充电"
    )


def test_a_calendar_update_never_moves_a_stored_deadline(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    clock.now = datetime(2024, 9, 30, 7, 0, tzinfo=UTC)  # 15:00 in Beijing, before 国庆
    with build_case_service(settings, clock=clock) as before_update:
        old = report_ebike(before_update).case_id
        assert before_update.get_case(old).resolution_due == datetime(
            2024, 10, 15, 16, 0, tzinfo=UTC
        )
    updated = settings.model_copy(
        update={"jurisdiction_file": with_local_day_off(tmp_path, "2024-10-09")}
    )
    with build_case_service(updated, clock=clock) as after_update:
        new = report_ebike(after_update).case_id

        assert after_update.get_case(old).resolution_due == datetime(
            2024, 10, 15, 16, 0, tzinfo=UTC
        )
        assert after_update.get_case(new).resolution_due == datetime(
            2024, 10, 16, 16, 0, tzinfo=UTC
        )
        assert after_update.verify().intact


def test_the_callback_rule_can_be_turned_off(settings: Settings, clock: FakeClock) -> None:
    relaxed = settings.model_copy(update={"separate_callback": False})
    with build_case_service(relaxed, clock=clock) as service:
        case_id = report_ebike(service).case_id
        service.resolve(case_id, actor=GRID_LEAD, summary="已加装充电桩")

        service.evaluate_case(
            case_id, actor=GRID_LEAD, solved=Solved.SOLVED, satisfaction=Satisfaction.SATISFIED
        )

        assert service.get_case(case_id).evaluations[0].satisfaction is Satisfaction.SATISFIED


def test_version_1_resolution_reads_with_no_unanswered_summons(
    service: CaseService, clock: FakeClock
) -> None:
    case_id = report_ebike(service).case_id
    service.escalate(case_id, actor=COORDINATOR, to_level=Level.COMMUNITY, reason="需物业")
    service.blow_whistle(
        case_id,
        actor=COORDINATOR,
        unit_ids=["yljw-property"],
        report_in_deadline=clock.advance(minutes=1).replace(hour=23),
        reason="联合处置",
    )
    head = service.history(case_id)[-1].hash
    at = clock.advance(hours=1)
    # Exactly what version 1 of CaseResolved wrote: no "unanswered", no "class_version".
    v1_state = json.dumps(
        {
            "timestamp": {"_type_": "datetime_iso", "_data_": at.isoformat()},
            "actor_id": "co-old",
            "actor_role": "coordinator",
            "round": 1,
            "level": "community",
            "summary": "旧版办结记录",
        },
        ensure_ascii=False,
    ).encode()
    stored, _ = seal(StoredEvent(case_id, 4, get_topic(CaseResolved), v1_state), head)
    service.recorder.insert_events([stored])

    case = service.get_case(case_id)
    assert case.resolution is not None and case.resolution.actor_id == "co-old"
    assert case.whistles[0].unanswered == {}
    assert service.history(case_id)[-1].data["unanswered"] == []
    assert service.verify().intact
