"""Section 3, projections: rebuild speed against a raw read, and the lag behind steady writers."""

from __future__ import annotations

import math
import time
from typing import Any

from bench import projector_runs, writers
from bench.children import percentile
from bench.figures import figure
from bench.harness import Harness
from infrastructure.settings import Settings


def rebuild(h: Harness, s: Settings, cases: int) -> dict[str, Any]:
    """Empty the views and rebuild them from the whole log, in a child process."""
    h.log(f"  rebuilding the views over {cases:,} cases")
    r = h.run_child(projector_runs.rebuild, s.model_dump())
    h.log(
        f"  rebuild: {r['applied']:,} events in {r['seconds']:.1f}s = {r['applied'] / r['seconds']:,.0f} events/s"
        f" (read+decode alone {r['decoded'] / r['decode_seconds']:,.0f}/s, raw read {r['raw_events'] / r['raw_seconds']:,.0f}/s)"
    )
    for workers in (1, 2):
        n, took = r[f"fast{workers}_applied"], r[f"fast{workers}_seconds"]
        h.log(
            f"  rebuild command, {workers} worker(s): {n:,} events in {took:.1f}s = {n / took:,.0f} events/s"
        )
    return r


def rebuild_figures(h: Harness, rebuilds: dict[int, dict[str, Any]], floor_kb: int) -> None:
    for cases, r in sorted(rebuilds.items()):
        rate = r["applied"] / r["seconds"]
        raw = r["raw_events"] / r["raw_seconds"]
        name = f"catch-up from empty over {r['applied']:,} events ({cases:,} cases)"
        h.results.add(
            figure(
                "projections",
                name,
                rate,
                "events/s",
                raw,
                "raw psycopg read of the same rows, pages of 5000",
                detail=f"{r['seconds']:.1f}s; read+decode without writing: {r['decoded'] / r['decode_seconds']:,.0f} events/s",
            )
        )
        for workers in (1, 2):
            n, took = r[f"fast{workers}_applied"], r[f"fast{workers}_seconds"]
            h.results.add(
                figure(
                    "projections",
                    f"rebuild command (`projections rebuild --workers {workers}`) over {n:,} events ({cases:,} cases)",
                    n / took,
                    "events/s",
                    raw,
                    "raw psycopg read of the same rows, pages of 5000",
                    target="rebuild" if cases == max(rebuilds) and workers == 1 else None,
                    detail=f"{took:.1f}s: fresh tables folded from the stored JSON, bulk-written, swapped in",
                )
            )
        h.results.detail("projections", name, r)
    r = rebuilds[max(rebuilds)]
    h.results.add(
        figure(
            "memory",
            "projection worker peak RSS during rebuild (VmHWM)",
            r["vm_hwm_kb"] / 1024,
            "MB",
            floor_kb / 1024,
            "a process that only imported the app",
            better="lower",
        )
    )


LAG_WRITERS = 32  # the target is set at 32 writers


def _lag_run(h: Harness, s: Settings, rate: float, case_base: int) -> dict[str, Any]:
    """Writers (``rate`` commands/s in all; ``math.inf``: as fast as they go) while a
    projector process follows; the lag samples, the events per commit batch, the drain."""
    size = h.size
    pace = "at their full rate" if math.isinf(rate) else f"paced at {rate:.0f} commands/s"
    h.log(f"  lag: projector following {LAG_WRITERS} writers {pace} for {size.lag_seconds}s")
    ready = h.ctx.Event()
    start = h.ctx.Event()
    stopped = h.ctx.Value("d", 0.0)
    fp, fq = h.start(
        projector_runs.follow, s.model_dump(), size.lag_seconds + 120.0, 0.05, ready, stopped
    )
    if not ready.wait(600):
        raise RuntimeError("projector did not start")
    wp, wq = h.start(
        writers.paced_writers,
        s.model_dump(),
        LAG_WRITERS,
        rate,
        size.lag_seconds,
        case_base,
        h.seed,
        start,
        stopped,
    )
    time.sleep(0.5)
    start.set()
    w = h.collect(wp, wq, timeout=600)
    f = h.collect(fp, fq, timeout=600)
    done = sum(t["commands"] for t in w["threads"])
    lags = [x[2] for x in f["samples"]]
    noop = [x[3] for x in f["samples"]]
    batches = w["group_commit"][0] if w.get("group_commit") else done
    r = {
        "rate": done / size.lag_seconds,
        "lags": lags,
        "noop": noop,
        "batches": batches,
        "events": f["events"],
        "batch_events": f["events"] / max(1, batches),  # events of one commit batch, this run
        "drain_ms": f["drain_seconds"] * 1000,
        "follower": f,
    }
    h.log(
        f"  lag at {r['rate']:.0f} commands/s: p50 {percentile(lags, 0.5):.0f}"
        f" p99 {percentile(lags, 0.99):.0f} max {max(lags)} events;"
        f" {r['batch_events']:.1f} events/commit batch; no-op subscriber p99 {percentile(noop, 0.99):.0f};"
        f" drained {r['drain_ms']:.0f} ms after the writers stopped"
    )
    return r


def lag(h: Harness, s: Settings, loaded: int, floor_kb: int) -> None:
    """The targets are judged with the writers at their full rate (the write path's whole
    throughput, about ten commands per commit batch at 32 writers); a paced run beside it
    shows the lag when batches hold about one event each."""
    full = _lag_run(h, s, math.inf, 50_000_000)
    paced = _lag_run(h, s, h.size.lag_rate, 60_000_000)
    for r, target in ((full, True), (paced, False)):
        lags, noop, rate = r["lags"], r["noop"], r["rate"]
        how = "full-rate" if target else "paced"
        h.results.add(
            figure(
                "projections",
                f"lag under {rate:.0f} commands/s ({how}) from {LAG_WRITERS} writers: p99 (head − position)",
                percentile(lags, 0.99),
                "events",
                r["batch_events"],
                f"events of one commit batch ({r['batches']:,} batches, {r['events']:,} events)",
                better="lower",
                target="lag_p99" if target else None,
                detail=f"max {max(lags)}; no-op subscriber p99 {percentile(noop, 0.99):.0f}",
            )
        )
        h.results.add(
            figure(
                "projections",
                f"lag under {rate:.0f} commands/s ({how}) writes: p50 (head − position)",
                percentile(lags, 0.5),
                "events",
                percentile(noop, 0.5),
                "no-op subscriber on the same log (LISTEN/NOTIFY only)",
                better="lower",
                detail=f"≈ {percentile(lags, 0.5) / max(rate, 1) * 1000:.0f} ms of writes",
            )
        )
        h.results.add(
            figure(
                "projections",
                f"drain ({how}): writers stopped → every view at the head",
                r["drain_ms"],
                "ms",
                None,
                "",
                better="lower",
                target="lag_drain" if target else None,
            )
        )
    f = full["follower"]
    h.results.detail(
        "projections", "lag_samples", f["samples"][:: max(1, len(f["samples"]) // 200)]
    )
    h.results.add(
        figure(
            "memory",
            "projection worker peak RSS while following (VmHWM)",
            f["vm_hwm_kb"] / 1024,
            "MB",
            floor_kb / 1024,
            "a process that only imported the app",
            better="lower",
        )
    )
