"""Profile evidence for docs/benchmarks.md: where each benchmarked path spends its time.

``python -m bench.profile TARGET [--schema S] [--seconds N] [--out DIR]``

Targets (each runs the same code the benchmark measures, under py-spy when it is on
PATH — sampling every thread, idle waits included — else under cProfile):

* ``command``    one writer issuing life-cycle commands (fresh schema)
* ``command32``  32 writer threads in one process, group commit on (fresh schema)
* ``rebuild``    empty the views and catch up over an existing history (``--schema``)
* ``audit``      state at version 25 and history of a 50-event case (fresh schema)
* ``server``     the HTTP server under 32 clients POSTing /cases (fresh schema)
* ``dashboards`` the HTTP server answering every dashboard over an existing history (``--schema``)

Prints the top functions by own time and by inclusive time.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import os
import pstats
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from bench import db, district

ROOT = Path(__file__).resolve().parent.parent


BACKGROUND = ("ConnectionPool.worker", "Scheduler.run", "_listen (")
IDLE = (
    "select (",
    "EpollSelector.select",
    "Condition.wait",
    "Event.wait",
    "wait (threading",
    "get (queue",
    "Queue.get",
    "sleep",
)
OURS = (
    "interfaces/",
    "application/",
    "projections/",
    "infrastructure/",
    "domain/",
    "eventsourcing/",
    "bench/writers",
    "bench/http_clients",
    "bench/dashboards",
    "bench/profile",
)
TRIVIAL = ("Thread.", "<module>", "_run_module_as_main", "_run_code", "main (", "main.<locals>")


def summarize_collapsed(path: Path, top: int = 20) -> str:
    """Own and inclusive sample shares per function from py-spy's raw (collapsed) output."""
    own: collections.Counter[str] = collections.Counter()
    incl: collections.Counter[str] = collections.Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or any(b in stack for b in BACKGROUND):
            continue  # idle pool and scheduler threads: not the work being measured
        leaf = stack.rsplit(";", 1)[-1]
        if leaf.startswith(IDLE) and not any(m in stack for m in OURS):
            continue  # an idle event loop or worker thread waiting for work
        n = int(count)
        frames = [
            f
            for f in stack.split(";")
            if f and not f.startswith("process ") and not f.startswith("thread ")
        ]
        if not frames:
            continue
        total += n
        own[_short(frames[-1])] += n
        for f in {_short(f) for f in frames}:
            if not f.startswith(TRIVIAL):
                incl[f] += n
    out = [f"{total} samples", "", "own time:"]
    out += [f"  {100 * n / total:5.1f}%  {f}" for f, n in own.most_common(top)]
    out += ["", "inclusive time:"]
    out += [f"  {100 * n / total:5.1f}%  {f}" for f, n in incl.most_common(top)]
    return "\n".join(out)


def _short(frame: str) -> str:
    # "func (path/to/file.py:123)" -> "func (file.py:123)"; site-packages paths shortened
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    if "site-packages/" in where:
        where = where.split("site-packages/", 1)[1]
    elif str(ROOT) in where:
        where = where.split(str(ROOT) + "/", 1)[1]
    where = where.rsplit(":", 1)[0]
    return f"{name} ({where})"


def _py_spy() -> str | None:
    return shutil.which("py-spy") or (
        "/tmp/pyspy/bin/py-spy" if Path("/tmp/pyspy/bin/py-spy").exists() else None
    )


def _settings(args: argparse.Namespace, schema: str, **kw: Any) -> Any:
    jurisdiction = args.out / "district.toml"
    if not jurisdiction.exists():
        district.write(jurisdiction)
    return db.settings_for(
        args.database_url, schema, jurisdiction, data_dir=args.out / "data", **kw
    )


# ----- the workloads, run in this process ------------------------------------------------


def work_command(args: argparse.Namespace, threads: int) -> None:
    from bench import children, writers

    schema = args.schema or db.new_schema(args.database_url, "prof")
    s = _settings(args, schema, pool_size=max(threads, 1), max_overflow=4)
    svc = children.service(s)
    planner = children.planner(svc, 7)
    make = writers.chuishao_command(svc, planner)
    deadline = time.perf_counter() + args.seconds
    counts = [0] * threads

    def run(k: int) -> None:
        do = make(k, threads)
        while time.perf_counter() < deadline:
            do(warmup=False)
            counts[k] += 1

    ts = [threading.Thread(target=run, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    svc.close()
    print(
        f"{sum(counts)} commands in {args.seconds}s = {sum(counts) / args.seconds:.0f}/s",
        file=sys.stderr,
    )
    if not args.schema:
        db.drop_schema(args.database_url, schema)


def work_rebuild(args: argparse.Namespace) -> None:
    from interfaces.bootstrap import build_container

    with build_container(_settings(args, args.schema)) as c:
        for view in c.projector.views:
            view.reset()
        t0 = time.perf_counter()
        n = c.projector.catch_up()
        print(f"rebuilt {n} events in {time.perf_counter() - t0:.1f}s", file=sys.stderr)


def work_audit(args: argparse.Namespace) -> None:
    from domain.values import Actor, Role
    from interfaces.bootstrap import build_case_service

    schema = db.new_schema(args.database_url, "prof")
    svc = build_case_service(_settings(args, schema))
    lead = Actor("gl-audit", Role.GRID_LEAD)
    grid, category = sorted(svc.jurisdiction.grids)[0], sorted(svc.jurisdiction.categories)[0]
    case_id = svc.report_case(actor=lead, grid_id=grid, category_id=category, title="审计").case_id
    for n in range(49):
        svc.add_note(case_id, actor=lead, text=f"第{n + 1}次进展：已入户走访。")
    deadline = time.perf_counter() + args.seconds
    n = 0
    while time.perf_counter() < deadline:
        svc.case_at(case_id, version=25)
        svc.history(case_id)
        n += 1
    print(f"{n} rounds of case_at(25) + history", file=sys.stderr)
    svc.close()
    db.drop_schema(args.database_url, schema)


# ----- servers under py-spy -------------------------------------------------------------


def profile_server(args: argparse.Namespace, spy: str, workload: str) -> Path:
    import multiprocessing as mp

    from bench import dashboards, http_clients
    from bench.harness import free_port, wait_http

    schema = args.schema or db.new_schema(args.database_url, "prof")
    s = _settings(args, schema)
    out = args.out / f"{workload}.collapsed"
    from domain.values import Role
    from interfaces.bootstrap import build_container
    from interfaces.cli.users import add_user

    with build_container(s) as c:
        token = add_user(c, f"prof-{os.getpid()}", "profile", Role.ADMIN, [])
    port = free_port()
    env = db.env_for(s) | {"PYTHONPATH": str(ROOT)}
    extra = ["--no-projections"] if workload == "dashboards" else []
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.serve", "chuishao", "--port", str(port), *extra],
        env=env,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base + "/healthz", server, 600)
        spy_proc = subprocess.Popen(
            [
                spy,
                "record",
                "--pid",
                str(server.pid),
                "--format",
                "raw",
                *([] if args.cpu else ["--idle"]),
                "-r",
                "200",
                "-o",
                str(out),
            ],
            stdout=subprocess.DEVNULL,
        )
        time.sleep(1)
        ctx = mp.get_context("forkserver")
        q = ctx.Queue()
        if workload == "dashboards":
            reps = max(1, int(args.seconds))
            p = ctx.Process(
                target=dashboards.get_latencies,
                args=(
                    base,
                    token,
                    dashboards.DASHBOARD_PATHS,
                    reps,
                    {"Cache-Control": "no-cache"},
                    q,
                ),
            )
        else:
            refs = {
                "grids": sorted(c.service.jurisdiction.grids),
                "categories": sorted(c.service.jurisdiction.categories),
                "units": sorted(
                    u for u, unit in c.service.jurisdiction.units.items() if unit.serves.everywhere
                ),
                "callback_token": [
                    add_user(c, f"prof-cb-{os.getpid()}", "callback", Role.ADMIN, [])
                ],
            }
            p = ctx.Process(
                target=http_clients.http_load,
                args=(base, token, "post_cases", 32, args.seconds - 2, refs, q),
            )
        p.start()
        q.get(timeout=3600)
        p.join()
        spy_proc.send_signal(signal.SIGINT)  # py-spy writes its output when interrupted
        spy_proc.wait(60)
    finally:
        server.terminate()
        server.wait(30)
        if not args.schema:
            db.drop_schema(args.database_url, schema)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument(
        "target",
        choices=("command", "command32", "rebuild", "audit", "server", "dashboards", "_work"),
    )
    parser.add_argument("--schema", help="an existing history schema (rebuild, dashboards)")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--out", type=Path, default=Path("/tmp/chuishao-profile"))
    parser.add_argument("--database-url", default=db.bench_url())
    parser.add_argument("--work", help=argparse.SUPPRESS)
    parser.add_argument(
        "--cpu", action="store_true", help="sample only threads on CPU (py-spy without --idle)"
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    db.ensure_database(args.database_url)
    if args.target == "_work":  # the workload itself, run under py-spy by the parent
        {
            "command": lambda: work_command(args, 1),
            "command32": lambda: work_command(args, 32),
            "rebuild": lambda: work_rebuild(args),
            "audit": lambda: work_audit(args),
        }[args.work]()
        return
    spy = _py_spy()
    if args.target in ("server", "dashboards"):
        if spy is None:
            sys.exit("py-spy is needed to profile the server (pip install py-spy)")
        print(summarize_collapsed(profile_server(args, spy, args.target)))
        return
    if spy is not None:
        out = args.out / f"{args.target}.collapsed"
        cmd = [
            sys.executable,
            "-m",
            "bench.profile",
            "_work",
            "--work",
            args.target,
            "--seconds",
            str(args.seconds),
            "--out",
            str(args.out),
            "--database-url",
            args.database_url,
        ]
        if args.schema:
            cmd += ["--schema", args.schema]
        subprocess.run(
            [
                spy,
                "record",
                "--format",
                "raw",
                *([] if args.cpu else ["--idle"]),
                "-r",
                "200",
                "-o",
                str(out),
                "--",
                *cmd,
            ],
            check=True,
            cwd=ROOT,
            env=dict(os.environ, PYTHONPATH=str(ROOT)),
            stdout=subprocess.DEVNULL,
        )
        print(summarize_collapsed(out))
        return
    prof = cProfile.Profile()
    prof.enable()
    {
        "command": lambda: work_command(args, 1),
        "command32": lambda: work_command(args, 32),
        "rebuild": lambda: work_rebuild(args),
        "audit": lambda: work_audit(args),
    }[args.target]()
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(20)
    pstats.Stats(prof).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
