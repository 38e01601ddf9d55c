"""A case's place on the ground: kept in its report as given (WGS-84), in the ledger, and
absent from reports written before locations existed (CaseReported version 1)."""

from __future__ import annotations

import json
from uuid import uuid4

from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from application.integrity import GENESIS, seal
from application.service import CaseService
from domain.events import CaseReported
from domain.places import Location
from infrastructure.settings import Settings
from infrastructure.sql import make_engine
from interfaces.bootstrap import build_projector
from projections.open311_reads import PublicQuery, public_requests
from tests.support.actors import GRID_LEAD
from tests.support.clock import FakeClock


def test_a_location_is_kept_in_the_report_and_the_ledger(
    service: CaseService, settings: Settings
) -> None:
    where = Location(39.8195, 109.978)
    case_id = service.report_case(
        actor=GRID_LEAD,
        grid_id="chengshi-huating",
        category_id="fire-lane",
        title="消防通道",
        location=where,
    ).case_id
    assert service.get_case(case_id).location == where
    assert service.history(case_id)[0].data["location"] == {
        "lat": 39.8195,
        "long": 109.978,
        "datum": "WGS-84",
    }
    engine = make_engine(settings)
    build_projector(service, engine).catch_up()
    [row] = public_requests(engine, PublicQuery(case_ids=(str(case_id),)), limit=5)
    engine.dispose()
    assert (row["lat"], row["long"], row["reported_role"]) == (39.8195, 109.978, "grid_lead")


def test_a_version_1_report_reads_with_no_location(service: CaseService, clock: FakeClock) -> None:
    case_id = uuid4()
    at = clock.now
    stamp = lambda moment: {"_type_": "datetime_iso", "_data_": moment.isoformat()}  # noqa: E731
    v1_state = json.dumps(
        {
            "timestamp": stamp(at),
            "originator_topic": "domain.case:Case",
            "actor_id": "gl-old",
            "actor_role": "grid_lead",
            "title": "旧版上报",
            "description": "",
            "category_id": "ebike",
            "channel": "patrol",
            "urgency": "normal",
            "district_id": "dongsheng",
            "street_id": "jianshe",
            "community_id": "yili-jinwei",
            "grid_id": "binhewan",
            "response_due": stamp(at),
            "resolution_due": stamp(at),
        },
        ensure_ascii=False,
    ).encode()
    stored, _ = seal(StoredEvent(case_id, 1, get_topic(CaseReported), v1_state), GENESIS)
    service.recorder.insert_events([stored])

    case = service.get_case(case_id)
    assert (case.title, case.location, case.reported_role) == ("旧版上报", None, "grid_lead")
    assert service.history(case_id)[0].data["location"] is None
    assert service.verify().intact
