"""Events stored in an older shape are read correctly after the schema moved on."""

from __future__ import annotations

import json

from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from application.integrity import seal
from application.service import CaseService
from domain.events import ProgressNoted
from domain.values import NoteKind
from tests.support.actors import GRID_LEAD
from tests.support.clock import FakeClock


def test_version_1_progress_note_reads_as_a_progress_kind_note(
    service: CaseService, clock: FakeClock
) -> None:
    case_id = service.report_case(
        actor=GRID_LEAD, grid_id="binhewan", category_id="ebike", title="电动车"
    ).case_id
    head = service.history(case_id)[-1].hash
    at = clock.advance(hours=1)
    # Exactly what version 1 of ProgressNoted wrote: no "kind", no "class_version".
    v1_state = json.dumps(
        {
            "timestamp": {"_type_": "datetime_iso", "_data_": at.isoformat()},
            "actor_id": "gl-old",
            "actor_role": "grid_lead",
            "text": "旧版进展记录",
        },
        ensure_ascii=False,
    ).encode()
    stored, _ = seal(StoredEvent(case_id, 2, get_topic(ProgressNoted), v1_state), head)
    service.recorder.insert_events([stored])

    case = service.get_case(case_id)
    assert case.version == 2
    assert (case.notes[0].kind, case.notes[0].text) == (NoteKind.PROGRESS, "旧版进展记录")
    record = service.history(case_id)[1]
    assert record.data["kind"] == "progress"
    assert service.verify().intact

    service.add_note(case_id, actor=GRID_LEAD, text="新版记录", kind=NoteKind.JOINT_MEETING)
    kinds = [n.kind for n in service.get_case(case_id).notes]
    assert kinds == [NoteKind.PROGRESS, NoteKind.JOINT_MEETING]
