"""Section 2, HTTP: the product's API under concurrent clients against a one-INSERT FastAPI app."""

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
    h.log(f"HTTP: {size.http_clients} clients, {size.http_seconds}s per workload")
    got: dict[str, dict[str, Any]] = {}
    with h.server("chuishao", s) as (base, proc):
        for workload in ("post_cases", "mixed"):
            got[workload] = _http_run(h, base, token, workload, refs)
        server_hwm = db.vm_hwm_kb(proc.pid)
    _, state_bytes, topic_bytes = db.event_sizes(h.url, schema)
    env = {"BENCH_RAW_STATE_BYTES": str(state_bytes), "BENCH_RAW_TOPIC_BYTES": str(topic_bytes)}
    with h.server("raw", s, env=env) as (base, proc):
        got["raw"] = _http_run(h, base, token, "raw", refs)
        raw_hwm = db.vm_hwm_kb(proc.pid)
    h.raw_server_hwm_kb = raw_hwm
    b = got["raw"]
    for workload, label, target in (
        ("post_cases", "POST /cases", "http_post_cases"),
        ("mixed", "mixed workflow (10 requests per case)", "http_mixed"),
    ):
        r = got[workload]
        name = f"{label} at {size.http_clients} clients: requests/s"
        h.results.add(
            figure(
                "http",
                name,
                r["rps"],
                "req/s",
                b["rps"],
                "FastAPI POST /raw: one INSERT",
                target=target,
                detail=f"p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms (raw {b['p50']:.1f}/{b['p99']:.1f}); errors {r['errors']}",
            )
        )
        h.results.detail("http", name, r)
        for q in ("p50", "p99"):
            h.results.add(
                figure(
                    "http",
                    f"{label}: {q} latency",
                    r[q],
                    "ms",
                    b[q],
                    f"raw endpoint {q}",
                    better="lower",
                )
            )
    h.results.detail("http", "raw_endpoint", b)
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
        )
    )


def _http_run(
    h: Harness,
    base: str,
    token: str,
    workload: str,
    refs: dict[str, list[str]],
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
        f"  {workload:10}: {out['rps']:6.0f} req/s p50 {out['p50']:.1f} ms p99 {out['p99']:.1f} ms errors {out['errors']}"
    )
    return out
