"""CPU seconds of this process's PostgreSQL backends, read from ``/proc`` (Linux; the
server on this machine): the CPU-time figures of ``cpu_split``, ``dash_cpu``,
``projector_cpu`` and ``rebuild_cpu``."""

from __future__ import annotations

import os
from typing import Any

import psycopg

TICK = os.sysconf("SC_CLK_TCK")


def own_ports() -> set[int]:
    """Local TCP ports of this process's sockets (its database connections among them)."""
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


def ticks(pid: int) -> int | None:
    """utime + stime of a process in clock ticks; None once it has exited."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[11]) + int(fields[12])


def backend_pids(conn: psycopg.Connection[Any], ports: set[int]) -> set[int]:
    """The server processes serving ``ports`` (the asking connection left out)."""
    rows = conn.execute(
        "SELECT pid FROM pg_stat_activity WHERE client_port = ANY(%s) AND pid <> pg_backend_pid()",
        (list(ports),),
    ).fetchall()
    return {int(r[0]) for r in rows}


def cpu_of(pids: set[int]) -> float:
    """CPU seconds of ``pids`` (an exited one counts nothing)."""
    return sum(ticks(pid) or 0 for pid in pids) / TICK


def backend_seconds(conn: psycopg.Connection[Any], ports: set[int]) -> float:
    """CPU seconds of the backends serving ``ports``, asked on ``conn`` (kept open by the
    caller: a busy server may refuse a new connection)."""
    return cpu_of(backend_pids(conn, ports))
