"""Section 3, projections: rebuild speed against a raw read, and the lag behind steady writers."""

from __future__ import annotations

import time
from typing import Any

from bench import projector_runs, writers
from bench.children import percentile
from bench.harness import Harness
from bench.report import Figure
from infrastructure.settings import Settings


def rebuild(h: Harness, s: Settings, cases: int) -> dict[str, Any]:
    """Empty the views and rebuild them from the whole log, in a child process."""
    h.log(f"  rebuilding the views over {cases:,} cases")
    r = h.run_child(projector_runs.rebuild, s.model_dump())
    h.log(
        f"  rebuild: {r['applied']:,} events in {r['seconds']:.1f}s = {r['applied'] / r['seconds']:,.0f} events/s"
        f" (read+decode alone {r['decoded'] / r['decode_seconds']:,.0f}/s, raw read {r['raw_events'] / r['raw_seconds']:,.0f}/s)"
    )
    return r


def rebuild_figures(h: Harness, rebuilds: dict[int, dict[str, Any]], floor_kb: int) -> None:
    for cases, r in sorted(rebuilds.items()):
        rate = r["applied"] / r["seconds"]
        raw = r["raw_events"] / r["raw_seconds"]
        last = cases == max(rebuilds)
        h.results.add(
            "projections",
            Figure(
                f"rebuild (catch-up from empty) over {r['applied']:,} events ({cases:,} cases)",
                rate,
                "events/s",
                raw,
                "raw psycopg read of the same rows, pages of 5000",
                target="≥ 50,000 events/s" if last else None,
                met=(rate >= 50_000) if last else None,
                detail=f"{r['seconds']:.1f}s; read+decode without writing: {r['decoded'] / r['decode_seconds']:,.0f} events/s",
                extra=r,
            ),
        )
    r = rebuilds[max(rebuilds)]
    h.results.add(
        "memory",
        Figure(
            "projection worker peak RSS during rebuild (VmHWM)",
            r["vm_hwm_kb"] / 1024,
            "MB",
            floor_kb / 1024,
            "a process that only imported the app",
            better="lower",
        ),
    )


def lag(h: Harness, s: Settings, loaded: int, floor_kb: int) -> None:
    size = h.size
    h.log(
        f"  lag: projector following writers at {size.lag_rate:.0f} commands/s for {size.lag_seconds}s"
    )
    ready = h.ctx.Event()
    start = h.ctx.Event()
    fp, fq = h.start(projector_runs.follow, s.model_dump(), size.lag_seconds + 1.0, 0.05, ready)
    if not ready.wait(600):
        raise RuntimeError("projector did not start")
    wp, wq = h.start(
        writers.paced_writers,
        s.model_dump(),
        8,
        size.lag_rate,
        size.lag_seconds,
        50_000_000,
        h.seed,
        start,
    )
    time.sleep(0.5)
    start.set()
    w = h.collect(wp, wq, timeout=600)
    f = h.collect(fp, fq, timeout=600)
    done = sum(t["commands"] for t in w["threads"])
    rate = done / size.lag_seconds
    lags = [x[2] for x in f["samples"]]
    noop = [x[3] for x in f["samples"]]
    h.log(
        f"  lag at {rate:.0f} commands/s: p50 {percentile(lags, 0.5):.0f} p99 {percentile(lags, 0.99):.0f} max {max(lags)} events;"
        f" no-op subscriber p99 {percentile(noop, 0.99):.0f}; drained in {f['drain_seconds'] * 1000:.0f} ms"
    )
    for q, label in ((0.5, "p50"), (0.99, "p99")):
        h.results.add(
            "projections",
            Figure(
                f"lag under {rate:.0f} commands/s steady writes: {label} (head − position)",
                percentile(lags, q),
                "events",
                percentile(noop, q),
                "no-op subscriber on the same log (LISTEN/NOTIFY only)",
                better="lower",
                detail=f"max {max(lags)}; ≈ {percentile(lags, q) / max(rate, 1) * 1000:.0f} ms of writes; drained {f['drain_seconds'] * 1000:.0f} ms after writers stopped",
            ),
        )
    h.results.detail(
        "projections", "lag_samples", f["samples"][:: max(1, len(f["samples"]) // 200)]
    )
    h.results.add(
        "memory",
        Figure(
            "projection worker peak RSS while following (VmHWM)",
            f["vm_hwm_kb"] / 1024,
            "MB",
            floor_kb / 1024,
            "a process that only imported the app",
            better="lower",
        ),
    )
