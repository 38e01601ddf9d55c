"""Makes the events table append-only in the database itself, on both backends.

Even a process that bypasses the service (a console, a buggy script) cannot
UPDATE or DELETE an event: the database refuses. Installing is idempotent.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg.sql import SQL, Identifier

from infrastructure.log_signatures import ROSTER_TABLE as ROSTER_SIGNATURES_TABLE
from infrastructure.log_signatures import TABLE as SIGNATURES_TABLE
from infrastructure.log_signatures import table_of

REFUSAL = "chuishao: events are append-only"
EVENTS_TABLE = "chuishao_events"  # the library's name for CaseService.name = "chuishao"
# Tables whose rows are the evidence: the service role may only SELECT and INSERT them
# (`chuishao db setup`), and triggers refuse UPDATE, DELETE and TRUNCATE even to their owner.
# A listed table that does not exist yet is skipped.
ROSTER_EVENTS_TABLE = "chuishao_roster_events"  # the 双报到 roster's log (RosterService)
APPEND_ONLY_TABLES = (
    EVENTS_TABLE,
    SIGNATURES_TABLE,
    ROSTER_EVENTS_TABLE,
    ROSTER_SIGNATURES_TABLE,
)

_SQLITE = [
    "CREATE TRIGGER IF NOT EXISTS {t}_no_update BEFORE UPDATE ON {t} "
    f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END",
    "CREATE TRIGGER IF NOT EXISTS {t}_no_delete BEFORE DELETE ON {t} "
    f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END",
]

_LOCK = "SELECT pg_advisory_xact_lock(7223310)"  # concurrent installers' DDL can race
_POSTGRES_FUNCTION = (
    "CREATE OR REPLACE FUNCTION {schema}.chuishao_refuse_change() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '" + REFUSAL + " (% refused)', TG_OP "
    "USING ERRCODE = 'insufficient_privilege'; END $$"
)
_POSTGRES_TRIGGERS = [
    "CREATE OR REPLACE TRIGGER chuishao_append_only BEFORE UPDATE OR DELETE ON {schema}.{table} "
    "FOR EACH ROW EXECUTE FUNCTION {schema}.chuishao_refuse_change()",
    "CREATE OR REPLACE TRIGGER chuishao_no_truncate BEFORE TRUNCATE ON {schema}.{table} "
    "FOR EACH STATEMENT EXECUTE FUNCTION {schema}.chuishao_refuse_change()",
]


def append_only_tables(recorder: Any) -> list[str]:
    """The tables whose rows are the record: the events and their signed rows."""
    return [recorder.events_table_name, table_of(recorder)]


def install_append_only_guards(recorder: Any) -> None:
    if isinstance(recorder, SQLiteApplicationRecorder):
        with recorder.datastore.transaction(commit=True) as c:
            for table in append_only_tables(recorder):
                for statement in _SQLITE:
                    c.execute(statement.format(t=table))
    elif isinstance(recorder, PostgresApplicationRecorder):
        with recorder.datastore.transaction(commit=True) as c:
            install_postgres_guards(c, recorder.datastore.schema, append_only_tables(recorder))
    else:
        raise TypeError(f"no append-only guard for {type(recorder).__name__}")


def install_postgres_guards(cursor: Any, schema: str, tables: Iterable[str]) -> None:
    """The refusing function and the triggers on each table, in the caller's transaction."""
    cursor.execute(SQL(_LOCK))
    cursor.execute(SQL(_POSTGRES_FUNCTION).format(schema=Identifier(schema)))
    for table in tables:
        for statement in _POSTGRES_TRIGGERS:
            cursor.execute(
                SQL(statement).format(schema=Identifier(schema), table=Identifier(table))
            )
