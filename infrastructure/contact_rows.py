"""The contact rows the event recorders write inside the event transaction.

``insert_events(..., contacts=[SealedContact], erase_contacts=[case_id])``: a report's
contact is stored, and an erasure destroys the contact's key and ciphertext, in the
same transaction as the event that records it. A crash can leave neither a contact
without its case nor an ``ResidentContactErased`` event with the key still there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from psycopg.sql import SQL, Composed, Identifier

KEYS = "chuishao_contact_keys"
SEALED = "chuishao_contacts"

SQLITE_DDL = [
    f"CREATE TABLE IF NOT EXISTS {KEYS} (case_id TEXT PRIMARY KEY, wrapped_key BLOB NOT NULL)",
    f"CREATE TABLE IF NOT EXISTS {SEALED} (case_id TEXT PRIMARY KEY, ciphertext BLOB NOT NULL)",
]


def postgres_ddl(schema: str) -> list[Composed]:
    names = _names(schema)
    return [
        SQL(
            "CREATE TABLE IF NOT EXISTS {keys} (case_id text PRIMARY KEY, wrapped_key bytea NOT NULL)"
        ).format(**names),
        SQL(
            "CREATE TABLE IF NOT EXISTS {sealed} (case_id text PRIMARY KEY, ciphertext bytea NOT NULL)"
        ).format(**names),
    ]


def write_sqlite(c: Any, kwargs: Mapping[str, Any]) -> None:
    erased = kwargs.get("erase_contacts") or ()
    if erased:
        # Deleted content is overwritten with zeros instead of lingering in free pages.
        c.execute("PRAGMA secure_delete=ON")
    for s in kwargs.get("contacts") or ():
        c.execute(f"INSERT INTO {KEYS} VALUES (?,?)", (s.case_id, s.wrapped_key))
        c.execute(f"INSERT INTO {SEALED} VALUES (?,?)", (s.case_id, s.ciphertext))
    for case_id in erased:
        c.execute(f"DELETE FROM {KEYS} WHERE case_id = ?", (case_id,))
        c.execute(f"DELETE FROM {SEALED} WHERE case_id = ?", (case_id,))


def write_postgres(curs: Any, schema: str, kwargs: Mapping[str, Any]) -> None:
    sealed = kwargs.get("contacts") or ()
    erased = list(kwargs.get("erase_contacts") or ())
    if not (sealed or erased):
        return  # every command without contacts: compose nothing
    names = _names(schema)
    if sealed:
        curs.executemany(
            SQL("INSERT INTO {keys} VALUES (%s,%s)").format(**names),
            [(s.case_id, s.wrapped_key) for s in sealed],
        )
        curs.executemany(
            SQL("INSERT INTO {sealed} VALUES (%s,%s)").format(**names),
            [(s.case_id, s.ciphertext) for s in sealed],
        )
    if erased:
        curs.execute(SQL("DELETE FROM {keys} WHERE case_id = ANY(%s)").format(**names), (erased,))
        curs.execute(SQL("DELETE FROM {sealed} WHERE case_id = ANY(%s)").format(**names), (erased,))


def _names(schema: str) -> dict[str, Any]:
    return {
        "keys": SQL("{}.{}").format(Identifier(schema), Identifier(KEYS)),
        "sealed": SQL("{}.{}").format(Identifier(schema), Identifier(SEALED)),
    }
