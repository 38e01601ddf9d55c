"""Section 2, HTTP: the product's API under concurrent clients against a one-INSERT FastAPI app,
one process and `chuishao serve --workers N` (N = cores), each beside the raw app under the
same number of uvicorn workers."""

from __future__ import annotations

from typing import Any

from bench import db, http_clients
from bench.children import percentile
from bench.figures import figure
from bench.harness import Harness


def run(h: Harness) -> None:
    size = h.size
    schema = h.schema("http")
    s = h.settings(schema)
    token = h.admin_token(s)
    db.create_raw_table(h.url, schema)
    refs = {
        "grids": sorted(h.jurisdiction.grids),
        "categories": sorted(h.jurisdiction.categories),
        # units whistled on any case must serve everywhere (units' service areas)
        "units": sorted(u for u, unit in h.jurisdiction.units.items() if unit.serves.everywhere),
        "callback_token": [h.admin_token(s, "callback")],
    }
    n = h.http_workers
    h.log(
        f"HTTP: {size.http_clients} clients, {size.http_seconds}s per workload; 1 and {n} workers"
    )
    # Each product run beside its raw run, back to back: the machine may be shared and noisy.
    got: dict[int, dict[str, dict[str, Any]]] = {}
    server_hwm = raw_hwm = None
    env: dict[str, str] | None = None
    for workers in (1, n) if n > 1 else (1,):
        runs: dict[str, dict[str, Any]] = {}
        with h.server("chuishao", s, workers=workers) as (base, proc):
            for workload in ("post_cases", "mixed"):
                runs[workload] = _http_run(h, base, token, workload, refs, workers)
            if workers == 1:  # the supervisor's own size would say nothing of its children
                server_hwm = db.vm_hwm_kb(proc.pid)
        if env is None:
            _, state_bytes, topic_bytes = db.event_sizes(h.url, schema)
            env = {
                "BENCH_RAW_STATE_BYTES": str(state_bytes),
                "BENCH_RAW_TOPIC_BYTES": str(topic_bytes),
            }
        with h.server("raw", s, env=env, workers=workers) as (base, proc):
            runs["raw"] = _http_run(h, base, token, "raw", refs, workers)
            if workers == 1:
                raw_hwm = db.vm_hwm_kb(proc.pid)
        got[workers] = runs
    h.raw_server_hwm_kb = raw_hwm
    for workers, runs in got.items():
        _figures(h, workers, runs, target=workers == max(got))
    h.results.add(
        figure(
            "memory",
            "HTTP server peak RSS during the HTTP runs (VmHWM)",
            (server_hwm or 0) / 1024,
            "MB",
            (raw_hwm or 0) / 1024,
            "raw FastAPI server after its run",
            better="lower",
            target="server_rss",
            detail="one process (bench.serve), projections in it",
        )
    )


def _figures(h: Harness, workers: int, runs: dict[str, dict[str, Any]], target: bool) -> None:
    """The requests/s and latency rows of one server shape; ``target``: the rows the
    issue's ratios are judged on (the most workers run)."""
    size = h.size
    b = runs["raw"]
    shape = "1 process" if workers == 1 else f"serve --workers {workers}"
    base_name = "FastAPI POST /raw: one INSERT" + (
        "" if workers == 1 else f", {workers} uvicorn workers"
    )
    how = (
        "one process, projections in it"
        if workers == 1
        else f"{workers} uvicorn workers + projector process; raw app under the same "
        f"{workers} uvicorn workers (fair comparison)"
    )
    for workload, label, goal in (
        ("post_cases", "POST /cases", "http_post_cases"),
        ("mixed", "mixed workflow (10 requests per case)", "http_mixed"),
    ):
        r = runs[workload]
        name = f"{label} at {size.http_clients} clients, {shape}: requests/s"
        h.results.add(
            figure(
                "http",
                name,
                r["rps"],
                "req/s",
                b["rps"],
                base_name,
                target=goal if target else None,
                detail=f"{how}; p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms "
                f"(raw {b['p50']:.1f}/{b['p99']:.1f}); errors {r['errors']}",
            )
        )
        h.results.detail("http", name, r)
        for q in ("p50", "p99"):
            h.results.add(
                figure(
                    "http",
                    f"{label}, {shape}: {q} latency",
                    r[q],
                    "ms",
                    b[q],
                    f"raw endpoint {q}",
                    better="lower",
                )
            )
    h.results.detail("http", f"raw_endpoint, {shape}", b)


def _http_run(
    h: Harness,
    base: str,
    token: str,
    workload: str,
    refs: dict[str, list[str]],
    workers: int,
) -> dict[str, Any]:
    size = h.size
    r = h.run_child(
        http_clients.http_load,
        base,
        token,
        workload,
        size.http_clients,
        size.http_seconds,
        refs,
        timeout=600,
    )
    threads = r["threads"]
    fatal = [t["fatal"] for t in threads if "fatal" in t]
    if fatal:
        raise RuntimeError(fatal[0])
    lat = [x for t in threads for x in t["latencies"]]
    n = sum(t["requests"] for t in threads)
    statuses: dict[str, int] = {}
    for t in threads:
        for k, v in t["statuses"].items():
            statuses[str(k)] = statuses.get(str(k), 0) + v
    out = {
        "requests": n,
        "errors": sum(t["errors"] for t in threads),
        "rps": n / size.http_seconds,
        "p50": percentile(lat, 0.5) * 1000,
        "p99": percentile(lat, 0.99) * 1000,
        "statuses": statuses,
    }
    h.log(
        f"  {workload:10} × {workers}: {out['rps']:6.0f} req/s p50 {out['p50']:.1f} ms p99 {out['p99']:.1f} ms errors {out['errors']}"
    )
    return out
