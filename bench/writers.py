"""Writer processes: commands through ``CaseService`` (or raw INSERTs) as fast as they go, or paced."""

from __future__ import annotations

import os
import time
import traceback
import uuid
from collections.abc import Callable
from typing import Any

import psycopg

from application.service import utc_now
from bench import children, db
from bench.histories.busy_district import Planner
from bench.histories.commands import execute
from bench.histories.steps import PlannedCase, Step
from infrastructure.group_commit import GroupCommitRecorder
from infrastructure.settings import Settings


class _CaseStream:
    """One writer's endless supply of commands: its own cases, step by step (real clock)."""

    def __init__(self, planner: Planner, first: int, stride: int) -> None:
        self.planner = planner
        self.next_index = first
        self.stride = stride
        self.plan: PlannedCase | None = None
        self.step = 0
        self.previous: uuid.UUID | None = None  # a duplicate points at this writer's last case

    def next(self) -> tuple[PlannedCase, Step]:
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
        s = children.settings_from(settings)
        if kind == "chuishao":
            svc = children.service(s)
            planner = children.planner(svc, seed)
            command = chuishao_command(svc, planner)
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
                    children.keep(lat, t1 - t0, n)
            return {"commands": n, "errors": errors, "error_kinds": kinds, "latencies": lat}

        results = children.run_threads(threads, thread)
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


def chuishao_command(svc: Any, planner: Planner) -> Callable[[int, int], Callable[..., None]]:
    def make(first: int, stride: int) -> Callable[..., None]:
        # warm-up uses its own cases, far from the measured ones
        warm = _CaseStream(planner, 10_000_000 + first, stride)
        stream = _CaseStream(planner, first, stride)

        def do(warmup: bool) -> None:
            source = warm if warmup else stream
            plan, step = source.next()
            if step.op == "duplicate" and source.previous is None:
                step = Step(step.offset, "withdraw")
            execute(svc, plan, step, utc_now(), original=source.previous)

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
        conn = psycopg.connect(db.url_of(s))
        case_id, version = uuid.uuid4(), 0

        def do(warmup: bool) -> None:
            nonlocal case_id, version
            version += 1
            if version > 10:  # a new "case" every ten commands, like the real mix
                case_id, version = uuid.uuid4(), 1
            with conn.transaction():
                conn.execute(sql, (case_id, version, topic, payload), prepare=True).fetchone()

        return do

    return make


def paced_writers(
    settings: dict[str, Any],
    threads: int,
    rate: float,
    duration: float,
    case_base: int,
    seed: int,
    start: Any,
    stopped: Any,
    out: Any,
) -> None:
    """Commands at a steady total ``rate`` per second from ``threads`` threads; when they
    have all returned, ``stopped.value`` is set to ``time.monotonic()`` (the drain's start)."""
    try:
        svc = children.service(children.settings_from(settings))
        planner = children.planner(svc, seed)
        make = chuishao_command(svc, planner)
        start.wait(120)

        def thread(k: int) -> dict[str, Any]:
            do = make(case_base + k, threads)
            period = threads / rate
            t0 = time.perf_counter()
            n = errors = 0
            while True:
                due = t0 + (n + k / threads) * period  # staggered: steady, not bursts of 32
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

        results = children.run_threads(threads, thread)
        stopped.value = time.monotonic()  # system-wide clock: the follower compares to it
        writer = svc.events.recorder
        gc = (writer.batches, writer.requests) if isinstance(writer, GroupCommitRecorder) else None
        svc.close()
        out.put({"threads": results, "group_commit": gc})
    except BaseException:
        stopped.value = stopped.value or time.monotonic()  # release the follower
        out.put({"fatal": traceback.format_exc()})
