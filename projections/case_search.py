"""Keyword search over case titles and descriptions (``GET /cases?q=``).

Chinese has no spaces between words, so a keyword is a substring, matched literally and
case-insensitively. PostgreSQL: ``ILIKE '%…%'`` served by pg_trgm GIN indexes on the two
columns (a keyword under three characters gives no trigram, so the index is read whole —
still correct). SQLite: an FTS5 table with the ``trigram`` tokenizer (SQLite ≥ 3.34)
answers keywords of three characters or more; shorter ones fall back to ``LIKE``, a scan.
The FTS5 table is an index of ``ledger_cases``, kept by triggers, created and dropped with
it, and refilled when a rebuild swaps fresh tables in. It holds only what the ledger
row holds: a resident's contact is never in a title or description (personal_data.py).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, String, Table, event, or_, text

from projections.ledger_tables import cases

TEXT_INDEX = "ledger_case_text"  # SQLite's FTS5 table
TRIGRAM = 3  # characters in a trigram: shorter keywords cannot use a trigram index
_TRIGGERS = {
    "insert": f"""AFTER INSERT ON ledger_cases BEGIN
        INSERT INTO {TEXT_INDEX}(case_id, title, description)
        VALUES (new.case_id, new.title, new.description); END""",
    # The ledger writes every column of a changed row: only a changed text touches the index.
    "update": f"""AFTER UPDATE OF title, description ON ledger_cases
        WHEN new.title IS NOT old.title OR new.description IS NOT old.description BEGIN
        DELETE FROM {TEXT_INDEX} WHERE case_id = old.case_id;
        INSERT INTO {TEXT_INDEX}(case_id, title, description)
        VALUES (new.case_id, new.title, new.description); END""",
    "delete": f"""AFTER DELETE ON ledger_cases BEGIN
        DELETE FROM {TEXT_INDEX} WHERE case_id = old.case_id; END""",
}


def keyword_condition(q: str, dialect: str) -> Any:
    """Title or description contains ``q``; ``%``, ``_`` and ``\\`` in ``q`` are
    matched as themselves, never as wildcards."""
    if dialect == "sqlite" and len(q) >= TRIGRAM:
        # A phrase of trigrams is a substring; inside "…" FTS5 syntax is inert.
        phrase = '"' + q.replace('"', '""') + '"'
        matching = (
            text(f"SELECT case_id FROM {TEXT_INDEX} WHERE {TEXT_INDEX} MATCH :phrase")
            .bindparams(phrase=phrase)
            .columns(case_id=String)
        )
        return cases.c.case_id.in_(matching)
    pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return or_(
        cases.c.title.ilike(pattern, escape="\\"),
        cases.c.description.ilike(pattern, escape="\\"),
    )


def refill_text_index(conn: Connection) -> None:
    """SQLite: index the live ``ledger_cases`` afresh and keep it indexed (after a
    rebuild renamed fresh tables in: the old table's triggers went with it)."""
    if conn.dialect.name != "sqlite":
        return
    _create_text_index(conn)
    conn.exec_driver_sql(
        f"INSERT INTO {TEXT_INDEX}(case_id, title, description) "
        "SELECT case_id, title, description FROM ledger_cases"
    )


def _create_text_index(conn: Connection) -> None:
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {TEXT_INDEX}")
    conn.exec_driver_sql(
        f"CREATE VIRTUAL TABLE {TEXT_INDEX} USING fts5("
        "case_id UNINDEXED, title, description, tokenize = 'trigram')"
    )
    for name, body in _TRIGGERS.items():
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {TEXT_INDEX}_{name}")
        conn.exec_driver_sql(f"CREATE TRIGGER {TEXT_INDEX}_{name} {body}")


def _is_case_table(table: Table) -> bool:
    """The live ``ledger_cases`` or a rebuild's fresh copy of it (``ledger_cases__…``)."""
    return table.name == cases.name or table.name.startswith(cases.name + "__")


# On every Table, so a rebuild's copies (which do not inherit a table's listeners) get it.
@event.listens_for(Table, "before_create")
def _before_create(target: Table, connection: Connection, **_: Any) -> None:
    if connection.dialect.name != "postgresql" or not _is_case_table(target):
        return
    ensure_trigram_extension(connection)


def ensure_trigram_extension(connection: Connection) -> None:
    """pg_trgm for the indexes' operator class. One per database: created in ``public``
    (which every role may use), never in whichever schema happens to be first on the path —
    a test's or a tenant's schema may be dropped, or closed to the service's role. Found
    wherever it is and put on this transaction's search path."""
    present = connection.exec_driver_sql(
        "SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'"
    ).scalar()
    if present is None:
        # A trusted extension: the database's owner (or `chuishao db setup`) may add it.
        # Processes starting together on a new database would race in CREATE EXTENSION
        # (a unique violation, IF NOT EXISTS notwithstanding): one at a time, per database.
        connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7223312)")
        connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
    connection.exec_driver_sql(
        "SELECT set_config('search_path', current_setting('search_path') || ', ' || "
        "quote_ident(n.nspname), true) FROM pg_extension e "
        "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
    )


@event.listens_for(cases, "after_create")
def _after_create(target: Table, connection: Connection, **_: Any) -> None:
    if connection.dialect.name == "sqlite" and target.name == cases.name:  # not a rebuild's
        _create_text_index(connection)  # the table is new, so is its index


@event.listens_for(cases, "before_drop")
def _before_drop(target: Table, connection: Connection, **_: Any) -> None:
    if connection.dialect.name == "sqlite" and target.name == cases.name:
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {TEXT_INDEX}")
