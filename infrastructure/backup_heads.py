"""What a backup's manifest anchors: each signed log's head position and newest signed row,
read in the very instant the copy holds (SQLite: the copy itself; PostgreSQL: the snapshot
pg_dump exports).

Two logs: the cases' (``chuishao_events`` / ``stored_events`` on SQLite) and the 双报到
roster's (``chuishao_roster_events``), each with its own chain of signed rows. A database
written before the roster log existed has neither of its tables: its head is 0, unsigned.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.sql import SQL, Identifier

from application.log_chain import FORMAT as ANCHOR_FORMAT
from infrastructure.append_only import EVENTS_TABLE, ROSTER_EVENTS_TABLE
from infrastructure.log_signatures import ROSTER_TABLE as ROSTER_SIGNATURES
from infrastructure.log_signatures import TABLE as SIGNATURES

SQLITE_EVENTS = "stored_events"  # the library's name for the case log on SQLite


@dataclass(frozen=True)
class LogTables:
    sqlite_events: str
    postgres_events: str
    signatures: str


CASE_LOG = LogTables(SQLITE_EVENTS, EVENTS_TABLE, SIGNATURES)
ROSTER_LOG = LogTables(ROSTER_EVENTS_TABLE, ROSTER_EVENTS_TABLE, ROSTER_SIGNATURES)


@dataclass(frozen=True)
class LogHead:
    position: int  # the newest event's log position (0: empty or absent)
    checkpoint: dict[str, Any] | None  # the newest signed row, as an anchor (log_chain.py)

    def as_manifest(self) -> dict[str, Any]:
        return {"head_position": self.position, "checkpoint": self.checkpoint}


def anchor(row: dict[str, Any]) -> dict[str, Any]:
    return {"format": ANCHOR_FORMAT, **row}


def sqlite_head(conn: sqlite3.Connection, log: LogTables) -> LogHead:
    try:
        head = conn.execute(f"SELECT coalesce(max(rowid), 0) FROM {log.sqlite_events}").fetchone()
    except sqlite3.OperationalError:  # a database from before this log existed
        return LogHead(0, None)
    conn.row_factory = sqlite3.Row
    try:
        row = conn.execute(f"SELECT * FROM {log.signatures} ORDER BY seq DESC LIMIT 1").fetchone()
    except sqlite3.OperationalError:  # an unsigned log (never served)
        row = None
    finally:
        conn.row_factory = None
    return LogHead(int(head[0]), anchor(dict(row)) if row is not None else None)


def postgres_head(conn: psycopg.Connection[Any], schema: str, log: LogTables) -> LogHead:
    """In the caller's transaction (its snapshot); absent tables are asked about first, so
    no failed statement aborts that transaction."""
    events, signatures = (
        _exists(conn, schema, log.postgres_events),
        _exists(conn, schema, log.signatures),
    )
    if not events:
        return LogHead(0, None)
    head = conn.execute(
        SQL("SELECT coalesce(max(notification_id), 0) FROM {}.{}").format(
            Identifier(schema), Identifier(log.postgres_events)
        )
    ).fetchone()
    row = None
    if signatures:
        with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
            cur.execute(
                SQL("SELECT * FROM {}.{} ORDER BY seq DESC LIMIT 1").format(
                    Identifier(schema), Identifier(log.signatures)
                )
            )
            row = cur.fetchone()
    return LogHead(int(str(head[0])) if head else 0, anchor(dict(row)) if row else None)


def _exists(conn: psycopg.Connection[Any], schema: str, table: str) -> bool:
    found = conn.execute(
        "SELECT to_regclass(%s)", (f"{_quoted(schema)}.{_quoted(table)}",)
    ).fetchone()
    return bool(found and found[0])


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
