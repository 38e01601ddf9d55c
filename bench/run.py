"""The benchmark sections, run from ``python -m bench``."""

from __future__ import annotations

import multiprocessing as mp
import os
import platform
import queue
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console

from bench import db, district, lifecycle
from bench.report import Figure, Results
from bench.workers import median, percentile
from domain.values import Role
from infrastructure.settings import Settings
from interfaces.bootstrap import build_case_service, build_container
from interfaces.cli.users import add_user

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD_PATHS = [
    "/dashboards/rates",
    "/dashboards/rankings",
    "/dashboards/grids",
    "/dashboards/units",
    "/dashboards/funding",
    "/ledger",
]


@dataclass(frozen=True)
class Size:
    name: str
    writers: tuple[int, ...]  # concurrent writers in the command path
    cmd_seconds: float  # measured seconds per command-path configuration
    http_clients: int
    http_seconds: float
    history: tuple[int, ...]  # cases at each dashboard point; the last is the whole history
    load_procs: int
    load_threads: int  # per process
    lag_seconds: float
    lag_rate: float  # commands/s the writers keep up while the projector follows
    dash_reps: int
    audit_reps: int


SIZES = {
    "tiny": Size("tiny", (1, 8), 0.3, 16, 1.0, (100, 300), 2, 8, 1.5, 50, 5, 20),
    "small": Size("small", (1, 8, 32), 2.0, 32, 3.0, (1_000, 5_000), 2, 16, 5.0, 150, 30, 200),
    "full": Size("full", (1, 8, 32), 5.0, 32, 8.0, (10_000, 100_000), 2, 16, 15.0, 200, 50, 500),
}


class Bench:
    def __init__(
        self, size: Size, url: str, out_dir: Path, console: Console, keep: bool = False
    ) -> None:
        self.size = size
        self.url = url
        self.out_dir = out_dir
        self.console = console
        self.keep = keep
        self.schemas: list[str] = []
        self.seed = 7
        self.ctx = mp.get_context("forkserver")
        self.ctx.set_forkserver_preload(["bench.workers"])
        self.jurisdiction_file, self.jurisdiction = district.write(out_dir / "district.toml")
        self.results = Results(meta=self._meta())
        self.raw_server_hwm_kb: int | None = None

    # ----- plumbing ---------------------------------------------------------------------

    def _meta(self) -> dict[str, Any]:
        mem_kb = 0
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem_kb = int(line.split()[1])
        j = self.jurisdiction
        return {
            "size": self.size.name,
            "size_parameters": self.size.__dict__,
            "command": " ".join(["python -m bench", *sys.argv[1:]]),
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "machine": {
                "cores": os.cpu_count(),
                "ram_gib": round(mem_kb / 1024 / 1024, 1),
                "cpu": _cpu_model(),
                "python": platform.python_version(),
                "postgresql": db.server_facts(self.url),
            },
            "district": {
                "file": str(self.jurisdiction_file),
                "streets": len(j.streets),
                "communities": len(j.communities),
                "grids": len(j.grids),
                "nested_grids": sum(1 for g in j.grids.values() if g.parent_id),
                "units": len(j.units),
                "categories": len(j.categories),
            },
        }

    def log(self, msg: str) -> None:
        self.console.print(f"[dim]{time.strftime('%H:%M:%S')}[/dim] {msg}")

    def schema(self, prefix: str) -> str:
        s = db.new_schema(self.url, f"bench_{prefix}")
        self.schemas.append(s)
        return s

    def settings(self, schema: str, **kw: Any) -> Settings:
        return db.settings_for(
            self.url, schema, self.jurisdiction_file, data_dir=self.out_dir / "data", **kw
        )

    def cleanup(self) -> None:
        if self.keep:
            self.log(f"kept schemas: {', '.join(self.schemas)}")
            return
        for s in self.schemas:
            with suppress(Exception):
                db.drop_schema(self.url, s)

    def start(self, target: Callable[..., None], *args: Any) -> tuple[Any, Any]:
        q = self.ctx.Queue()
        p = self.ctx.Process(target=target, args=(*args, q), daemon=False)
        p.start()
        return p, q

    def collect(self, p: Any, q: Any, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            try:
                r = q.get(timeout=1)
                break
            except queue.Empty:
                if not p.is_alive() or time.monotonic() > deadline:
                    p.kill()
                    raise RuntimeError(f"child {p.pid} died or timed out") from None
        p.join(30)
        if "fatal" in r:
            raise RuntimeError(f"child {p.pid} failed:\n{r['fatal']}")
        return r

    def run_child(
        self, target: Callable[..., None], *args: Any, timeout: float = 3600
    ) -> dict[str, Any]:
        p, q = self.start(target, *args)
        return self.collect(p, q, timeout)

    @contextmanager
    def server(
        self, which: str, settings: Settings, *extra: str, env: dict[str, str] | None = None
    ) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
        port = _free_port()
        e = db.env_for(settings)
        e["PYTHONPATH"] = str(ROOT) + os.pathsep + e.get("PYTHONPATH", "")
        e.update(env or {})
        log = open(self.out_dir / f"server-{which}-{port}.log", "wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "bench.serve", which, "--port", str(port), *extra],
            env=e,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_http(base + "/healthz", proc, timeout=600)
            yield base, proc
        finally:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.close()

    def admin_token(self, settings: Settings, role: str = "admin") -> str:
        with build_container(settings) as c:
            user_id = f"bench-{role}-{os.getpid()}"
            return add_user(c, user_id, "基准测试管理员", Role.ADMIN, [])

    # ----- 1. command path --------------------------------------------------------------

    def command_path(self) -> None:
        size = self.size
        self.log(f"command path: writers {size.writers}, {size.cmd_seconds}s each")
        runs: dict[tuple[str, str, int], dict[str, Any]] = {}
        sizes: tuple[int, int, int] | None = None
        for mode in ("threads", "processes"):
            for gc in (True, False):
                for w in size.writers:
                    schema = self.schema("cmd")
                    if mode == "threads":
                        s = self.settings(schema, group_commit=gc, pool_size=w, max_overflow=4)
                    else:
                        s = self.settings(schema, group_commit=gc, pool_size=1, max_overflow=0)
                    build_case_service(s).close()  # tables before the writers race to make them
                    r = self._writers("chuishao", s, mode, w, None)
                    ev = db.event_sizes(self.url, schema)
                    r["events_in_table"] = ev[0]
                    sizes = ev if sizes is None or ev[0] > sizes[0] else sizes
                    runs[(mode, "on" if gc else "off", w)] = r
                    self.log(
                        f"  {mode:9} gc={'on ' if gc else 'off'} w={w:2}: {r['rate']:7.0f} commands/s"
                        f" p50 {r['p50'] * 1000:.1f} ms p99 {r['p99'] * 1000:.1f} ms"
                        + (f" commands/batch {r['per_batch']:.1f}" if r.get("per_batch") else "")
                        + (f" errors {r['errors']}" if r["errors"] else "")
                    )
                    db.drop_schema(self.url, schema)
        assert sizes is not None
        _, state_bytes, topic_bytes = sizes
        self.results.detail(
            "command_path", "row_bytes", {"state": state_bytes, "topic": topic_bytes}
        )
        raw: dict[tuple[str, int], dict[str, Any]] = {}
        for mode in ("threads", "processes"):
            for w in size.writers:
                schema = self.schema("raw")
                db.create_raw_table(self.url, schema)
                s = self.settings(schema)
                r = self._writers("raw", s, mode, w, (state_bytes, topic_bytes))
                raw[(mode, w)] = r
                self.log(
                    f"  raw {mode:9} w={w:2}: {r['rate']:7.0f} commands/s p50 {r['p50'] * 1000:.1f} ms"
                )
                db.drop_schema(self.url, schema)
        for (mode, gc, w), r in runs.items():
            b = raw[(mode, w)]
            target = "≥ 1.0× raw" if w == 32 else None
            f = Figure(
                f"{mode} × {w}, group commit {gc}: commands/s",
                r["rate"],
                "cmd/s",
                b["rate"],
                f"raw INSERT, 1 tx/command, {mode} × {w}",
                target=target,
                detail=(
                    f"events/s {r['rate']:.0f} (1 event/command); p50 {r['p50'] * 1000:.1f} ms, "
                    f"p99 {r['p99'] * 1000:.1f} ms (raw {b['p50'] * 1000:.1f}/{b['p99'] * 1000:.1f})"
                    + (f"; {r['per_batch']:.1f} commands/batch" if r.get("per_batch") else "")
                ),
                extra={
                    "events_per_s": r["rate"],
                    "p50_ms": r["p50"] * 1000,
                    "p99_ms": r["p99"] * 1000,
                    "baseline_p50_ms": b["p50"] * 1000,
                    "baseline_p99_ms": b["p99"] * 1000,
                    "commands": r["commands"],
                    "errors": r["errors"],
                    "commands_per_batch": r.get("per_batch"),
                },
            )
            if target:
                f.met = f.ratio >= 1.0
            self.results.add("command_path", f)

    def _writers(
        self, kind: str, s: Settings, mode: str, w: int, raw_row: tuple[int, int] | None
    ) -> dict[str, Any]:
        procs = 1 if mode == "threads" else w
        per = w if mode == "threads" else 1
        barrier = self.ctx.Barrier(w + 1)
        base = int(time.time() * 1000) % 1_000_000 * 100  # fresh case ids per run
        children = [
            self.start(
                __import__("bench.workers", fromlist=["x"]).command_writers,
                kind,
                s.model_dump(),
                per,
                k * per,
                w,
                base,
                self.size.cmd_seconds,
                self.seed,
                raw_row,
                barrier,
            )
            for k in range(procs)
        ]
        try:
            barrier.wait(timeout=300)
        except Exception:
            for p, q in children:
                self.collect(p, q, timeout=60)  # raises with the child's traceback
            raise
        t0 = time.perf_counter()
        out = [self.collect(p, q, timeout=300 + self.size.cmd_seconds) for p, q in children]
        wall = time.perf_counter() - t0
        threads = [t for o in out for t in o["threads"]]
        fatal = [t["fatal"] for t in threads if "fatal" in t]
        if fatal:
            raise RuntimeError(fatal[0])
        lat = [x for t in threads for x in t["latencies"]]
        commands = sum(t["commands"] for t in threads)
        gcs = [o["group_commit"] for o in out if o.get("group_commit")]
        batches = sum(g[0] for g in gcs)
        requests = sum(g[1] for g in gcs)
        kinds: dict[str, int] = {}
        for t in threads:
            for k, v in t.get("error_kinds", {}).items():
                kinds[k] = kinds.get(k, 0) + v
        if kinds:
            self.log(f"  errors: {kinds}")
        return {
            "commands": commands,
            "error_kinds": kinds,
            "errors": sum(t["errors"] for t in threads),
            "rate": commands / self.size.cmd_seconds,
            "p50": percentile(lat, 0.5),
            "p99": percentile(lat, 0.99),
            "per_batch": requests / batches if batches else None,
            "wall": wall,
        }

    # ----- 2. HTTP ----------------------------------------------------------------------

    def http(self) -> None:
        from bench import workers

        size = self.size
        schema = self.schema("http")
        s = self.settings(schema)
        token = self.admin_token(s)
        db.create_raw_table(self.url, schema)
        refs = {
            "grids": sorted(self.jurisdiction.grids),
            "categories": sorted(self.jurisdiction.categories),
            # units whistled on any case must serve everywhere (units' service areas)
            "units": sorted(
                u for u, unit in self.jurisdiction.units.items() if unit.serves.everywhere
            ),
            "callback_token": [self.admin_token(s, "callback")],
        }
        self.log(f"HTTP: {size.http_clients} clients, {size.http_seconds}s per workload")
        got: dict[str, dict[str, Any]] = {}
        with self.server("chuishao", s) as (base, proc):
            for workload in ("post_cases", "mixed"):
                got[workload] = self._http_run(workers.http_load, base, token, workload, refs)
            server_hwm = db.vm_hwm_kb(proc.pid)
        _, state_bytes, topic_bytes = db.event_sizes(self.url, schema)
        env = {"BENCH_RAW_STATE_BYTES": str(state_bytes), "BENCH_RAW_TOPIC_BYTES": str(topic_bytes)}
        with self.server("raw", s, env=env) as (base, proc):
            got["raw"] = self._http_run(workers.http_load, base, token, "raw", refs)
            raw_hwm = db.vm_hwm_kb(proc.pid)
        self.raw_server_hwm_kb = raw_hwm
        b = got["raw"]
        for workload, label, target in (
            ("post_cases", "POST /cases", "≥ 0.7× raw endpoint"),
            ("mixed", "mixed workflow (10 requests per case)", None),
        ):
            r = got[workload]
            f = Figure(
                f"{label} at {size.http_clients} clients: requests/s",
                r["rps"],
                "req/s",
                b["rps"],
                "FastAPI POST /raw: one INSERT",
                target=target,
                detail=f"p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms (raw {b['p50']:.1f}/{b['p99']:.1f}); errors {r['errors']}",
                extra={k: v for k, v in r.items() if k != "statuses"} | {"statuses": r["statuses"]},
            )
            if target:
                f.met = f.ratio >= 0.7
            self.results.add("http", f)
            for q in ("p50", "p99"):
                self.results.add(
                    "http",
                    Figure(
                        f"{label}: {q} latency",
                        r[q],
                        "ms",
                        b[q],
                        f"raw endpoint {q}",
                        better="lower",
                    ),
                )
        self.results.detail("http", "raw_endpoint", b)
        self.results.add(
            "memory",
            Figure(
                "HTTP server peak RSS during the HTTP runs (VmHWM)",
                (server_hwm or 0) / 1024,
                "MB",
                (raw_hwm or 0) / 1024,
                "raw FastAPI server after its run",
                better="lower",
                target="< 300 MB",
                met=(server_hwm or 0) / 1024 < 300,
            ),
        )

    def _http_run(
        self,
        target: Callable[..., None],
        base: str,
        token: str,
        workload: str,
        refs: dict[str, list[str]],
    ) -> dict[str, Any]:
        size = self.size
        r = self.run_child(
            target, base, token, workload, size.http_clients, size.http_seconds, refs, timeout=600
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
        self.log(
            f"  {workload:10}: {out['rps']:6.0f} req/s p50 {out['p50']:.1f} ms p99 {out['p99']:.1f} ms errors {out['errors']}"
        )
        return out

    # ----- 3, 4, 5 on one history -------------------------------------------------------

    def history(self, sections: set[str]) -> None:
        from bench import workers

        size = self.size
        schema = self.schema("hist")
        s = self.settings(schema, pool_size=size.load_threads, max_overflow=4)
        token = self.admin_token(s)  # also creates every table
        points = size.history if "dashboards" in sections else size.history[-1:]
        loaded = 0
        floor = self.run_child(workers.import_floor)["vm_hwm_kb"]
        self.results.detail("memory", "import_floor_kb", floor)
        dash: dict[int, dict[str, Any]] = {}
        rebuilds: dict[int, dict[str, Any]] = {}
        server_hwm = 0
        with self.server("chuishao", self.settings(schema), "--no-projections") as (base, proc):
            for cases in points:
                self._load(s, loaded, cases)
                loaded = cases
                self.log(f"  rebuilding the views over {cases:,} cases")
                r = self.run_child(workers.rebuild, s.model_dump())
                rebuilds[cases] = r
                self.log(
                    f"  rebuild: {r['applied']:,} events in {r['seconds']:.1f}s = {r['applied'] / r['seconds']:,.0f} events/s"
                    f" (read+decode alone {r['decoded'] / r['decode_seconds']:,.0f}/s, raw read {r['raw_events'] / r['raw_seconds']:,.0f}/s)"
                )
                if "dashboards" in sections:
                    # kept: answers served again while the position stands still;
                    # fresh: `Cache-Control: no-cache`, computed from the views every time
                    # (what the first reader after each new event waits for).
                    for kind, headers in (("kept", None), ("fresh", {"Cache-Control": "no-cache"})):
                        got = self.run_child(
                            workers.get_latencies,
                            base,
                            token,
                            ["/healthz", *DASHBOARD_PATHS],
                            size.dash_reps,
                            headers,
                        )
                        dash.setdefault(cases, {})[kind] = got
                        for path, d in got.items():
                            self.log(
                                f"  {cases:>7,} cases {kind:5} {path:22} p50 {median(d['latencies']) * 1000:7.1f} ms"
                                f" p99 {percentile(d['latencies'], 0.99) * 1000:7.1f} ms  {d['bytes']:,} bytes status {d['status']}"
                            )
                server_hwm = db.vm_hwm_kb(proc.pid) or server_hwm
        events = db.event_sizes(self.url, schema)[0]
        self.results.detail("projections", "history", {"cases": loaded, "events": events})
        last = rebuilds[loaded]
        if "projections" in sections or "memory" in sections:
            self._projection_figures(rebuilds, floor)
        if "dashboards" in sections:
            self._dashboard_figures(dash, server_hwm)
        if "audit" in sections:
            self._audit(s)
        if "projections" in sections or "memory" in sections:
            self._lag(s, loaded, floor)
        del last

    def _load(self, s: Settings, lo: int, hi: int) -> None:
        from bench import workers

        size = self.size
        procs, threads = size.load_procs, size.load_threads
        lanes = list(range(lifecycle.LANES))
        per_proc = [lanes[p::procs] for p in range(procs)]
        progress = self.ctx.Value("q", 0)
        t0 = time.perf_counter()
        children = [
            self.start(
                workers.load_history,
                s.model_dump(),
                [mine[t::threads] for t in range(threads) if mine[t::threads]],
                lo,
                hi,
                self.seed,
                progress,
            )
            for mine in per_proc
        ]
        expected = (hi - lo) * 10
        last = 0.0
        while any(p.is_alive() for p, _ in children) and all(q.empty() for _, q in children):
            time.sleep(0.5)
            if time.perf_counter() - last > 15:
                last = time.perf_counter()
                done = progress.value
                rate = done / (time.perf_counter() - t0)
                self.log(
                    f"  loading cases {lo:,}–{hi:,}: {done:,} commands (~{expected:,}), {rate:,.0f}/s"
                )
        out = [self.collect(p, q, timeout=24 * 3600) for p, q in children]
        took = time.perf_counter() - t0
        threads_out = [t for o in out for t in o["threads"]]
        fatal = [t["fatal"] for t in threads_out if "fatal" in t]
        if fatal:
            raise RuntimeError(fatal[0])
        errors: dict[str, int] = {}
        for t in threads_out:
            for k, v in t["errors"].items():
                errors[k] = errors.get(k, 0) + v
        n = sum(t["commands"] for t in threads_out)
        gcs = [o["group_commit"] for o in out if o.get("group_commit")]
        per_batch = sum(g[1] for g in gcs) / max(1, sum(g[0] for g in gcs))
        self.log(
            f"  loaded cases {lo:,}–{hi:,}: {n:,} commands in {took:.0f}s = {n / took:,.0f} commands/s"
            f" ({procs} processes × {threads} threads, {per_batch:.1f} commands/batch)"
            + (f" errors {errors}" if errors else "")
        )
        loads = self.results.sections.get("projections", {}).get("details", {}).get("loads", [])
        loads.append(
            {
                "cases": [lo, hi],
                "commands": n,
                "seconds": took,
                "commands_per_s": n / took,
                "errors": errors,
                "processes": procs,
                "threads": threads,
                "commands_per_batch": per_batch,
            }
        )
        self.results.detail("projections", "loads", loads)

    def _projection_figures(self, rebuilds: dict[int, dict[str, Any]], floor_kb: int) -> None:
        for cases, r in sorted(rebuilds.items()):
            rate = r["applied"] / r["seconds"]
            raw = r["raw_events"] / r["raw_seconds"]
            last = cases == max(rebuilds)
            self.results.add(
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
        self.results.add(
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

    def _lag(self, s: Settings, loaded: int, floor_kb: int) -> None:
        from bench import workers

        size = self.size
        self.log(
            f"  lag: projector following writers at {size.lag_rate:.0f} commands/s for {size.lag_seconds}s"
        )
        ready = self.ctx.Event()
        start = self.ctx.Event()
        fp, fq = self.start(workers.follow, s.model_dump(), size.lag_seconds + 1.0, 0.05, ready)
        if not ready.wait(600):
            raise RuntimeError("projector did not start")
        wp, wq = self.start(
            workers.paced_writers,
            s.model_dump(),
            8,
            size.lag_rate,
            size.lag_seconds,
            50_000_000,
            self.seed,
            start,
        )
        time.sleep(0.5)
        start.set()
        w = self.collect(wp, wq, timeout=600)
        f = self.collect(fp, fq, timeout=600)
        done = sum(t["commands"] for t in w["threads"])
        rate = done / size.lag_seconds
        lags = [x[2] for x in f["samples"]]
        noop = [x[3] for x in f["samples"]]
        self.log(
            f"  lag at {rate:.0f} commands/s: p50 {percentile(lags, 0.5):.0f} p99 {percentile(lags, 0.99):.0f} max {max(lags)} events;"
            f" no-op subscriber p99 {percentile(noop, 0.99):.0f}; drained in {f['drain_seconds'] * 1000:.0f} ms"
        )
        for q, label in ((0.5, "p50"), (0.99, "p99")):
            self.results.add(
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
        self.results.detail(
            "projections", "lag_samples", f["samples"][:: max(1, len(f["samples"]) // 200)]
        )
        self.results.add(
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

    def _dashboard_figures(self, dash: dict[int, dict[str, Any]], server_hwm_kb: int) -> None:
        biggest = max(dash)
        for cases, by_kind in sorted(dash.items()):
            for kind, res in by_kind.items():
                floor = res["/healthz"]["latencies"]
                for path in DASHBOARD_PATHS:
                    lat = res[path]["latencies"]
                    for q, label in ((0.5, "p50"), (0.99, "p99")):
                        target = (
                            "< 20 ms at 100,000 cases"
                            if label == "p99" and cases == biggest
                            else None
                        )
                        v = percentile(lat, q) * 1000
                        self.results.add(
                            "dashboards",
                            Figure(
                                f"GET {path} at {cases:,} cases, {kind}: {label}",
                                v,
                                "ms",
                                percentile(floor, q) * 1000,
                                "GET /healthz on the same server (HTTP + 2 small queries)",
                                better="lower",
                                target=target,
                                met=(v < 20) if target else None,
                                detail=f"{res[path]['bytes']:,} bytes"
                                + (
                                    f", status {res[path]['status']}"
                                    if res[path]["status"] != 200
                                    else ""
                                ),
                            ),
                        )
        if len(dash) > 1:
            lo, hi = min(dash), max(dash)
            growth = {
                f"{kind} {path}": percentile(dash[hi][kind][path]["latencies"], 0.5)
                / percentile(dash[lo][kind][path]["latencies"], 0.5)
                for kind in dash[lo]
                for path in DASHBOARD_PATHS
            }
            self.results.detail(
                "dashboards", "p50_growth", {"from_cases": lo, "to_cases": hi, "factor": growth}
            )
        self.results.add(
            "memory",
            Figure(
                f"HTTP server peak RSS serving dashboards at {biggest:,} cases (VmHWM)",
                server_hwm_kb / 1024,
                "MB",
                (
                    self.raw_server_hwm_kb
                    or self.results.sections["memory"]["details"]["import_floor_kb"]
                )
                / 1024,
                "raw FastAPI server after its run"
                if self.raw_server_hwm_kb
                else "a process that only imported the app",
                better="lower",
                target="< 300 MB",
                met=server_hwm_kb / 1024 < 300,
            ),
        )

    def _audit(self, s: Settings) -> None:
        from bench import workers

        r = self.run_child(workers.audit, s.model_dump(), self.size.audit_reps)
        for key, label, base_key, target in (
            (
                "at_version",
                "state at version 25 of a 50-event case (replay)",
                "raw_select_25",
                "< 2 ms",
            ),
            ("history", "history of a 50-event case (50 records with hashes)", "raw_select", None),
            ("current", "current state of a 50-event case", "raw_select", None),
        ):
            for q, ql in ((0.5, "p50"), (0.99, "p99")):
                v = percentile(r[key], q) * 1000
                t = target if ql == "p50" else None
                self.results.add(
                    "audit",
                    Figure(
                        f"{label}: {ql}",
                        v,
                        "ms",
                        percentile(r[base_key], q) * 1000,
                        "raw psycopg SELECT of the same rows",
                        better="lower",
                        target=t,
                        met=(v < 2) if t else None,
                    ),
                )
        rate = r["verify_events"] / r["verify_seconds"]
        base = r["raw_hash_events"] / r["raw_hash_seconds"]
        self.results.add(
            "audit",
            Figure(
                f"verify over the store ({r['verify_events']:,} events, {r['verify_cases']:,} cases)",
                rate,
                "events/s",
                base,
                "raw psycopg read + one sha256 per row",
                detail=f"{r['verify_seconds']:.1f}s; intact={r['verify_intact']}",
            ),
        )
        self.log(
            f"  audit: at-version p50 {median(r['at_version']) * 1000:.2f} ms, history p50 {median(r['history']) * 1000:.2f} ms,"
            f" verify {rate:,.0f} events/s (raw {base:,.0f})"
        )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        with suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code < 500:
                return
        time.sleep(0.1)
    raise RuntimeError(f"server at {url} did not answer in {timeout}s")


def _cpu_model() -> str:
    with suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor()
