"""Where one writer's CPU goes: the client process against its PostgreSQL backends.

``python -m bench.cpu_split [N]``: N life-cycle commands through ``CaseService`` (one
writer, group commit on), then N raw INSERTs of an event-sized row; for each, CPU per
command of this process (``time.process_time``) and of the PostgreSQL backends serving its
connections (``/proc/<pid>/stat``: run it on the database's machine, as a user that may read
them), and the wall time. Numbers for docs/benchmarks.md, section 1.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psycopg

from bench import children, db, district, writers

TICK = os.sysconf("SC_CLK_TCK")


def _own_ports() -> set[int]:
    """Local TCP ports of this process's sockets (its database connections)."""
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
        with open(table, encoding="ascii") as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                if fields[9] in inodes:
                    ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def _backend_seconds(url: str, ports: set[int]) -> float:
    with psycopg.connect(url, autocommit=True) as conn:
        pids = [
            r[0]
            for r in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE client_port = ANY(%s)", (list(ports),)
            ).fetchall()
        ]
    ticks = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime + stime
        except OSError:
            pass
    return ticks / TICK


def _measure(url: str, n: int, do: Callable[..., None]) -> str:
    for _ in range(50):
        do(warmup=True)
    ports = _own_ports()
    b0, c0, w0 = _backend_seconds(url, ports), time.process_time(), time.perf_counter()
    for _ in range(n):
        do(warmup=False)
    c1, w1 = time.process_time(), time.perf_counter()
    b1 = _backend_seconds(url, ports)
    return (
        f"client CPU {(c1 - c0) / n * 1000:.2f} ms, PostgreSQL CPU {(b1 - b0) / n * 1000:.2f} ms,"
        f" wall {(w1 - w0) / n * 1000:.2f} ms per command"
    )


def main(argv: list[str]) -> int:
    n = int(argv[0]) if argv else 400
    url = db.bench_url()
    db.ensure_database(url)
    out = Path(tempfile.mkdtemp(prefix="chuishao-cpu-"))
    jurisdiction, _ = district.write(out / "district.toml")
    schema = db.new_schema(url, "bench_cpu")
    try:
        s = db.settings_for(url, schema, jurisdiction, data_dir=out / "data", pool_size=2)
        svc = children.service(s)
        command = writers.chuishao_command(svc, children.planner(svc, 7))(1000, 1)
        print("chuishao:", _measure(url, n, command))
        svc.close()
        state_bytes, topic_bytes = db.event_sizes(url, schema)[1:]
        db.create_raw_table(url, schema)
        raw = writers._raw_command(s, (state_bytes, topic_bytes))(0, 1)
        print("raw INSERT:", _measure(url, n, raw))
    finally:
        db.drop_schema(url, schema)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
