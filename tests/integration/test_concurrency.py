"""Commands racing on one case: no event is lost, the loser gets a clear conflict."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from application.errors import ConcurrencyConflict
from infrastructure.settings import Settings
from interfaces.bootstrap import build_case_service
from tests.support.actors import GRID_LEAD
from tests.support.raw_db import RawDb

WRITERS = 8


class BarrierClock:
    """The service reads the clock after loading a case and before saving it:
    holding every writer here until all have loaded forces a real race."""

    def __init__(self, parties: int) -> None:
        self.barrier = threading.Barrier(parties, timeout=20)
        self.armed = False

    def __call__(self) -> datetime:
        if self.armed:
            self.barrier.wait()
        return datetime.now(UTC)


def test_racing_writers_one_wins_the_rest_get_conflicts(settings: Settings, raw: RawDb) -> None:
    clock = BarrierClock(WRITERS)
    with build_case_service(settings, clock=clock) as service:
        case_id = service.report_case(
            actor=GRID_LEAD, grid_id="binhewan", category_id="ebike", title="race"
        ).case_id
        clock.armed = True

        def write(i: int) -> str:
            try:
                service.add_note(case_id, actor=GRID_LEAD, text=f"writer {i}")
                return "ok"
            except ConcurrencyConflict:
                return "conflict"

        with ThreadPoolExecutor(WRITERS) as pool:
            outcomes = list(pool.map(write, range(WRITERS)))

        assert outcomes.count("ok") == 1
        assert outcomes.count("conflict") == WRITERS - 1
        assert service.get_case(case_id).version == 2
        assert raw.count() == 2
        assert service.verify().intact


def test_writers_that_retry_on_conflict_lose_no_event(settings: Settings) -> None:
    with build_case_service(settings) as service:
        case_id = service.report_case(
            actor=GRID_LEAD, grid_id="binhewan", category_id="ebike", title="race"
        ).case_id

        def write(i: int) -> int:
            attempts = 0
            while True:
                attempts += 1
                try:
                    service.add_note(case_id, actor=GRID_LEAD, text=f"writer {i}")
                    return attempts
                except ConcurrencyConflict:
                    continue

        with ThreadPoolExecutor(WRITERS) as pool:
            attempts = list(pool.map(write, range(WRITERS * 4)))

        case = service.get_case(case_id)
        assert case.version == 1 + WRITERS * 4
        assert sorted(n.text for n in case.notes) == sorted(
            f"writer {i}" for i in range(WRITERS * 4)
        )
        assert sum(attempts) >= WRITERS * 4
        assert service.verify().intact
