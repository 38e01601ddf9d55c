"""HTTP client processes: keep-alive clients posting cases or walking a case's life through the API."""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from bench import children


def http_load(
    base_url: str,
    token: str,
    workload: str,
    clients: int,
    duration: float,
    refs: dict[str, list[str]],
    out: Any,
) -> None:
    """``clients`` threads, each with its own keep-alive connection, for ``duration`` s."""
    try:
        barrier = threading.Barrier(clients)

        def client(k: int) -> dict[str, Any]:
            headers = {"Authorization": f"Bearer {token}"}
            with httpx.Client(base_url=base_url, headers=headers, timeout=60) as http:
                flow = _workload(workload, http, refs, k)
                for _ in range(3):
                    flow()  # warm-up: connection, first queries
                lat: list[float] = []
                n = errors = 0
                statuses: dict[int, int] = {}
                barrier.wait(timeout=120)
                deadline = time.perf_counter() + duration
                while time.perf_counter() < deadline:
                    for took, status, end in flow():
                        if end > deadline:
                            break
                        statuses[status] = statuses.get(status, 0) + 1
                        if status >= 400:
                            errors += 1
                        else:
                            n += 1
                            children.keep(lat, took, n)
                return {"requests": n, "errors": errors, "latencies": lat, "statuses": statuses}

        out.put({"threads": children.run_threads(clients, client)})
    except BaseException:
        out.put({"fatal": traceback.format_exc()})


def _timed(http: httpx.Client, method: str, url: str, **kw: Any) -> tuple[float, int, Any, float]:
    t0 = time.perf_counter()
    r = http.request(method, url, **kw)
    end = time.perf_counter()
    body = r.json() if r.headers.get("content-type", "").startswith("application/json") else None
    return end - t0, r.status_code, body, end


def _workload(
    workload: str, http: httpx.Client, refs: dict[str, list[str]], k: int
) -> Callable[[], list[tuple[float, int, float]]]:
    import random

    rng = random.Random(k)
    grids, categories, units = refs["grids"], refs["categories"], refs["units"]
    callback = (refs.get("callback_token") or [""])[0]  # a second user records the 回访

    def new_case() -> dict[str, Any]:
        return {
            "grid_id": rng.choice(grids),
            "category_id": rng.choice(categories),
            "title": "居民反映：楼道堆物堵塞消防通道",
            "description": "基准测试：居民来电反映楼道内长期堆放杂物，存在消防隐患，请求处理。",
            "channel": "hotline_12345",
        }

    if workload == "raw":

        def raw() -> list[tuple[float, int, float]]:
            took, status, _, end = _timed(http, "POST", "/raw", json=new_case())
            return [(took, status, end)]

        return raw
    if workload == "post_cases":

        def post() -> list[tuple[float, int, float]]:
            took, status, _, end = _timed(http, "POST", "/cases", json=new_case())
            return [(took, status, end)]

        return post

    def mixed() -> list[tuple[float, int, float]]:
        """One case's life through the API: 10 requests, reads between writes."""
        done: list[tuple[float, int, float]] = []

        def call(method: str, url: str, **kw: Any) -> Any:
            took, status, body, end = _timed(http, method, url, **kw)
            done.append((took, status, end))
            return body if status < 400 else None

        created = call("POST", "/cases", json=new_case())
        if created is None:
            return done
        case = f"/cases/{created['case_id']}"
        call("POST", f"{case}/notes", json={"text": "已入户核实情况", "kind": "home_visit"})
        call("GET", case)
        call("POST", f"{case}/escalations", json={"to_level": "community", "reason": "需社区协调"})
        unit = rng.choice(units)
        deadline = datetime.fromtimestamp(time.time() + 7200, UTC).isoformat()
        w = call(
            "POST",
            f"{case}/whistles",
            json={"unit_ids": [unit], "report_in_deadline": deadline, "reason": "需要部门联合处置"},
        )
        if w is not None:
            call(
                "POST",
                f"{case}/whistles/{w['whistle_id']}/report-ins",
                json={"unit_id": unit, "note": "已到场"},
            )
        call("POST", f"{case}/resolution", json={"summary": "已清理完毕"})
        call(  # the 回访 is someone else's than the resolver's (CHUISHAO_SEPARATE_CALLBACK)
            "POST",
            f"{case}/evaluations",
            json={"solved": "solved", "satisfaction": "satisfied"},
            headers={"Authorization": f"Bearer {callback}"} if callback else {},
        )
        call("GET", f"{case}/events")
        call("POST", f"{case}/close", json={"remark": "办结"})
        return done

    return mixed
