"""The recorder reads the last signed row in the round trip that takes the writer lock:
services writing at once (each its own pool, so no shared group commit) and checkpoints
signed in between still leave one unbroken signed chain that covers every event."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from infrastructure.settings import Settings
from interfaces.bootstrap import build_case_service
from tests.support.actors import GRID_LEAD
from tests.support.raw_db import RawDb

SERVICES = 3
NOTES = 6


@pytest.mark.postgres
def test_racing_services_and_checkpoints_leave_one_signed_chain(
    settings: Settings, raw: RawDb
) -> None:
    if not settings.database_url:
        pytest.skip("the writer lock and its round trips are PostgreSQL's")
    services = [build_case_service(settings) for _ in range(SERVICES)]
    stop = threading.Event()
    try:
        start = threading.Barrier(SERVICES + 1, timeout=30)

        def write(k: int) -> int:
            service = services[k]
            case_id = service.report_case(
                actor=GRID_LEAD, grid_id="binhewan", category_id="ebike", title=f"w{k}"
            ).case_id
            start.wait()
            for i in range(NOTES):
                service.add_note(case_id, actor=GRID_LEAD, text=f"{k}-{i}")
            return service.get_case(case_id).version

        def checkpoints() -> int:
            start.wait()
            n = 0
            while not stop.is_set() and n < 20:
                services[0].checkpoint()
                n += 1
            return n

        with ThreadPoolExecutor(SERVICES + 1) as pool:
            marks = pool.submit(checkpoints)
            versions = list(pool.map(write, range(SERVICES)))
            stop.set()
            assert marks.result() >= 1
        assert versions == [NOTES + 1] * SERVICES
        assert raw.count() == SERVICES * (NOTES + 1)
        report = services[1].verify()
        assert report.intact, report
        assert report.log is not None and report.log.intact and not report.log.problems
    finally:
        stop.set()
        for service in services:
            service.close()
