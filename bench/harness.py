"""What every section of the benchmark stands on: its sizes, schemas, child processes and servers."""

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

from bench import db, district
from bench.report import Results
from domain.values import Role
from infrastructure.settings import Settings
from interfaces.bootstrap import build_container
from interfaces.cli.users import add_user

ROOT = Path(__file__).resolve().parent.parent
# the modules whose functions run in child processes: imported once by the fork server
CHILD_MODULES = [
    "bench.writers",
    "bench.http_clients",
    "bench.history",
    "bench.projector_runs",
    "bench.dashboards",
    "bench.audit",
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


class Harness:
    """One benchmark run: its figures, its schemas (dropped at the end) and its children."""

    def __init__(
        self,
        size: Size,
        url: str,
        out_dir: Path,
        console: Console,
        keep: bool = False,
        http_workers: int | None = None,
    ) -> None:
        self.size = size
        # the HTTP section's second server: `chuishao serve --workers N` (N = cores)
        self.http_workers = http_workers or os.cpu_count() or 1
        self.url = url
        self.out_dir = out_dir
        self.console = console
        self.keep = keep
        self.schemas: list[str] = []
        self.seed = 7
        self.ctx = mp.get_context("forkserver")
        self.ctx.set_forkserver_preload(CHILD_MODULES)
        self.jurisdiction_file, self.jurisdiction = district.write(out_dir / "district.toml")
        self.results = Results(header=self._header(), console=console)
        self.raw_server_hwm_kb: int | None = None  # set by the HTTP section, a memory baseline

    def _header(self) -> dict[str, Any]:
        mem_kb = 0
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem_kb = int(line.split()[1])
        j = self.jurisdiction
        return {
            "machine": {
                "cores": os.cpu_count(),
                "ram_gib": round(mem_kb / 1024 / 1024, 1),
                "cpu": _cpu_model(),
                "python": platform.python_version(),
                "postgresql": db.server_facts(self.url),
            },
            "cores": os.cpu_count() or 1,
            "size": self.size.name,
            "commit": _commit(),
            "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "size_parameters": self.size.__dict__,
            "http_workers": self.http_workers,
            "command": " ".join(["python -m bench", *sys.argv[1:]]),
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
        self,
        which: str,
        settings: Settings,
        *extra: str,
        env: dict[str, str] | None = None,
        workers: int = 1,
    ) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
        """One process (``bench.serve``), or with ``workers`` above 1: the product as
        ``chuishao serve --workers N`` (a supervisor: N uvicorn workers, the projector and
        the checkpoints in a process of their own; notifier off, as in one process) and the
        raw app under N uvicorn workers."""
        port = free_port()
        e = db.env_for(settings)  # os.environ and so CHUISHAO_CONFIG_DIR: the same signing key
        e["PYTHONPATH"] = str(ROOT) + os.pathsep + e.get("PYTHONPATH", "")
        e.update(env or {})
        log = open(self.out_dir / f"server-{which}-{workers}-{port}.log", "wb")
        if which == "chuishao" and workers > 1:
            argv = [sys.executable, "-m", "interfaces.cli", "serve", "--host", "127.0.0.1"]
            argv += ["--port", str(port), "--workers", str(workers), "--no-notifications"]
        else:
            argv = [sys.executable, "-m", "bench.serve", which, "--port", str(port)]
            argv += [*(["--workers", str(workers)] if workers > 1 else []), *extra]
        proc = subprocess.Popen(
            argv,
            env=e,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_http(base + "/healthz", proc, timeout=600)
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        with suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code < 500:
                return
        time.sleep(0.1)
    raise RuntimeError(f"server at {url} did not answer in {timeout}s")


def _commit() -> str:
    """The checked-out commit (``+dirty`` with uncommitted changes), or "unknown"."""
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    if rev.returncode != 0:
        return "unknown"
    return rev.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def _cpu_model() -> str:
    with suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor()
