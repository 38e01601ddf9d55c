"""Group commit keeps the event log gap-free and in commit order under racing writers.

A follower polls the log while many threads write through the group-committing
store; if any id became visible before a smaller one, the follower (which always
asks for "after the last id I saw") would skip events. It must miss nothing.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from infrastructure.group_commit import GroupCommitRecorder
from infrastructure.settings import Settings
from interfaces.bootstrap import build_case_service
from tests.support.actors import GRID_LEAD
from tests.support.raw_db import RawDb

WRITERS = 16
COMMANDS_PER_WRITER = 40


def test_follower_misses_nothing_while_writers_race(settings: Settings, raw: RawDb) -> None:
    settings = settings.model_copy(update={"pool_size": WRITERS + 4, "group_commit": True})
    with build_case_service(settings) as service:
        seen: list[tuple[int, object, int]] = []
        stop = threading.Event()

        def follow() -> None:
            last = 0
            while True:
                # Read "stopped" before the page: an empty page read after the writers
                # stopped is proof that nothing is left to see.
                stopped = stop.is_set()
                page = service.recorder.select_notifications(last + 1, 500)
                for n in page:
                    seen.append((n.id, n.originator_id, n.originator_version))
                    last = n.id
                if not page and stopped:
                    return

        def write(i: int) -> int:
            case_id = service.report_case(
                actor=GRID_LEAD, grid_id="binhewan", category_id="ebike", title=f"w{i}"
            ).case_id
            for j in range(COMMANDS_PER_WRITER - 1):
                service.add_note(case_id, actor=GRID_LEAD, text=f"{i}-{j}")
            return COMMANDS_PER_WRITER

        follower = threading.Thread(target=follow)
        follower.start()
        with ThreadPoolExecutor(WRITERS) as pool:
            written = sum(pool.map(write, range(WRITERS)))
        stop.set()
        follower.join(timeout=30)

        assert written == WRITERS * COMMANDS_PER_WRITER
        ids = [s[0] for s in seen]
        assert ids == list(range(1, written + 1)), "the follower skipped or repeated an event"
        stored = raw.execute("SELECT originator_id, originator_version FROM {events}")
        assert len({(str(o), v) for _, o, v in seen}) == len(stored) == written
        writer = service.events.recorder
        assert isinstance(writer, GroupCommitRecorder)
        assert writer.batches < writer.requests, "concurrent commands were never batched"
        assert service.verify().intact


def test_conflicting_commands_in_one_batch_fail_only_the_later(settings: Settings) -> None:
    settings = settings.model_copy(update={"pool_size": 12})
    with build_case_service(settings) as service:
        case_id = service.report_case(
            actor=GRID_LEAD, grid_id="binhewan", category_id="ebike", title="race"
        ).case_id
        barrier = threading.Barrier(8)

        def note(i: int) -> str:
            case = service.repository.get(case_id)
            case.note(actor=GRID_LEAD, at=case.modified_on, text=f"n{i}")
            barrier.wait()
            try:
                service.save(case)
                return "ok"
            except Exception as e:  # noqa: BLE001 - classify below
                return type(e).__name__

        with ThreadPoolExecutor(8) as pool:
            outcomes = list(pool.map(note, range(8)))
        assert outcomes.count("ok") == 1
        assert set(outcomes) - {"ok"} == {"IntegrityError"}
        assert service.get_case(case_id).version == 2
