"""The recorders of the 双报到 roster's own event log (``chuishao_roster_events``).

The case recorders with their own tables: the events in ``chuishao_roster_events`` and
each commit batch's signed row in ``chuishao_roster_log_signatures`` — a signature chain
of its own (the same code and key as the case log's), so ``chuishao verify`` checks each
log against its own signed heads. What stays shared: Idempotency-Keys and members'
sealed contacts written in the events' own transaction (the same key and contact tables
as the cases'), append-only triggers (installed by the composition root), the advisory
writer lock on PostgreSQL (keyed by the events table: one per log).
"""

from __future__ import annotations

from typing import Any

from infrastructure.append_only import ROSTER_EVENTS_TABLE
from infrastructure.log_signatures import ROSTER_TABLE
from infrastructure.recorders import IdempotentPostgresRecorder, IdempotentSQLiteRecorder


class RosterSQLiteRecorder(IdempotentSQLiteRecorder):
    signatures_table = ROSTER_TABLE

    def __init__(self, datastore: Any, events_table_name: str = "stored_events") -> None:
        # The library names every SQLite application's table "stored_events": the roster
        # would write into the case log. Its own table, as on PostgreSQL.
        del events_table_name
        super().__init__(datastore, events_table_name=ROSTER_EVENTS_TABLE)


class RosterPostgresRecorder(IdempotentPostgresRecorder):
    signatures_table = ROSTER_TABLE

    def __init__(self, datastore: Any, events_table_name: str = "stored_events") -> None:
        del events_table_name
        super().__init__(datastore, events_table_name=ROSTER_EVENTS_TABLE)
