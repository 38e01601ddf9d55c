"""CPU of ``chuishao projections rebuild`` per 10,000 events, the rebuild process and its
PostgreSQL backends apart, over an existing history.

``python -m bench.rebuild_cpu --schema S [--workers 1 2] [--rounds 3] [--raw]``

The history is one the bench kept (``python -m bench --size small --only projections
--keep`` prints its schema). Each round runs ``rebuild_views`` in this process: its CPU is
this process's and its forked workers' (``os.times``, the workers waited for), the
server's is that of every backend whose ``application_name`` is this run's (and their
parallel workers), read from ``/proc/<pid>/stat`` every 10 ms (run it on the database's
machine, as a user that may read them). ``--raw``: the bench's baseline, the raw read of
the same rows, measured the same way. On a shared machine the wall time moves with the
load; the CPU much less, so A/B pairs are compared by CPU.
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from pathlib import Path

import psycopg

from bench import db, district
from bench.proc_cpu import TICK
from bench.proc_cpu import ticks as proc_ticks


class Backends(threading.Thread):
    """Samples the CPU of the backends named ``app`` until stopped (a backend that
    exits loses at most its last 10 ms)."""

    def __init__(self, url: str, app: str) -> None:
        super().__init__(daemon=True)
        self.url, self.app = url, app
        self.first: dict[int, int] = {}
        self.last: dict[int, int] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        sql = (
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s OR leader_pid IN "
            "(SELECT pid FROM pg_stat_activity WHERE application_name = %s)"
        )
        with psycopg.connect(self.url, autocommit=True, application_name="rebuild_cpu") as conn:
            while not self.stop.is_set():
                for (pid,) in conn.execute(sql, (self.app, self.app)).fetchall():
                    ticks = proc_ticks(pid)
                    if ticks is not None:
                        self.first.setdefault(pid, ticks)
                        self.last[pid] = max(self.last.get(pid, 0), ticks)
                time.sleep(0.01)

    def seconds(self) -> float:
        return sum(self.last[p] - self.first[p] for p in self.last) / TICK


def _own_cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _line(what: str, n: int, wall: float, py: float, pg: float) -> str:
    per = 10_000 / n
    return (
        f"{what}: {n:,} events, wall {wall:.2f} s ({n / wall:,.0f} events/s); per 10,000 events:"
        f" process {py * per:.3f} s + PostgreSQL {pg * per:.3f} s = {(py + pg) * per:.3f} s CPU,"
        f" wall {wall * per:.3f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.rebuild_cpu", description=__doc__)
    parser.add_argument("--schema", required=True, help="a kept history schema")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--raw", action="store_true", help="also the raw read (the baseline)")
    parser.add_argument("--out", type=Path, default=Path("/tmp/chuishao-rebuild-cpu"))
    parser.add_argument("--database-url", default=db.bench_url())
    args = parser.parse_args()
    app = f"rebuild_cpu_{os.getpid()}"
    os.environ["PGAPPNAME"] = app  # every connection of this process and its workers
    jurisdiction = args.out / "district.toml"
    if not jurisdiction.exists():
        district.write(jurisdiction)
    s = db.settings_for(args.database_url, args.schema, jurisdiction, data_dir=args.out / "data")

    from interfaces.bootstrap import build_container  # after PGAPPNAME is set
    from projections.rebuild_partitions import rebuild_views

    with build_container(s) as c:
        c.projector.head()
        for _ in range(args.rounds):
            for workers in args.workers:
                backends = Backends(db.url_of(s), app)
                backends.start()
                time.sleep(0.3)  # its first sample of the open connections
                cpu, wall = _own_cpu(), time.perf_counter()
                n = rebuild_views(c.projector, workers=workers)
                wall, cpu = time.perf_counter() - wall, _own_cpu() - cpu
                time.sleep(0.05)
                backends.stop.set()
                backends.join()
                print(_line(f"rebuild --workers {workers}", n, wall, cpu, backends.seconds()))
    if args.raw:
        backends = Backends(db.url_of(s), app)
        backends.start()
        time.sleep(0.3)
        cpu = _own_cpu()
        n, wall = db.raw_read(s, hash_rows=False)
        cpu = _own_cpu() - cpu
        time.sleep(0.05)
        backends.stop.set()
        backends.join()
        print(_line("raw read (the bench's baseline)", n, wall, cpu, backends.seconds()))


if __name__ == "__main__":
    main()
