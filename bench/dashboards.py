"""Section 4, dashboards: GET latency of every dashboard as the history grows, against /healthz."""

from __future__ import annotations

import time
import traceback
from typing import Any

import httpx

from bench.children import median, percentile
from bench.figures import figure
from bench.harness import Harness

DASHBOARD_PATHS = [
    "/dashboards/rates",
    "/dashboards/rankings",
    "/dashboards/grids",
    "/dashboards/units",
    "/dashboards/funding",
    "/ledger",
]


def measure(h: Harness, base: str, token: str, cases: int) -> dict[str, Any]:
    """Latencies of every dashboard path, kept and fresh, with ``cases`` cases loaded.

    kept: answers served again while the position stands still; fresh: `Cache-Control:
    no-cache`, computed from the views every time (what the first reader after each new
    event waits for).
    """
    by_kind: dict[str, Any] = {}
    for kind, headers in (("kept", None), ("fresh", {"Cache-Control": "no-cache"})):
        got = h.run_child(
            get_latencies, base, token, ["/healthz", *DASHBOARD_PATHS], h.size.dash_reps, headers
        )
        by_kind[kind] = got
        for path, d in got.items():
            h.log(
                f"  {cases:>7,} cases {kind:5} {path:22} p50 {median(d['latencies']) * 1000:7.1f} ms"
                f" p99 {percentile(d['latencies'], 0.99) * 1000:7.1f} ms  {d['bytes']:,} bytes status {d['status']}"
            )
    return by_kind


def figures(h: Harness, dash: dict[int, dict[str, Any]], server_hwm_kb: int) -> None:
    biggest = max(dash)
    for cases, by_kind in sorted(dash.items()):
        for kind, res in by_kind.items():
            floor = res["/healthz"]["latencies"]
            for path in DASHBOARD_PATHS:
                lat = res[path]["latencies"]
                for q, label in ((0.5, "p50"), (0.99, "p99")):
                    # the target (set at 100,000 cases) is judged at the run's biggest point
                    fresh_p99 = kind == "fresh" and label == "p99" and cases == biggest
                    h.results.add(
                        figure(
                            "dashboards",
                            f"GET {path} at {cases:,} cases, {kind}: {label}",
                            percentile(lat, q) * 1000,
                            "ms",
                            percentile(floor, q) * 1000,
                            "GET /healthz on the same server (HTTP + 2 small queries)",
                            better="lower",
                            target="dashboard_fresh_p99" if fresh_p99 else None,
                            detail=f"{res[path]['bytes']:,} bytes"
                            + (
                                f", status {res[path]['status']}"
                                if res[path]["status"] != 200
                                else ""
                            ),
                        )
                    )
    if len(dash) > 1:
        lo, hi = min(dash), max(dash)
        growth = {
            f"{kind} {path}": percentile(dash[hi][kind][path]["latencies"], 0.5)
            / percentile(dash[lo][kind][path]["latencies"], 0.5)
            for kind in dash[lo]
            for path in DASHBOARD_PATHS
        }
        h.results.detail(
            "dashboards", "p50_growth", {"from_cases": lo, "to_cases": hi, "factor": growth}
        )
    h.results.add(
        figure(
            "memory",
            f"HTTP server peak RSS serving dashboards at {biggest:,} cases (VmHWM)",
            server_hwm_kb / 1024,
            "MB",
            (h.raw_server_hwm_kb or h.results.details["memory"]["import_floor_kb"]) / 1024,
            "raw FastAPI server after its run"
            if h.raw_server_hwm_kb
            else "a process that only imported the app",
            better="lower",
            target="server_rss",
        )
    )


def get_latencies(
    base_url: str,
    token: str,
    paths: list[str],
    reps: int,
    headers: dict[str, str] | None,
    out: Any,
    budget: float = 60.0,
) -> None:
    """One client, sequential GETs: the latency of each path (seconds), after a warm-up.

    Each path gets ``reps`` requests, or as many as fit in ``budget`` seconds (at least 5)."""
    try:
        res: dict[str, Any] = {}
        with httpx.Client(
            base_url=base_url,
            headers={"Authorization": f"Bearer {token}", **(headers or {})},
            timeout=120,
        ) as http:
            for path in paths:
                r = http.get(path)
                status = r.status_code
                size = len(r.content)
                lat: list[float] = []
                started = time.perf_counter()
                for k in range(reps):
                    if k >= 5 and time.perf_counter() - started > budget:
                        break
                    t0 = time.perf_counter()
                    r = http.get(path)
                    lat.append(time.perf_counter() - t0)
                    status = max(status, r.status_code)
                res[path] = {"latencies": lat, "status": status, "bytes": size}
        out.put(res)
    except BaseException:
        out.put({"fatal": traceback.format_exc()})
