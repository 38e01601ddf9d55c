"""Where one writer's CPU goes: the client process against its PostgreSQL backends.

``python -m bench.cpu_split [N]``: N life-cycle commands through ``CaseService`` (one
writer, group commit on), then N raw INSERTs of an event-sized row; for each, CPU per
command of this process (``time.process_time``) and of the PostgreSQL backends serving its
connections (``/proc/<pid>/stat``: run it on the database's machine, as a user that may read
them), and the wall time. Numbers for docs/benchmarks.md, section 1.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psycopg

from bench import children, db, district, writers
from bench.proc_cpu import backend_seconds, own_ports


def _backends(url: str, ports: set[int]) -> float:
    with psycopg.connect(url, autocommit=True) as conn:
        return backend_seconds(conn, ports)


def _measure(url: str, n: int, do: Callable[..., None]) -> str:
    for _ in range(50):
        do(warmup=True)
    ports = own_ports()
    b0, c0, w0 = _backends(url, ports), time.process_time(), time.perf_counter()
    for _ in range(n):
        do(warmup=False)
    c1, w1 = time.process_time(), time.perf_counter()
    b1 = _backends(url, ports)
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
