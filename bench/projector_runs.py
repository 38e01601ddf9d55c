"""Projector processes: rebuild every view from the log, or follow writers and sample the lag."""

from __future__ import annotations

import os
import threading
import time
import traceback
from typing import Any

from bench import children, db
from interfaces.bootstrap import build_container
from projections.rebuild_partitions import rebuild_views


def rebuild(settings: dict[str, Any], out: Any) -> None:
    """Empty the views and catch up from the whole log; then the rebuild command with 1 and
    2 workers; then the raw reading baselines."""
    try:
        s = children.settings_from(settings)
        with build_container(s) as c:
            head = c.projector.head()
            for view in c.projector.views:
                view.reset()
            t0 = time.perf_counter()
            applied = c.projector.catch_up()
            took = time.perf_counter() - t0
            # what reading alone costs: the same pages, decoded, nothing written
            t0 = time.perf_counter()
            decoded = 0
            start = 1
            while True:
                page = c.projector._read(start)
                decoded += len(page)
                if len(page) < 5000:
                    break
                start = page[-1][1].notification_id + 1
            decode_took = time.perf_counter() - t0
            # what `chuishao projections rebuild --workers N` does: fresh tables, the
            # fold from stored JSON, bulk writes, the swap
            fast: dict[str, Any] = {}
            for workers in (1, 2):
                t0 = time.perf_counter()
                fast[f"fast{workers}_applied"] = rebuild_views(c.projector, workers=workers)
                fast[f"fast{workers}_seconds"] = time.perf_counter() - t0
        raw_n, raw_took = db.raw_read(s, hash_rows=False)
        out.put(
            {
                "head": head,
                "applied": applied,
                "seconds": took,
                "decoded": decoded,
                "decode_seconds": decode_took,
                "raw_events": raw_n,
                "raw_seconds": raw_took,
                "vm_hwm_kb": db.vm_hwm_kb(os.getpid()),
                **fast,
            }
        )
    except BaseException:
        out.put({"fatal": traceback.format_exc()})


def follow(
    settings: dict[str, Any],
    max_seconds: float,
    interval: float,
    ready: Any,
    stopped: Any,
    out: Any,
) -> None:
    """Run the projector (its loop polling the log) while writers write; sample the lag
    until the writers stop (``stopped.value``: their ``time.monotonic()`` then), then time
    the drain: from the writers stopping until every view's position equals the head.

    Beside it, a no-op subscriber on the same log (the library's subscription, nothing
    applied) is the baseline: the lag the notification machinery alone has.
    """
    try:
        s = children.settings_from(settings)
        with build_container(s) as c:
            c.projector.catch_up()
            c.projector.start()
            first_head = c.projector.head()
            noop = {"position": first_head}
            stop = threading.Event()

            def position() -> int:
                return min(c.projector.positions().values())  # the slowest view

            def subscriber() -> None:
                with c.service.recorder.subscribe(gt=noop["position"]) as sub:
                    for n in sub:
                        noop["position"] = n.id
                        if stop.is_set():
                            return

            t = threading.Thread(target=subscriber, daemon=True)
            t.start()
            ready.set()
            samples: list[tuple[float, int, int, int]] = []
            t0 = time.perf_counter()
            while not stopped.value and time.perf_counter() - t0 < max_seconds:
                head = c.projector.head()
                pos = position()
                samples.append(
                    (time.perf_counter() - t0, head, head - pos, max(0, head - noop["position"]))
                )
                time.sleep(interval)
            # every writer thread has returned: the head is final
            head = c.projector.head()
            while position() < head and time.monotonic() - stopped.value < 120:
                time.sleep(0.002)
            drain = time.monotonic() - stopped.value if stopped.value else float("nan")
            stop.set()
        out.put(
            {
                "samples": samples,
                "drain_seconds": drain,
                "events": head - first_head,
                "vm_hwm_kb": db.vm_hwm_kb(os.getpid()),
            }
        )
    except BaseException:
        out.put({"fatal": traceback.format_exc()})
