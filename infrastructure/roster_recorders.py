"""The recorders of the 双报到 roster's own event log (``chuishao_roster_events``).

The case recorders, minus the commit signature: the signed-log table covers the case
log's positions alone (``chuishao verify``), so the roster log is kept apart from it.
What stays: Idempotency-Keys and members' sealed contacts written in the events' own
transaction (the same key and contact tables as the cases'), append-only triggers
(installed by the composition root), the advisory writer lock on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent

from infrastructure.recorders import IdempotentPostgresRecorder, IdempotentSQLiteRecorder


class RosterSQLiteRecorder(IdempotentSQLiteRecorder):
    def _sign(self, cursor: Any, ids: Sequence[int] | None, events: Sequence[StoredEvent]) -> None:
        """Not signed (see the module's docstring)."""


class RosterPostgresRecorder(IdempotentPostgresRecorder):
    def _sign(self, cursor: Any, ids: Sequence[int] | None, events: Sequence[StoredEvent]) -> None:
        """Not signed (see the module's docstring)."""
