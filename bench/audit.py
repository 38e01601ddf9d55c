"""Section 5, audit: a case's history and its state at a version, and verifying the whole store."""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from typing import Any

import psycopg

from bench import children, db
from bench.children import median, percentile
from bench.figures import figure
from bench.harness import Harness
from infrastructure.settings import Settings
from interfaces.bootstrap import build_case_service


def run(h: Harness, s: Settings) -> None:
    r = h.run_child(measure, s.model_dump(), h.size.audit_reps)
    for key, label, base_key, target in (
        (
            "at_version",
            "state at version 25 of a 50-event case (replay)",
            "raw_select_25",
            "audit_at_version_p50",
        ),
        ("history", "history of a 50-event case (50 records with hashes)", "raw_select", None),
        ("current", "current state of a 50-event case", "raw_select", None),
    ):
        for q, ql in ((0.5, "p50"), (0.99, "p99")):
            h.results.add(
                figure(
                    "audit",
                    f"{label}: {ql}",
                    percentile(r[key], q) * 1000,
                    "ms",
                    percentile(r[base_key], q) * 1000,
                    "raw psycopg SELECT of the same rows",
                    better="lower",
                    target=target if ql == "p50" else None,
                )
            )
    rate = r["verify_events"] / r["verify_seconds"]
    base = r["raw_hash_events"] / r["raw_hash_seconds"]
    h.results.add(
        figure(
            "audit",
            f"verify over the store ({r['verify_events']:,} events, {r['verify_cases']:,} cases)",
            rate,
            "events/s",
            base,
            "raw psycopg read + one sha256 per row",
            detail=f"{r['verify_seconds']:.1f}s; intact={r['verify_intact']}",
        )
    )
    h.log(
        f"  audit: at-version p50 {median(r['at_version']) * 1000:.2f} ms, history p50 {median(r['history']) * 1000:.2f} ms,"
        f" verify {rate:,.0f} events/s (raw {base:,.0f})"
    )


def measure(settings: dict[str, Any], reps: int, out: Any) -> None:
    """A 50-event case: history and state-at-version latency; verify over the whole store."""
    try:
        from domain.values import Actor, Role

        s = children.settings_from(settings)
        svc = build_case_service(s)
        lead = Actor("gl-audit", Role.GRID_LEAD)
        grid = sorted(svc.jurisdiction.grids)[0]
        category = sorted(svc.jurisdiction.categories)[0]
        case_id = svc.report_case(
            actor=lead, grid_id=grid, category_id=category, title="审计基准案件（50条事件）"
        ).case_id
        for n in range(48):
            svc.add_note(
                case_id, actor=lead, text=f"第{n + 1}次进展：已入户走访，与居民沟通处置方案。"
            )
        svc.resolve(case_id, actor=Actor("co-audit", Role.COORDINATOR), summary="已处置")
        assert svc.get_case(case_id).version == 50

        def timed(f: Callable[[], Any]) -> list[float]:
            for _ in range(5):
                f()
            lat = []
            for _ in range(reps):
                t0 = time.perf_counter()
                f()
                lat.append(time.perf_counter() - t0)
            return lat

        history = timed(lambda: svc.history(case_id))
        at_version = timed(lambda: svc.case_at(case_id, version=25))
        current = timed(lambda: svc.get_case(case_id))
        sql = (
            f'SELECT originator_id, originator_version, topic, state FROM "{s.database_schema}".chuishao_events '
            "WHERE originator_id = %s ORDER BY originator_version"
        )
        with psycopg.connect(db.url_of(s)) as conn:
            raw = timed(lambda: conn.execute(sql, (case_id,), prepare=True).fetchall())
            raw25 = timed(
                lambda: conn.execute(
                    sql.replace("ORDER BY", "AND originator_version <= 25 ORDER BY"),
                    (case_id,),
                    prepare=True,
                ).fetchall()
            )
        t0 = time.perf_counter()
        report = svc.verify()
        verify_s = time.perf_counter() - t0
        svc.close()
        raw_n, raw_s = db.raw_read(s, hash_rows=True, page=1000)
        out.put(
            {
                "history": history,
                "at_version": at_version,
                "current": current,
                "raw_select": raw,
                "raw_select_25": raw25,
                "verify_events": report.events,
                "verify_cases": report.cases,
                "verify_intact": report.intact,
                "verify_seconds": verify_s,
                "raw_hash_events": raw_n,
                "raw_hash_seconds": raw_s,
            }
        )
    except BaseException:
        out.put({"fatal": traceback.format_exc()})
