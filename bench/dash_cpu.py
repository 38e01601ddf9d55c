"""Fresh dashboard answers timed in-process: wall time and CPU per request, by endpoint.

``python -m bench.dash_cpu load --cases N``: a history of N cases loaded as the benchmark
loads it (bench/history.py), the views rebuilt; prints the schema (kept, reuse it).

``python -m bench.dash_cpu answers --schema S [--reps 40]``: each answer computed in this
process on one connection as its route does (the next deadline crossing included) and
written as its route writes it, no HTTP: CPU and wall ms, min and p50.

``python -m bench.dash_cpu time --schema S [--reps 100]``: every dashboard path asked
``reps`` times with ``Cache-Control: no-cache`` through the app (Starlette's TestClient,
no sockets, no projector running): p50 / p99 wall ms, and CPU ms per request of this
process (``time.process_time``: the app and the test client) and of the PostgreSQL
backends serving it (``/proc/<pid>/stat``). Run it on the database's machine.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import psycopg
from rich.console import Console

from bench import db, district
from bench.children import median, percentile
from bench.dashboards import DASHBOARD_PATHS
from bench.proc_cpu import backend_seconds, own_ports


def load(url: str, cases: int) -> str:
    from bench import history
    from bench.harness import SIZES, Harness
    from interfaces.bootstrap import build_container
    from projections.rebuild_partitions import rebuild_views

    out = Path(tempfile.mkdtemp(prefix="chuishao-dash-"))
    h = Harness(SIZES["small"], url, out, Console(), keep=True)
    schema = h.schema("dash")
    s = h.settings(schema, pool_size=h.size.load_threads, max_overflow=4)
    h.admin_token(s)  # creates every table
    history.load(h, s, 0, cases)
    with build_container(h.settings(schema)) as c:
        t0 = time.perf_counter()
        n = rebuild_views(c.projector, workers=1)
        h.log(f"rebuilt {n:,} events in {time.perf_counter() - t0:.1f}s")
    return schema


def timed(url: str, schema: str, reps: int, paths: list[str]) -> None:
    from fastapi.testclient import TestClient

    from domain.values import Role
    from interfaces.bootstrap import build_container
    from interfaces.cli.users import add_user
    from interfaces.http.app import create_app

    out = Path(tempfile.mkdtemp(prefix="chuishao-dash-"))
    jurisdiction, _ = district.write(out / "district.toml")
    s = db.settings_for(url, schema, jurisdiction, data_dir=out / "data")
    c = build_container(s)
    token = add_user(c, f"dash-cpu-{os.getpid()}", "计时", Role.ADMIN, [])
    app = create_app(c, run_projections=False, run_checkpoints=False, owns_container=True)
    headers = {"Authorization": f"Bearer {token}", "Cache-Control": "no-cache"}
    watch = psycopg.connect(url, autocommit=True)
    own = {watch.info.backend_pid}
    with TestClient(app) as http, watch:
        for path in paths:
            for _ in range(5):  # warm-up: plans, caches, pool
                r = http.get(path, headers=headers)
                assert r.status_code == 200, (path, r.status_code, r.text[:300])
            ports = own_ports() - _ports_of(watch, own)
            lat: list[float] = []
            b0, c0 = backend_seconds(watch, ports), time.process_time()
            failed = 0
            for _ in range(reps):
                t0 = time.perf_counter()
                failed += http.get(path, headers=headers).status_code != 200
                lat.append(time.perf_counter() - t0)
            c1, b1 = time.process_time(), backend_seconds(watch, ports)
            print(
                f"{path:22} wall p50 {median(lat) * 1000:6.1f} p99 {percentile(lat, 0.99) * 1000:6.1f} ms"
                f"  CPU/request: python {(c1 - c0) / reps * 1000:5.1f} ms,"
                f" postgres {(b1 - b0) / reps * 1000:5.1f} ms  {len(r.content):,} bytes"
                + (f"  {failed} not 200" if failed else ""),
                flush=True,
            )


def _ports_of(watch: psycopg.Connection[Any], pids: set[int]) -> set[int]:
    rows = watch.execute(
        "SELECT client_port FROM pg_stat_activity WHERE pid = ANY(%s)", (list(pids),)
    ).fetchall()
    return {r[0] for r in rows if r[0] is not None}


def answers(url: str, schema: str, reps: int) -> None:
    from application.access import User
    from domain.values import Role
    from interfaces.bootstrap import build_container
    from interfaces.http import dashboard_schemas as s
    from interfaces.http.lean_json import encoder
    from interfaces.http.ledger_schemas import LedgerPage
    from projections.dashboard_reads import DashboardReads, Question
    from projections.dashboards import Period
    from projections.ledger_readable import COLUMNS, READ, readable
    from projections.queries import CaseFilter, Scope

    out = Path(tempfile.mkdtemp(prefix="chuishao-dash-"))
    jurisdiction, _ = district.write(out / "district.toml")
    c = build_container(db.settings_for(url, schema, jurisdiction, data_dir=out / "data"))
    user, everything = User("bench", "计时", Role.ADMIN), Scope(everything=True)
    models: dict[str, type[Any]] = {
        "rates": s.RatesAnswerPublic,
        "rankings": s.RankingsAnswerPublic,
        "grids": s.GridsAnswerPublic,
        "units": s.UnitsAnswerPublic,
        "funding": s.FundingAnswerPublic,
    }

    def dashboard(name: str) -> Callable[[], bytes]:
        encode = encoder(models[name])

        def one() -> bytes:
            at = datetime.now(UTC)
            question = Question(user, everything, Period(), at)
            reads = DashboardReads(c.dashboards, c.policy, c.weights, question)
            with c.dashboards.one_connection():
                c.dashboards.next_crossing(at)
                return encode(getattr(reads, name)())

        return one

    page = encoder(LedgerPage)

    def ledger() -> bytes:
        rows, total = c.ledger.list_cases(
            CaseFilter(), everything, limit=100, offset=0, columns=READ
        )
        lines = [readable(r, c.service.jurisdiction) for r in rows]
        return page(SimpleNamespace(columns=dict(COLUMNS), total=total, limit=100, offset=0,
                                    items=lines))  # fmt: skip

    for name, answer in [*((n, dashboard(n)) for n in models), ("ledger", ledger)]:
        for _ in range(3):
            answer()
        cpu, wall = [], []
        for _ in range(reps):
            c0, w0 = time.process_time(), time.perf_counter()
            answer()
            cpu.append(time.process_time() - c0)
            wall.append(time.perf_counter() - w0)
        print(
            f"{name:9} CPU min {min(cpu) * 1000:5.1f} p50 {median(cpu) * 1000:5.1f} ms"
            f"   wall min {min(wall) * 1000:5.1f} p50 {median(wall) * 1000:5.1f} ms",
            flush=True,
        )
    c.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.dash_cpu")
    parser.add_argument("what", choices=("load", "answers", "time"))
    parser.add_argument("--cases", type=int, default=5_000)
    parser.add_argument("--schema")
    parser.add_argument("--reps", type=int, default=100)
    parser.add_argument("--path", action="append", help="only these paths (repeatable)")
    parser.add_argument("--database-url", default=db.bench_url())
    args = parser.parse_args()
    db.ensure_database(args.database_url)
    if args.what == "load":
        print(load(args.database_url, args.cases))
    elif args.what == "answers":
        answers(args.database_url, args.schema, args.reps)
    else:
        timed(args.database_url, args.schema, args.reps, args.path or DASHBOARD_PATHS)


if __name__ == "__main__":
    main()
