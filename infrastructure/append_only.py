"""Makes the events table append-only in the database itself, on both backends.

Even a process that bypasses the service (a console, a buggy script) cannot
UPDATE or DELETE an event: the database refuses. Installing is idempotent.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg.sql import SQL, Identifier

from infrastructure.log_signatures import TABLE as SIGNATURES_TABLE

REFUSAL = "chuishao: events are append-only"

_SQLITE = [
    "CREATE TRIGGER IF NOT EXISTS {t}_no_update BEFORE UPDATE ON {t} "
    f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END",
    "CREATE TRIGGER IF NOT EXISTS {t}_no_delete BEFORE DELETE ON {t} "
    f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END",
]

_POSTGRES = [
    # Serialise concurrent installers: DDL on one table from many processes can race.
    "SELECT pg_advisory_xact_lock(7223310)",
    "CREATE OR REPLACE FUNCTION {schema}.chuishao_refuse_change() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '" + REFUSAL + " (% refused)', TG_OP "
    "USING ERRCODE = 'insufficient_privilege'; END $$",
    "CREATE OR REPLACE TRIGGER chuishao_append_only BEFORE UPDATE OR DELETE ON {schema}.{table} "
    "FOR EACH ROW EXECUTE FUNCTION {schema}.chuishao_refuse_change()",
    "CREATE OR REPLACE TRIGGER chuishao_no_truncate BEFORE TRUNCATE ON {schema}.{table} "
    "FOR EACH STATEMENT EXECUTE FUNCTION {schema}.chuishao_refuse_change()",
]


def append_only_tables(recorder: Any) -> list[str]:
    """The tables whose rows are the record: the events and their signed rows."""
    return [recorder.events_table_name, SIGNATURES_TABLE]


def install_append_only_guards(recorder: Any) -> None:
    if isinstance(recorder, SQLiteApplicationRecorder):
        with recorder.datastore.transaction(commit=True) as c:
            for table in append_only_tables(recorder):
                for statement in _SQLITE:
                    c.execute(statement.format(t=table))
    elif isinstance(recorder, PostgresApplicationRecorder):
        with recorder.datastore.transaction(commit=True) as c:
            for table in append_only_tables(recorder):
                names = {
                    "schema": Identifier(recorder.datastore.schema),
                    "table": Identifier(table),
                }
                for statement in _POSTGRES:
                    c.execute(SQL(statement).format(**names))  # type: ignore[arg-type]
    else:
        raise TypeError(f"no append-only guard for {type(recorder).__name__}")
