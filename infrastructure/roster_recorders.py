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

from infrastructure.append_only import ROSTER_EVENTS_TABLE
from infrastructure.recorders import IdempotentPostgresRecorder, IdempotentSQLiteRecorder


class RosterSQLiteRecorder(IdempotentSQLiteRecorder):
    def __init__(self, datastore: Any, events_table_name: str = "stored_events") -> None:
        # The library names every SQLite application's table "stored_events": the roster
        # would write into the case log. Its own table, as on PostgreSQL.
        del events_table_name
        super().__init__(datastore, events_table_name=ROSTER_EVENTS_TABLE)

    def _sign(self, cursor: Any, ids: Sequence[int] | None, events: Sequence[StoredEvent]) -> None:
        """Not signed (see the module's docstring)."""


class RosterPostgresRecorder(IdempotentPostgresRecorder):
    def __init__(self, datastore: Any, events_table_name: str = "stored_events") -> None:
        del events_table_name
        super().__init__(datastore, events_table_name=ROSTER_EVENTS_TABLE)

    def _sign(self, cursor: Any, ids: Sequence[int] | None, events: Sequence[StoredEvent]) -> None:
        """Not signed (see the module's docstring)."""
