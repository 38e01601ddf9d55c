"""What runs in the benchmark's child processes.

The parent starts children from a fork server that has this module (and so the whole
application) imported already, so starting 32 writer processes costs milliseconds, and
no child inherits a database connection from the parent.
"""

from __future__ import annotations

import hashlib
import os
import statistics
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import psycopg

from application.service import utc_now
from bench import db, district, lifecycle
from infrastructure.group_commit import GroupCommitRecorder
from infrastructure.settings import Settings
from interfaces.bootstrap import build_case_service, build_container

SAMPLE = 2000  # latencies kept per thread


def _settings(d: dict[str, Any]) -> Settings:
    return Settings(**d)


def _service(s: Settings, **kw: Any) -> Any:
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


def _planner(svc: Any, seed: int) -> lifecycle.Planner:
    return lifecycle.Planner(svc.jurisdiction, seed, district.generate().category_weights)


def _keep(samples: list[float], value: float, seen: int) -> None:
    """Reservoir of at most SAMPLE latencies."""
    if len(samples) < SAMPLE:
        samples.append(value)
    else:
        j = hash((seen, value)) % seen
        if j < SAMPLE:
            samples[j] = value


def _run_threads(n: int, target: Callable[[int], dict[str, Any]]) -> list[dict[str, Any]]:
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


# ----- history loading ------------------------------------------------------------------


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
        clock = lifecycle.SimClock()
        svc = _service(_settings(settings), clock=clock)
        planner = _planner(svc, seed)

        def thread(k: int) -> dict[str, Any]:
            indices = sorted(
                i
                for lane in lanes[k]
                for i in range(lo + (lane - lo) % lifecycle.LANES, hi, lifecycle.LANES)
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

            n = lifecycle.run_simulated(svc, clock, planner, indices, tick, errors)
            with progress.get_lock():
                progress.value += pending
            return {"commands": n, "errors": errors}

        results = _run_threads(len(lanes), thread)
        writer = svc.events.recorder
        gc = (writer.batches, writer.requests) if isinstance(writer, GroupCommitRecorder) else None
        svc.close()
        out.put({"pid": os.getpid(), "threads": results, "group_commit": gc})
    except BaseException:
        out.put({"pid": os.getpid(), "fatal": traceback.format_exc()})


# ----- command path -----------------------------------------------------------------------


class _CaseStream:
    """One writer's endless supply of commands: its own cases, step by step (real clock)."""

    def __init__(self, planner: lifecycle.Planner, first: int, stride: int) -> None:
        self.planner = planner
        self.next_index = first
        self.stride = stride
        self.plan: lifecycle.Plan | None = None
        self.step = 0
        self.previous: uuid.UUID | None = None  # a duplicate points at this writer's last case

    def next(self) -> tuple[lifecycle.Plan, lifecycle.Step]:
        if self.plan is None or self.step >= len(self.plan.steps):
            if self.plan is not None and self.plan.kind != "duplicate":
                self.previous = self.plan.case_id
            self.plan = self.planner.plan(self.next_index)
            self.next_index += self.stride
            self.step = 0
        step = self.plan.steps[self.step]
        self.step += 1
        return self.plan, step


def command_writers(
    kind: str,
    settings: dict[str, Any],
    threads: int,
    first_writer: int,
    total_writers: int,
    case_base: int,
    duration: float,
    seed: int,
    raw_row: tuple[int, int] | None,
    barrier: Any,
    out: Any,
) -> None:
    """``threads`` writers in this process, each issuing commands on its own cases until the
    deadline. ``kind``: "chuishao" (CaseService commands) or "raw" (one INSERT per command)."""
    try:
        s = _settings(settings)
        if kind == "chuishao":
            svc = _service(s)
            planner = _planner(svc, seed)
            command = _chuishao_command(svc, planner)
        else:
            assert raw_row is not None
            command = _raw_command(s, raw_row)
            svc = None

        def thread(k: int) -> dict[str, Any]:
            writer = first_writer + k
            do = command(case_base + writer, total_writers)
            do(warmup=True)
            lat: list[float] = []
            n = errors = 0
            kinds: dict[str, int] = {}
            barrier.wait(timeout=300)
            deadline = time.perf_counter() + duration
            while True:
                t0 = time.perf_counter()
                if t0 >= deadline:
                    break
                try:
                    do(warmup=False)
                except Exception as e:
                    errors += 1
                    kinds[f"{type(e).__name__}: {e}"[:200]] = (
                        kinds.get(f"{type(e).__name__}: {e}"[:200], 0) + 1
                    )
                    continue
                t1 = time.perf_counter()
                if t1 <= deadline:
                    n += 1
                    _keep(lat, t1 - t0, n)
            return {"commands": n, "errors": errors, "error_kinds": kinds, "latencies": lat}

        results = _run_threads(threads, thread)
        gc = None
        if svc is not None:
            writer = svc.events.recorder
            if isinstance(writer, GroupCommitRecorder):
                gc = (writer.batches, writer.requests)
            svc.close()
        out.put({"pid": os.getpid(), "threads": results, "group_commit": gc})
    except BaseException:
        out.put({"pid": os.getpid(), "fatal": traceback.format_exc()})
        try:
            barrier.abort()
        except Exception:
            pass


def _chuishao_command(
    svc: Any, planner: lifecycle.Planner
) -> Callable[[int, int], Callable[..., None]]:
    def make(first: int, stride: int) -> Callable[..., None]:
        # warm-up uses its own cases, far from the measured ones
        warm = _CaseStream(planner, 10_000_000 + first, stride)
        stream = _CaseStream(planner, first, stride)

        def do(warmup: bool) -> None:
            source = warm if warmup else stream
            plan, step = source.next()
            if step.op == "duplicate" and source.previous is None:
                step = lifecycle.Step(step.offset, "withdraw")
            lifecycle.execute(svc, plan, step, utc_now(), planner, source.previous)

        return do

    return make


def _raw_command(
    s: Settings, raw_row: tuple[int, int]
) -> Callable[[int, int], Callable[..., None]]:
    state_size, topic_size = raw_row
    sql = db.RAW_INSERT.format(schema=f'"{s.database_schema}"')
    payload = os.urandom(state_size)
    topic = "t" * topic_size

    def make(first: int, stride: int) -> Callable[..., None]:
        conn = psycopg.connect(str(s.database_url))
        case = [uuid.uuid4(), 0]

        def do(warmup: bool) -> None:
            case[1] += 1
            if case[1] > 10:  # a new "case" every ten commands, like the real mix
                case[0], case[1] = uuid.uuid4(), 1
            with conn.transaction():
                conn.execute(sql, (case[0], case[1], topic, payload), prepare=True).fetchone()

        return do

    return make


# ----- HTTP load --------------------------------------------------------------------------


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
                            _keep(lat, took, n)
                return {"requests": n, "errors": errors, "latencies": lat, "statuses": statuses}

        out.put({"threads": _run_threads(clients, client)})
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


# ----- projections ------------------------------------------------------------------------


def rebuild(settings: dict[str, Any], out: Any) -> None:
    """Empty the views and rebuild them from the whole log; then the raw reading baselines."""
    try:
        s = _settings(settings)
        with build_container(s) as c:
            head = c.projector.head()
            for view in c.projector.views:
                view.reset()
            t0 = time.perf_counter()
            applied = c.projector.catch_up()
            took = time.perf_counter() - t0
            # what reading alone costs: the same pages, decoded, nothing written
            t0 = time.perf_counter()
            decoded = 0
            start = 1
            while True:
                page = c.projector._read(start)
                decoded += len(page)
                if len(page) < 5000:
                    break
                start = page[-1][1].notification_id + 1
            decode_took = time.perf_counter() - t0
        raw_n, raw_took = raw_read(s, hash_rows=False)
        out.put(
            {
                "head": head,
                "applied": applied,
                "seconds": took,
                "decoded": decoded,
                "decode_seconds": decode_took,
                "raw_events": raw_n,
                "raw_seconds": raw_took,
                "vm_hwm_kb": db.vm_hwm_kb(os.getpid()),
            }
        )
    except BaseException:
        out.put({"fatal": traceback.format_exc()})


def raw_read(s: Settings, *, hash_rows: bool, page: int = 5000) -> tuple[int, float]:
    """Read every event row in pages by notification id with plain psycopg (and hash it)."""
    sql = (
        f'SELECT originator_id, originator_version, topic, state, notification_id FROM "{s.database_schema}".chuishao_events '
        "WHERE notification_id >= %s ORDER BY notification_id LIMIT %s"
    )
    n = 0
    t0 = time.perf_counter()
    with psycopg.connect(str(s.database_url)) as conn:
        start = 1
        while True:
            rows = conn.execute(sql, (start, page), prepare=True).fetchall()
            n += len(rows)
            if hash_rows:
                for r in rows:
                    hashlib.sha256(r[3]).hexdigest()
            if len(rows) < page:
                break
            start = rows[-1][4] + 1
    return n, time.perf_counter() - t0


def follow(
    settings: dict[str, Any], duration: float, interval: float, ready: Any, out: Any
) -> None:
    """Run the projector (the library's LISTEN/NOTIFY runner) while writers write; sample lag.

    Beside it, a no-op subscriber on the same log (the library's subscription, nothing
    applied) is the baseline: the lag the notification machinery alone has.
    """
    try:
        s = _settings(settings)
        with build_container(s) as c:
            c.projector.catch_up()
            c.projector.start()
            noop = {"position": c.projector.head()}
            stop = threading.Event()

            def subscriber() -> None:
                with c.service.recorder.subscribe(gt=noop["position"]) as sub:
                    for n in sub:
                        noop["position"] = n.id
                        if stop.is_set():
                            return

            t = threading.Thread(target=subscriber, daemon=True)
            t.start()
            ready.set()
            samples: list[tuple[float, int, int, int]] = []
            t0 = time.perf_counter()
            while time.perf_counter() - t0 < duration:
                head = c.projector.head()
                pos = c.projector.positions()["ledger"]
                samples.append(
                    (time.perf_counter() - t0, head, head - pos, max(0, head - noop["position"]))
                )
                time.sleep(interval)
            # drain: how long until the view has everything written
            head = c.projector.head()
            t1 = time.perf_counter()
            while c.projector.positions()["ledger"] < head and time.perf_counter() - t1 < 120:
                time.sleep(0.01)
            drain = time.perf_counter() - t1
            stop.set()
        out.put(
            {"samples": samples, "drain_seconds": drain, "vm_hwm_kb": db.vm_hwm_kb(os.getpid())}
        )
    except BaseException:
        out.put({"fatal": traceback.format_exc()})


def paced_writers(
    settings: dict[str, Any],
    threads: int,
    rate: float,
    duration: float,
    case_base: int,
    seed: int,
    start: Any,
    out: Any,
) -> None:
    """Commands at a steady total ``rate`` per second from ``threads`` threads."""
    try:
        svc = _service(_settings(settings))
        planner = _planner(svc, seed)
        make = _chuishao_command(svc, planner)
        start.wait(120)

        def thread(k: int) -> dict[str, Any]:
            do = make(case_base + k, threads)
            period = threads / rate
            t0 = time.perf_counter()
            n = errors = 0
            while True:
                due = t0 + n * period
                now = time.perf_counter()
                if now - t0 >= duration:
                    break
                if due > now:
                    time.sleep(due - now)
                try:
                    do(warmup=False)
                except Exception:
                    errors += 1
                n += 1
            return {"commands": n - errors, "errors": errors, "seconds": time.perf_counter() - t0}

        results = _run_threads(threads, thread)
        svc.close()
        out.put({"threads": results})
    except BaseException:
        out.put({"fatal": traceback.format_exc()})


# ----- audit ----------------------------------------------------------------------------


def audit(settings: dict[str, Any], reps: int, out: Any) -> None:
    """A 50-event case: history and state-at-version latency; verify over the whole store."""
    try:
        from domain.values import Actor, Role

        s = _settings(settings)
        svc = build_case_service(s)
        lead = Actor("gl-audit", Role.GRID_LEAD)
        grid = sorted(svc.jurisdiction.grids)[0]
        category = sorted(svc.jurisdiction.categories)[0]
        case_id = svc.report_case(
            actor=lead, grid_id=grid, category_id=category, title="审计基准案件（50条事件）"
        ).case_id
        for n in range(48):
            svc.add_note(
                case_id, actor=lead, text=f"第{n + 1}次进展：已入户走访，与居民沟通处置方案。"
            )
        svc.resolve(case_id, actor=Actor("co-audit", Role.COORDINATOR), summary="已处置")
        assert svc.get_case(case_id).version == 50

        def timed(f: Callable[[], Any]) -> list[float]:
            for _ in range(5):
                f()
            lat = []
            for _ in range(reps):
                t0 = time.perf_counter()
                f()
                lat.append(time.perf_counter() - t0)
            return lat

        history = timed(lambda: svc.history(case_id))
        at_version = timed(lambda: svc.case_at(case_id, version=25))
        current = timed(lambda: svc.get_case(case_id))
        sql = (
            f'SELECT originator_id, originator_version, topic, state FROM "{s.database_schema}".chuishao_events '
            "WHERE originator_id = %s ORDER BY originator_version"
        )
        with psycopg.connect(str(s.database_url)) as conn:
            raw = timed(lambda: conn.execute(sql, (case_id,), prepare=True).fetchall())
            raw25 = timed(
                lambda: conn.execute(
                    sql.replace("ORDER BY", "AND originator_version <= 25 ORDER BY"),
                    (case_id,),
                    prepare=True,
                ).fetchall()
            )
        t0 = time.perf_counter()
        report = svc.verify()
        verify_s = time.perf_counter() - t0
        svc.close()
        raw_n, raw_s = raw_read(s, hash_rows=True, page=1000)
        out.put(
            {
                "history": history,
                "at_version": at_version,
                "current": current,
                "raw_select": raw,
                "raw_select_25": raw25,
                "verify_events": report.events,
                "verify_cases": report.cases,
                "verify_intact": report.intact,
                "verify_seconds": verify_s,
                "raw_hash_events": raw_n,
                "raw_hash_seconds": raw_s,
            }
        )
    except BaseException:
        out.put({"fatal": traceback.format_exc()})


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
