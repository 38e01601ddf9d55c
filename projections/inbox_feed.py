"""What changed in a unit's inbox between two log positions, read from the log itself: each
item carries the position of the event that made it, so a client that remembers the last
position it saw resumes without losing or repeating anything (the live inbox stream).

Only a few kinds of event touch an inbox; they are picked by topic in the query, so any
other event (new kinds included) is skipped unread. The case's title and which summonses
were still open come from the ledger view, which the caller has let reach ``upto`` first.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from eventsourcing.utils import get_topic
from sqlalchemy import select

from application.service import CaseService
from domain import events as ev
from domain.events import EVENT_LABELS
from domain.times import beijing_readable, in_utc
from domain.values import Level
from projections.ledger_tables import cases, summons
from projections.queries import LedgerQueries

PAGE = 1000  # notifications read per query
# A client further behind than this is told to reload (``reset``) rather than replayed:
# one request must not be able to make the server read the whole log.
MAX_REPLAY = 50_000

TOPICS = {
    get_topic(cls): cls
    for cls in (
        ev.WhistleBlown,
        ev.UnitReportedIn,
        ev.CaseResolved,
        ev.CaseWithdrawn,
        ev.CaseMarkedDuplicate,
    )
}
# What a summons that left the inbox became, in the officials' words.
CHANGES = {
    "UnitReportedIn": ("reported_in", "已报到"),
    "CaseResolved": ("unanswered", "案件已办结，记为未报到"),
    "CaseWithdrawn": ("withdrawn", "案件已" + EVENT_LABELS["CaseWithdrawn"]),
    "CaseMarkedDuplicate": ("duplicate", "案件已" + EVENT_LABELS["CaseMarkedDuplicate"]),
}

Kind = Literal["whistle", "changed", "reset"]


@dataclass(frozen=True)
class InboxChange:
    position: int  # the log position of the event (the stream's event id)
    kind: Kind
    data: dict[str, Any]


class InboxFeed:
    def __init__(self, service: CaseService, ledger: LedgerQueries) -> None:
        self.service = service
        self.ledger = ledger

    def between(self, unit_id: str, after: int, upto: int) -> list[InboxChange]:
        """Changes to ``unit_id``'s inbox made by the events after ``after`` up to ``upto``."""
        if upto - after > MAX_REPLAY:
            return [InboxChange(upto, "reset", {"reason": "请刷新收件箱"})]
        found: list[tuple[int, Any]] = []
        for position, event in self._events(after, upto):
            if isinstance(event, ev.WhistleBlown) and unit_id in event.unit_ids:
                found.append((position, event))
            elif isinstance(event, ev.UnitReportedIn) and event.unit_id == unit_id:
                found.append((position, event))
            elif isinstance(event, ev.CaseResolved):
                if any(u.get("unit_id") == unit_id for u in event.unanswered):
                    found.append((position, event))
            elif isinstance(event, ev.CaseWithdrawn | ev.CaseMarkedDuplicate):
                found.append((position, event))
        if not found:
            return []
        case_ids = {str(e.originator_id) for _, e in found}
        titles, open_summons = self._case_facts(unit_id, case_ids)
        out = []
        for position, event in found:
            case_id = str(event.originator_id)
            if isinstance(event, ev.WhistleBlown):
                out.append(InboxChange(position, "whistle", _whistle(event, titles)))
            elif isinstance(event, ev.UnitReportedIn):
                out.append(_changed(position, event, event.whistle_id))
            elif isinstance(event, ev.CaseResolved):
                for u in event.unanswered:
                    if u.get("unit_id") == unit_id:
                        out.append(_changed(position, event, u["whistle_id"]))
            else:  # a final case takes no more events: its open summonses are those it left
                for whistle_id in sorted(open_summons.get(case_id, ())):
                    out.append(_changed(position, event, whistle_id))
        return out

    def _events(self, after: int, upto: int) -> Iterator[tuple[int, Any]]:
        recorder, mapper = self.service.recorder, self.service.mapper
        start = after + 1
        while start <= upto:
            page = recorder.select_notifications(start, PAGE, stop=upto, topics=list(TOPICS))
            for n in page:
                yield n.id, mapper.to_domain_event(n)
            if len(page) < PAGE:
                return
            start = page[-1].id + 1

    def _case_facts(
        self, unit_id: str, case_ids: set[str]
    ) -> tuple[dict[str, str], dict[str, set[str]]]:
        """Each case's title, and the unit's summonses on it not answered (as the view
        holds them now)."""
        with self.ledger.engine.connect() as conn:
            titles = {
                r.case_id: r.title
                for r in conn.execute(
                    select(cases.c.case_id, cases.c.title).where(cases.c.case_id.in_(case_ids))
                )
            }
            open_summons: dict[str, set[str]] = {}
            for r in conn.execute(
                select(summons.c.case_id, summons.c.whistle_id).where(
                    summons.c.unit_id == unit_id,
                    summons.c.case_id.in_(case_ids),
                    summons.c.reported_in_at.is_(None),
                    summons.c.unanswered.is_(False),
                )
            ):
                open_summons.setdefault(r.case_id, set()).add(r.whistle_id)
        return titles, open_summons


def _whistle(event: ev.WhistleBlown, titles: dict[str, str]) -> dict[str, Any]:
    case_id = str(event.originator_id)
    level = Level(event.level)
    return {
        "case_id": case_id,
        "whistle_id": event.whistle_id,
        "title": titles.get(case_id, ""),
        "level": level.value,
        "level_label": level.label,
        "blown_at": _z(event.timestamp),
        "deadline": _z(event.report_in_deadline),
        "deadline_text": beijing_readable(event.report_in_deadline),  # as the page shows it
    }


def _z(at: datetime) -> str:
    """ISO 8601 in UTC with ``Z``, as every answer writes an instant."""
    return in_utc(at).isoformat().replace("+00:00", "Z")


def _changed(position: int, event: Any, whistle_id: str) -> InboxChange:
    change, label = CHANGES[type(event).__name__]
    data = {
        "case_id": str(event.originator_id),
        "whistle_id": whistle_id,
        "change": change,
        "label": label,
        "at": _z(event.timestamp),
    }
    return InboxChange(position, "changed", data)
