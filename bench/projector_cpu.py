"""CPU of the live projector per applied page: ``python -m bench.projector_cpu``.

The lag is what one live catch-up costs (a wake-up finds a few commit batches waiting),
so this replays a loaded history through ``Projector.catch_up`` in pages of the live
size: the log's head is held back (``select_notifications`` capped) and moved on by
``--page`` events before each catch-up, exactly as writers committing would. The views
are followed from the history's start to warm the rows kept between catch-ups, then
``--rounds`` catch-ups are timed: this process's CPU (``time.process_time``; the
projector runs in this thread), the wall time, and the CPU of this process's
PostgreSQL backends (``/proc/<pid>/stat`` of each connection's server process).

``--schema S`` reuses a history (e.g. from ``python -m bench --keep``); otherwise a
fresh schema is loaded with ``--cases`` cases by 32 writer threads (group commit on)
and dropped afterwards. ``--profile`` prints cProfile's top functions of the rounds.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

from bench import children, db, district, proc_cpu
from bench.histories.busy_district import LANES
from bench.histories.loading import run_simulated
from bench.histories.steps import SimClock
from bench.proc_cpu import cpu_of, own_ports


def backend_pids(url: str) -> set[int]:
    """The server processes of this process's connections (the asking one left out)."""
    ports = own_ports()
    with psycopg.connect(url, autocommit=True) as conn:
        return proc_cpu.backend_pids(conn, ports)


def load(settings: Any, cases: int, threads: int = 32) -> None:
    clock = SimClock()
    svc = children.service(settings, clock=clock)
    planner = children.planner(svc, 7)
    lanes = list(range(LANES))

    def thread(k: int) -> dict[str, Any]:
        mine = lanes[k::threads]
        indices = sorted(i for lane in mine for i in range(lane, cases, LANES))
        return {"commands": run_simulated(svc, clock, planner, indices, None, {})}

    t0 = time.perf_counter()
    done = sum(r.get("commands", 0) for r in children.run_threads(threads, thread))
    svc.close()
    print(
        f"loaded {cases} cases: {done} commands in {time.perf_counter() - t0:.0f}s", file=sys.stderr
    )


class Capped:
    """The recorder's ``select_notifications`` with the head held at ``cap``."""

    def __init__(self, recorder: Any) -> None:
        self.original = recorder.select_notifications
        self.cap = 0

    def __call__(self, start: int, limit: int, stop: int | None = None, **kw: Any) -> Any:
        stop = self.cap if stop is None else min(stop, self.cap)
        return self.original(start, limit, stop=stop, **kw)


def measure(c: Any, url: str, page: int, rounds: int, warm: int, profile: bool) -> dict[str, float]:
    projector, recorder = c.projector, c.service.recorder
    head = recorder.max_notification_id() or 0
    capped = Capped(recorder)
    recorder.select_notifications = capped
    try:
        for view in projector.views:
            view.reset()
        first = max(0, head - page * (rounds + warm))
        capped.cap = first
        projector.catch_up()  # the history before the live part, in big transactions
        for _ in range(warm):  # the rows kept between catch-ups warm up
            capped.cap += page
            projector.catch_up()
        pids = backend_pids(url)
        cpu, wall, applied = [], [], 0
        pg0 = cpu_of(pids)
        prof = cProfile.Profile(time.process_time) if profile else None  # CPU, not waits
        for _ in range(rounds):
            capped.cap += page
            c0, w0 = time.process_time(), time.perf_counter()
            if prof is not None:
                prof.enable()
            applied += projector.catch_up()
            if prof is not None:
                prof.disable()
            cpu.append(time.process_time() - c0)
            wall.append(time.perf_counter() - w0)
        pg = cpu_of(pids) - pg0
    finally:
        del recorder.select_notifications
    if prof is not None:
        stats = pstats.Stats(prof, stream=sys.stderr)
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(40)
    return {
        "page": page,
        "applied": applied,
        "cpu_ms_p50": statistics.median(cpu) * 1000,
        "cpu_ms_mean": statistics.fmean(cpu) * 1000,
        "cpu_ms_per_event": sum(cpu) / max(1, applied) * 1000,
        "wall_ms_p50": statistics.median(wall) * 1000,
        "pg_ms_per_page": pg / rounds * 1000,
        "pg_ms_per_event": pg / max(1, applied) * 1000,
        "backends": len(pids),
    }


def main() -> None:
    from interfaces.bootstrap import build_container

    parser = argparse.ArgumentParser(prog="python -m bench.projector_cpu", description=__doc__)
    parser.add_argument("--database-url", default=db.bench_url())
    parser.add_argument("--schema", help="an existing history (else a fresh one is loaded)")
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--pages", default="5,10,50", help="events per catch-up, comma-separated")
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--warm", type=int, default=50)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep a freshly loaded schema")
    args = parser.parse_args()
    db.ensure_database(args.database_url)
    out = Path(tempfile.gettempdir()) / "chuishao-projector-cpu"
    out.mkdir(exist_ok=True)
    jurisdiction = out / "district.toml"
    if not jurisdiction.exists():
        district.write(jurisdiction)
    schema = args.schema or db.new_schema(args.database_url, "pcpu")
    s = db.settings_for(args.database_url, schema, jurisdiction, data_dir=out / "data")
    try:
        if not args.schema:
            with build_container(s):  # creates every table
                pass
            load(s, args.cases)
            print(f"schema {schema}", file=sys.stderr)
        with build_container(s) as c:
            for page in (int(p) for p in args.pages.split(",")):
                r = measure(c, args.database_url, page, args.rounds, args.warm, args.profile)
                print(
                    f"page {page:3d}: projector CPU p50 {r['cpu_ms_p50']:.2f} ms/page"
                    f" (mean {r['cpu_ms_mean']:.2f}), {r['cpu_ms_per_event']:.3f} ms/event;"
                    f" PostgreSQL CPU {r['pg_ms_per_page']:.2f} ms/page,"
                    f" {r['pg_ms_per_event']:.3f} ms/event ({r['backends']} backends);"
                    f" wall p50 {r['wall_ms_p50']:.2f} ms"
                )
    finally:
        if not args.schema and not args.keep:
            db.drop_schema(args.database_url, schema)


if __name__ == "__main__":
    main()
