"""A throwaway primary and its hot standby (``pg_basebackup -R``), on free ports, run as
the ``postgres`` user like throwaway_pg.py; never the shared server."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import psycopg
import pytest

from tests.reliability.throwaway_pg import ThrowawayCluster, _as_postgres, _bin
from tests.support.processes import free_port

READY_SECONDS = 60


def require_root() -> None:
    if shutil.which("runuser") is None or os.geteuid() != 0:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("the standby tests need root to run throwaway clusters")
        pytest.skip("needs root to run throwaway PostgreSQL clusters")


class Standby(ThrowawayCluster):
    """A copy of ``primary`` taken with pg_basebackup, replaying its WAL as a hot standby."""

    def __init__(self, primary: ThrowawayCluster) -> None:
        self.dir = primary.dir / "standby"
        self.dir.mkdir()
        shutil.chown(self.dir, "postgres", "postgres")
        self.data = self.dir / "data"
        self.port = free_port()
        _as_postgres(
            _bin("pg_basebackup"),
            *("-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres"),
            *("-D", str(self.data), "-R", "-X", "stream", "-c", "fast"),
        )

    def promote(self) -> None:
        _as_postgres(_bin("pg_ctl"), "-D", str(self.data), "-w", "promote")


class StandbyPair:
    """``synchronous``: the primary acknowledges a commit only once the standby has it
    on disk (what Patroni's synchronous_mode does), so a failover loses no acknowledged
    write."""

    def __init__(self, *, synchronous: bool = False) -> None:
        self.primary = ThrowawayCluster()
        self.primary.start()
        try:
            self.standby = Standby(self.primary)
            self.standby.start()
            if synchronous:
                self.sql(self.primary, "ALTER SYSTEM SET synchronous_standby_names = '*'")
                self.sql(self.primary, "SELECT pg_reload_conf()")
            self._wait_streaming("sync" if synchronous else None)
        except BaseException:
            self.destroy()
            raise

    @staticmethod
    def sql(cluster: ThrowawayCluster, statement: str) -> list[tuple[object, ...]]:
        with psycopg.connect(cluster.url, autocommit=True, connect_timeout=5) as conn:
            cur = conn.execute(statement)  # type: ignore[arg-type]
            return cur.fetchall() if cur.description else []

    def _wait_streaming(self, sync_state: str | None) -> None:
        query = "SELECT state, sync_state FROM pg_stat_replication"
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            rows = self.sql(self.primary, query)
            if rows and rows[0][0] == "streaming" and sync_state in (None, rows[0][1]):
                return
            time.sleep(0.1)
        raise RuntimeError(f"the standby is not streaming: {rows}")

    def destroy(self) -> None:
        standby = getattr(self, "standby", None)
        if standby is not None:
            try:
                standby.stop()
            except subprocess.CalledProcessError:
                pass
        self.primary.destroy()  # removes the standby's directory too

    @property
    def dir(self) -> Path:
        return self.primary.dir
