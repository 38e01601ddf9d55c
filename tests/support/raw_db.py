"""Direct SQL on the events and signatures tables, for tests that act as an intruder."""

from __future__ import annotations

import sqlite3
from typing import Any

import psycopg

from infrastructure.event_store import SQLITE_FILE
from infrastructure.settings import Settings


class RawDb:
    """Direct access to the events table, around the service: what an intruder would do."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @property
    def is_postgres(self) -> bool:
        return self.settings.database_url is not None

    @property
    def table(self) -> str:
        if self.is_postgres:
            return f'"{self.settings.database_schema}".chuishao_events'
        return "stored_events"

    def connect(self) -> Any:
        if self.is_postgres:
            return psycopg.connect(self.settings.database_url.get_secret_value(), autocommit=True)
        conn = sqlite3.connect(self.settings.data_dir / SQLITE_FILE, isolation_level=None)
        return conn

    @property
    def signatures(self) -> str:
        if self.is_postgres:
            return f'"{self.settings.database_schema}".chuishao_log_signatures'
        return "chuishao_log_signatures"

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        sql = sql.replace("{events}", self.table).replace("{signatures}", self.signatures)
        if not self.is_postgres:
            sql = sql.replace("%s", "?")
        conn = self.connect()
        try:
            cur = conn.execute(sql, params)
            return list(cur.fetchall()) if cur.description else []
        finally:
            conn.close()

    def drop_guards(self) -> None:
        """Remove the append-only triggers, as a database superuser could."""
        for table in (self.table, self.signatures):
            if self.is_postgres:
                self.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            else:
                self.execute(f"DROP TRIGGER {table}_no_update")
                self.execute(f"DROP TRIGGER {table}_no_delete")

    def count(self) -> int:
        return int(self.execute("SELECT COUNT(*) FROM {events}")[0][0])
