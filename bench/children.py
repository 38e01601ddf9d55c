"""Helpers for the benchmark's child processes: settings, the service, threads, latency samples.

The parent starts children from a fork server that has the section modules (and so the
whole application) imported already, so starting 32 writer processes costs milliseconds,
and no child inherits a database connection from the parent.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from bench import db, district
from bench.histories.busy_district import Planner
from infrastructure.settings import Settings
from interfaces.bootstrap import build_case_service

SAMPLE = 2000  # latencies kept per thread


def settings_from(d: dict[str, Any]) -> Settings:
    return Settings(**d)


def service(s: Settings, **kw: Any) -> Any:
    """``build_case_service``, retried: the library re-runs its DDL (CREATE OR REPLACE
    FUNCTION …) on every start, and PostgreSQL refuses two such statements at the same
    moment ("tuple concurrently updated") when many processes start together."""
    import random

    from eventsourcing.persistence import InternalError

    for attempt in range(30):
        try:
            return build_case_service(s, **kw)
        except InternalError:
            if attempt == 29:
                raise
            time.sleep(random.uniform(0.01, 0.1))


def planner(svc: Any, seed: int) -> Planner:
    return Planner(svc.jurisdiction, seed, district.generate().category_weights)


def keep(samples: list[float], value: float, seen: int) -> None:
    """Reservoir of at most SAMPLE latencies."""
    if len(samples) < SAMPLE:
        samples.append(value)
    else:
        j = hash((seen, value)) % seen
        if j < SAMPLE:
            samples[j] = value


def run_threads(n: int, target: Callable[[int], dict[str, Any]]) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = [{} for _ in range(n)]

    def run(k: int) -> None:
        try:
            results[k] = target(k)
        except BaseException:
            results[k] = {"fatal": traceback.format_exc()}

    threads = [threading.Thread(target=run, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def import_floor(out: Any) -> None:
    """Peak RSS of a process that has only imported the application (the memory floor)."""
    out.put({"vm_hwm_kb": db.vm_hwm_kb(os.getpid())})


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    v = sorted(values)
    k = (len(v) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
