"""Storage per event, and the time a backup and a restore take (docs/scaling.md).

``python -m bench.storage --cases 3000`` loads a busy-district history through
``CaseService`` (the benchmark's generator, one thread, simulated clock) into a fresh
PostgreSQL schema and a SQLite file, brings the views to the head, and prints the bytes
on disk per event (events and signatures; views; everything), then times `chuishao
backup`'s work and the backup's size. Nothing is asserted: figures for the docs.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

from bench import db, district
from bench.histories.busy_district import Planner
from bench.histories.loading import run_simulated
from bench.histories.steps import SimClock
from infrastructure.backup import take_backup
from infrastructure.event_store import SQLITE_FILE
from infrastructure.settings import Settings
from infrastructure.sql import make_engine
from interfaces.bootstrap import build_case_service, build_projector

LOG_TABLES = ("chuishao_events", "stored_events", "chuishao_log_signatures")


def load(settings: Settings, cases: int) -> tuple[int, float]:
    clock = SimClock()
    started = time.perf_counter()
    with build_case_service(settings, clock=clock) as svc:
        planner = Planner(svc.jurisdiction, 7, district.generate().category_weights)
        run_simulated(svc, clock, planner, range(cases))
        events = svc.log_position()
        engine = make_engine(settings)
        try:
            build_projector(svc, engine).catch_up()
        finally:
            engine.dispose()
    return events, time.perf_counter() - started


def postgres_sizes(url: str, schema: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind = 'r'",
            (schema,),
        ).fetchall()
    return {str(name): int(size) for name, size in rows}


def sqlite_sizes(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        try:
            rows = conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall()
        except sqlite3.OperationalError:  # built without dbstat
            rows = [("all", path.stat().st_size)]
    return {str(name): int(size) for name, size in rows}


def summary(sizes: dict[str, int], events: int) -> dict[str, Any]:
    log = sum(v for k, v in sizes.items() if k.startswith(LOG_TABLES))
    total = sum(sizes.values())
    return {
        "events": events,
        "log_bytes_per_event": round(log / events),
        "total_bytes_per_event": round(total / events),
        "total_bytes": total,
        "largest": sorted(sizes.items(), key=lambda kv: -kv[1])[:8],
    }


def timed_backup(settings: Settings, out: Path) -> dict[str, Any]:
    started = time.perf_counter()
    manifest = take_backup(settings, out)
    seconds = time.perf_counter() - started
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return {"seconds": round(seconds, 2), "bytes": size, "files": len(manifest.files)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=3000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="chuishao-storage-"))
    jurisdiction, _ = district.write(work / "district.toml")
    url = db.bench_url()
    db.ensure_database(url)
    schema = db.new_schema(url, "bench_storage")
    results: dict[str, Any] = {"cases": args.cases}
    try:
        pg = db.settings_for(url, schema, jurisdiction, data_dir=work / "pg-data")
        events, seconds = load(pg, args.cases)
        results["postgresql"] = summary(postgres_sizes(url, schema), events)
        results["postgresql"]["load_seconds"] = round(seconds, 1)
        results["postgresql"]["backup"] = timed_backup(pg, work / "pg-backup")
        lite = Settings(data_dir=work / "sqlite", jurisdiction_file=jurisdiction)
        events, seconds = load(lite, args.cases)
        results["sqlite"] = summary(sqlite_sizes(lite.data_dir / SQLITE_FILE), events)
        results["sqlite"]["load_seconds"] = round(seconds, 1)
        results["sqlite"]["backup"] = timed_backup(lite, work / "sqlite-backup")
    finally:
        db.drop_schema(url, schema)
        shutil.rmtree(work, ignore_errors=True)
    text = json.dumps(results, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
