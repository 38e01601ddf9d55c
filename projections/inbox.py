"""A unit's inbox as answers: the summonses it has still to report in to, soonest deadline
first, with the time left; and those recorded as 未报到 against it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.values import Level
from projections.queries import LedgerQueries


@dataclass(frozen=True)
class Summons:
    """A whistle that summoned the unit, on one case."""

    case_id: str
    title: str
    whistle_id: str
    level: Level
    blown_at: datetime
    deadline: datetime


@dataclass(frozen=True, kw_only=True)
class OpenSummons(Summons):
    overdue: bool
    seconds_left: int  # negative once overdue


@dataclass(frozen=True)
class UnitInbox:
    unit_id: str
    items: list[OpenSummons]
    unanswered: list[Summons]  # latest first, cut at the ledger's limit
    unanswered_total: int


def unit_inbox(ledger: LedgerQueries, unit_id: str, now: datetime) -> UnitInbox:
    """``unit_id``'s inbox as of ``now`` (which summonses are overdue, how long is left)."""
    items = [
        OpenSummons(
            **_summons(r),
            overdue=now > r["deadline"],
            seconds_left=int((r["deadline"] - now).total_seconds()),
        )
        for r in ledger.inbox(unit_id)
    ]
    unanswered, total = ledger.unanswered(unit_id)
    return UnitInbox(unit_id, items, [Summons(**_summons(r)) for r in unanswered], total)


def _summons(row: Mapping[str, Any]) -> dict[str, Any]:
    fields = {name: row[name] for name in Summons.__dataclass_fields__}
    return fields | {"level": Level(row["level"])}
