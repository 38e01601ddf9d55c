"""Where a read of the views runs: the primary, or a hot standby that has caught up.

Dashboards, the ledger, case lists, queues, inboxes and duplicate searches read the
views through a ``Reading``; the event log itself (a case's history, the version a
write is checked against) and every write stay on the primary.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine

from infrastructure.read_replicas import Marks, ReadReplicas, ReplicaState
from infrastructure.settings import Settings
from infrastructure.sql import make_engine
from projections.case_duplicates import DuplicateFinder
from projections.dashboards import Dashboards
from projections.queries import LedgerQueries
from projections.runner import Projector

PRIMARY = "primary"
MarkTuple = tuple[tuple[str, tuple[int, int]], ...]


@dataclass(frozen=True)
class ReadSide:
    """The read objects over one database's views."""

    name: str  # "primary" or "replica-N"
    engine: Engine
    ledger: LedgerQueries
    dashboards: Dashboards
    duplicates: DuplicateFinder

    def on(self, name: str, engine: Engine) -> ReadSide:
        """The same reads over another copy of the views."""
        return ReadSide(
            name,
            engine,
            LedgerQueries(engine),
            Dashboards(engine),
            DuplicateFinder(engine, self.duplicates.nearby, self.duplicates.rules),
        )


@dataclass(frozen=True)
class Reading:
    """The side one request reads, and what its views held when it was chosen (the
    answer cache keys answers by it: projections.view marks)."""

    side: ReadSide
    marks: Callable[[], MarkTuple]

    @property
    def name(self) -> str:
        return self.side.name


class ReadRouter:
    """The primary's side, and a side per standby chosen by ``ReadReplicas``."""

    def __init__(
        self,
        primary: ReadSide,
        projector: Projector,
        replicas: ReadReplicas | None = None,
    ) -> None:
        self.primary, self.projector, self.replicas = primary, projector, replicas
        engines = replicas.engines if replicas else []
        names = replicas.names if replicas else []
        self.sides = [primary.on(n, e) for n, e in zip(names, engines, strict=True)]

    def reading(self, min_position: int = 0) -> Reading:
        """A standby whose views hold ``min_position`` within the lag bound, else the
        primary (whose views the caller still waits for)."""
        chosen = self.replicas.choose(min_position) if self.replicas else None
        if chosen is None:
            return Reading(self.primary, self._primary_marks)
        i, state = chosen
        marks = tuple(sorted(state.marks.items()))
        return Reading(self.sides[i], lambda: marks)

    def lag(self) -> list[ReplicaState]:
        """Each standby's lag in bytes and seconds and its views' position (for metrics);
        empty without standbys."""
        return self.replicas.lag() if self.replicas else []

    def close(self) -> None:
        if self.replicas:
            self.replicas.dispose()

    def _primary_marks(self) -> MarkTuple:
        return tuple(sorted(self.projector.marks().items()))


def build_read_router(settings: Settings, primary: ReadSide, projector: Projector) -> ReadRouter:
    """Standbys from ``read_database_urls`` (none: every read on the primary)."""
    if not settings.read_database_urls or settings.database_url is None:
        return ReadRouter(primary, projector)
    engines = [  # a standby that does not answer soon is skipped (the primary answers)
        make_engine(settings.model_copy(update={"database_url": url}), connect_timeout=2)
        for url in settings.read_database_urls
    ]
    projections, application_name = projector.projections, projector.service.name

    def marks(conn: Connection) -> Marks:  # keyed as Projector.marks
        return {p.name: p.view.mark_on(conn, application_name) for p in projections}

    replicas = ReadReplicas(
        primary.engine, engines, marks, max_lag_seconds=settings.read_max_lag_seconds
    )
    return ReadRouter(primary, projector, replicas)
