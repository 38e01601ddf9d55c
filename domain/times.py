"""China's one time zone and how an instant is written, for machines and for people.

The only place ``Asia/Shanghai`` is named. Answers to programs carry instants in UTC
(pydantic writes them with ``Z``); what officials read — the ledger, the console, the
terminal, a rule's message — is Beijing time. Every module that writes an instant out
uses one of these, so the same instant reads the same everywhere.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")  # China keeps one time zone: days are Beijing days


def in_utc(at: datetime) -> datetime:
    """The instant in UTC; one without a zone is read as UTC (stored instants are UTC)."""
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC)


def utc_text(at: datetime) -> str:
    """ISO 8601 in UTC, e.g. ``2024-03-01T09:00:00+00:00`` (a query parameter, a link)."""
    return in_utc(at).isoformat()


def beijing_minutes(at: datetime | None) -> str:
    """ISO 8601 in Beijing time to the minute, with its offset (``2024-03-01T17:00+08:00``):
    the ledger's answers and exports. Empty for no instant."""
    return "" if at is None else at.astimezone(BEIJING).isoformat("T", "minutes")


def beijing_readable(at: datetime | None, missing: str = "—") -> str:
    """Beijing time as people write it, ``2024-03-01 17:00`` (``missing`` for no instant)."""
    return missing if at is None else at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def beijing_month(at: datetime) -> str:
    """The month of an instant in Beijing, ``YYYY-MM``: a case's cohort."""
    return at.astimezone(BEIJING).strftime("%Y-%m")
