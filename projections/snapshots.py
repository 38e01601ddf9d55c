"""The views as of a past instant, rebuilt from the log into a scratch database.

The live views hold each case as it is now, so they answer for any instant at or after
the latest event they hold. For an earlier instant the ledger is rebuilt, in a scratch
SQLite file, from the events stamped at or before it — by the same projection code, read
by the same queries, so it is exact by construction (a case's own events never go back in
time, so those of one case up to an instant are a prefix of its history). That costs a
replay of the log up to the views' position, so one snapshot is built at a time and the
last few are kept, keyed by instant and position.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from eventsourcing.persistence import Tracking
from sqlalchemy import create_engine

from projections.dashboards import Dashboards
from projections.ledger import CaseLedger, LedgerView

PAGE = 2000
KEEP = 2


class Snapshots:
    def __init__(self, service: Any, keep: int = KEEP) -> None:
        self.service = service
        self.keep = keep
        self._kept: OrderedDict[tuple[datetime, int], tuple[Dashboards, Path]] = OrderedDict()
        self._lock = threading.Lock()  # one replay at a time: bounded work per process
        self._dir = Path(tempfile.mkdtemp(prefix="chuishao-asof-"))
        self._built = 0

    def at(self, as_of: datetime, position: int) -> Dashboards:
        """Dashboards over the events up to log ``position`` stamped at or before ``as_of``."""
        key = (as_of, position)
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None:
                self._kept.move_to_end(key)
                return kept[0]
            self._built += 1
            path = self._dir / f"asof-{self._built}.db"
            engine = create_engine(f"sqlite:///{path}")
            ledger = CaseLedger(LedgerView(engine, CaseLedger.name))
            ledger.process_pages(self._pages(as_of, position), per_transaction=10 * PAGE)
            self._kept[key] = (Dashboards(engine), path)
            while len(self._kept) > self.keep:
                _, (dropped, old) = self._kept.popitem(last=False)
                dropped.engine.dispose()
                old.unlink(missing_ok=True)  # a reader still in it keeps its open file
            return self._kept[key][0]

    def _pages(self, as_of: datetime, position: int) -> Iterator[list[tuple[Any, Tracking]]]:
        start = 1
        while start <= position:
            notifications = self.service.recorder.select_notifications(start, PAGE, stop=position)
            if not notifications:
                return
            page = [(self.service.mapper.to_domain_event(n), Tracking(self.service.name, n.id))
                    for n in notifications]  # fmt: skip
            happened = [(e, t) for e, t in page if e.timestamp <= as_of]
            if happened:
                yield happened
            start = notifications[-1].id + 1

    def close(self) -> None:
        with self._lock:
            for d, _ in self._kept.values():
                d.engine.dispose()
            self._kept.clear()
            shutil.rmtree(self._dir, ignore_errors=True)
