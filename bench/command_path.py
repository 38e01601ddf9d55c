"""Section 1, the command path: commands per second through ``CaseService`` against raw INSERTs."""

from __future__ import annotations

import time
from typing import Any

from bench import db, writers
from bench.children import percentile
from bench.figures import figure
from bench.harness import Harness
from infrastructure.settings import Settings
from interfaces.bootstrap import build_case_service


def run(h: Harness) -> None:
    size = h.size
    h.log(f"command path: writers {size.writers}, {size.cmd_seconds}s each")
    runs: dict[tuple[str, str, int], dict[str, Any]] = {}
    sizes: tuple[int, int, int] | None = None
    for mode in ("threads", "processes"):
        for gc in (True, False):
            for w in size.writers:
                schema = h.schema("cmd")
                if mode == "threads":
                    s = h.settings(schema, group_commit=gc, pool_size=w, max_overflow=4)
                else:
                    s = h.settings(schema, group_commit=gc, pool_size=1, max_overflow=0)
                build_case_service(s).close()  # tables before the writers race to make them
                r = _writers(h, "chuishao", s, mode, w, None)
                ev = db.event_sizes(h.url, schema)
                r["events_in_table"] = ev[0]
                sizes = ev if sizes is None or ev[0] > sizes[0] else sizes
                runs[(mode, "on" if gc else "off", w)] = r
                h.log(
                    f"  {mode:9} gc={'on ' if gc else 'off'} w={w:2}: {r['rate']:7.0f} commands/s"
                    f" p50 {r['p50'] * 1000:.1f} ms p99 {r['p99'] * 1000:.1f} ms"
                    + (f" commands/batch {r['per_batch']:.1f}" if r.get("per_batch") else "")
                    + (f" errors {r['errors']}" if r["errors"] else "")
                )
                db.drop_schema(h.url, schema)
    assert sizes is not None
    _, state_bytes, topic_bytes = sizes
    h.results.detail("command_path", "row_bytes", {"state": state_bytes, "topic": topic_bytes})
    raw: dict[tuple[str, int], dict[str, Any]] = {}
    for mode in ("threads", "processes"):
        for w in size.writers:
            schema = h.schema("raw")
            db.create_raw_table(h.url, schema)
            s = h.settings(schema)
            r = _writers(h, "raw", s, mode, w, (state_bytes, topic_bytes))
            raw[(mode, w)] = r
            h.log(
                f"  raw {mode:9} w={w:2}: {r['rate']:7.0f} commands/s p50 {r['p50'] * 1000:.1f} ms"
            )
            db.drop_schema(h.url, schema)
    for (mode, commit, w), r in runs.items():
        b = raw[(mode, w)]
        name = f"{mode} × {w}, group commit {commit}: commands/s"
        # the target is the product's path: group commit on (the default) at 32 writers
        h.results.add(
            figure(
                "command_path",
                name,
                r["rate"],
                "cmd/s",
                b["rate"],
                f"raw INSERT, 1 tx/command, {mode} × {w}",
                target="command_path_32" if w == 32 and commit == "on" else None,
                detail=(
                    f"events/s {r['rate']:.0f} (1 event/command); p50 {r['p50'] * 1000:.1f} ms, "
                    f"p99 {r['p99'] * 1000:.1f} ms (raw {b['p50'] * 1000:.1f}/{b['p99'] * 1000:.1f})"
                    + (f"; {r['per_batch']:.1f} commands/batch" if r.get("per_batch") else "")
                ),
            )
        )
        h.results.detail(
            "command_path",
            name,
            {
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


def _writers(
    h: Harness, kind: str, s: Settings, mode: str, w: int, raw_row: tuple[int, int] | None
) -> dict[str, Any]:
    procs = 1 if mode == "threads" else w
    per = w if mode == "threads" else 1
    barrier = h.ctx.Barrier(w + 1)
    base = int(time.time() * 1000) % 1_000_000 * 100  # fresh case ids per run
    children = [
        h.start(
            writers.command_writers,
            kind,
            s.model_dump(),
            per,
            k * per,
            w,
            base,
            h.size.cmd_seconds,
            h.seed,
            raw_row,
            barrier,
        )
        for k in range(procs)
    ]
    try:
        barrier.wait(timeout=300)
    except Exception:
        for p, q in children:
            h.collect(p, q, timeout=60)  # raises with the child's traceback
        raise
    t0 = time.perf_counter()
    out = [h.collect(p, q, timeout=300 + h.size.cmd_seconds) for p, q in children]
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
        h.log(f"  errors: {kinds}")
    return {
        "commands": commands,
        "error_kinds": kinds,
        "errors": sum(t["errors"] for t in threads),
        "rate": commands / h.size.cmd_seconds,
        "p50": percentile(lat, 0.5),
        "p99": percentile(lat, 0.99),
        "per_batch": requests / batches if batches else None,
        "wall": wall,
    }
