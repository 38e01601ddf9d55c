"""The one history that sections 3–5 read: loaded through ``CaseService`` by writer processes.

Case ``i`` of the history is planned by ``bench.histories.busy_district`` from its own seeded stream; the
loader splits the cases by lane over processes and threads (group commit on).
"""

from __future__ import annotations

import os
import time
import traceback
from typing import Any

from bench import audit, children, dashboards, db, projections
from bench.harness import Harness
from bench.histories.busy_district import LANES
from bench.histories.loading import run_simulated
from bench.histories.steps import SimClock
from infrastructure.group_commit import GroupCommitRecorder
from infrastructure.settings import Settings


def run(h: Harness, sections: set[str]) -> None:
    """Sections 3, 4 and 5 on one history, grown to each size point: projections, dashboards, audit."""
    size = h.size
    schema = h.schema("hist")
    s = h.settings(schema, pool_size=size.load_threads, max_overflow=4)
    token = h.admin_token(s)  # also creates every table
    points = size.history if "dashboards" in sections else size.history[-1:]
    loaded = 0
    floor = h.run_child(children.import_floor)["vm_hwm_kb"]
    h.results.detail("memory", "import_floor_kb", floor)
    dash: dict[int, dict[str, Any]] = {}
    rebuilds: dict[int, dict[str, Any]] = {}
    server_hwm = 0
    with h.server("chuishao", h.settings(schema), "--no-projections") as (base, proc):
        for cases in points:
            load(h, s, loaded, cases)
            loaded = cases
            rebuilds[cases] = projections.rebuild(h, s, cases)
            if "dashboards" in sections:
                dash[cases] = dashboards.measure(h, base, token, cases)
            server_hwm = db.vm_hwm_kb(proc.pid) or server_hwm
    events = db.event_sizes(h.url, schema)[0]
    h.results.detail("projections", "history", {"cases": loaded, "events": events})
    if "projections" in sections or "memory" in sections:
        projections.rebuild_figures(h, rebuilds, floor)
    if "dashboards" in sections:
        dashboards.figures(h, dash, server_hwm)
    if "audit" in sections:
        audit.run(h, s)
    if "projections" in sections or "memory" in sections:
        projections.lag(h, s, loaded, floor)


def load(h: Harness, s: Settings, lo: int, hi: int) -> None:
    size = h.size
    procs, threads = size.load_procs, size.load_threads
    lanes = list(range(LANES))
    per_proc = [lanes[p::procs] for p in range(procs)]
    progress = h.ctx.Value("q", 0)
    t0 = time.perf_counter()
    loaders = [
        h.start(
            load_history,
            s.model_dump(),
            [mine[t::threads] for t in range(threads) if mine[t::threads]],
            lo,
            hi,
            h.seed,
            progress,
        )
        for mine in per_proc
    ]
    expected = (hi - lo) * 10
    last = 0.0
    while any(p.is_alive() for p, _ in loaders) and all(q.empty() for _, q in loaders):
        time.sleep(0.5)
        if time.perf_counter() - last > 15:
            last = time.perf_counter()
            done = progress.value
            rate = done / (time.perf_counter() - t0)
            h.log(
                f"  loading cases {lo:,}–{hi:,}: {done:,} commands (~{expected:,}), {rate:,.0f}/s"
            )
    out = [h.collect(p, q, timeout=24 * 3600) for p, q in loaders]
    took = time.perf_counter() - t0
    threads_out = [t for o in out for t in o["threads"]]
    fatal = [t["fatal"] for t in threads_out if "fatal" in t]
    if fatal:
        raise RuntimeError(fatal[0])
    errors: dict[str, int] = {}
    for t in threads_out:
        for k, v in t["errors"].items():
            errors[k] = errors.get(k, 0) + v
    n = sum(t["commands"] for t in threads_out)
    gcs = [o["group_commit"] for o in out if o.get("group_commit")]
    per_batch = sum(g[1] for g in gcs) / max(1, sum(g[0] for g in gcs))
    h.log(
        f"  loaded cases {lo:,}–{hi:,}: {n:,} commands in {took:.0f}s = {n / took:,.0f} commands/s"
        f" ({procs} processes × {threads} threads, {per_batch:.1f} commands/batch)"
        + (f" errors {errors}" if errors else "")
    )
    loads = h.results.details.get("projections", {}).get("loads", [])
    loads.append(
        {
            "cases": [lo, hi],
            "commands": n,
            "seconds": took,
            "commands_per_s": n / took,
            "errors": errors,
            "processes": procs,
            "threads": threads,
            "commands_per_batch": per_batch,
        }
    )
    h.results.detail("projections", "loads", loads)


def load_history(
    settings: dict[str, Any],
    lanes: list[list[int]],
    lo: int,
    hi: int,
    seed: int,
    progress: Any,
    out: Any,
) -> None:
    """Issue every command of cases [lo, hi) in the given lanes, one thread per lane set."""
    try:
        clock = SimClock()
        svc = children.service(children.settings_from(settings), clock=clock)
        planner = children.planner(svc, seed)

        def thread(k: int) -> dict[str, Any]:
            indices = sorted(
                i for lane in lanes[k] for i in range(lo + (lane - lo) % LANES, hi, LANES)
            )
            errors: dict[str, int] = {}
            pending = 0

            def tick(_: Any) -> None:
                nonlocal pending
                pending += 1
                if pending >= 50:
                    with progress.get_lock():
                        progress.value += pending
                    pending = 0

            n = run_simulated(svc, clock, planner, indices, tick, errors)
            with progress.get_lock():
                progress.value += pending
            return {"commands": n, "errors": errors}

        results = children.run_threads(len(lanes), thread)
        writer = svc.events.recorder
        gc = (writer.batches, writer.requests) if isinstance(writer, GroupCommitRecorder) else None
        svc.close()
        out.put({"pid": os.getpid(), "threads": results, "group_commit": gc})
    except BaseException:
        out.put({"pid": os.getpid(), "fatal": traceback.format_exc()})
