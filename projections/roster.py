"""The roster's read model: council seats, members and needs, folded from the roster log.

Held in memory and brought up to date from the log's position on each read (``refresh``):
the roster is small (a district's hundreds of members and units, thousands of needs), and
a view that is rebuilt from position 0 on every start can never drift from the log.
Names and phones are not here: they are read from the erasable contact store when a page
or an export shows them (``RosterService.member_names``), so an erasure leaves nothing.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from domain import needs as nd
from domain import roster as rs


class RosterLog(Protocol):
    def notifications(self, start: int) -> Any: ...


@dataclass
class SeatRow:
    seat_id: str
    unit_id: str
    level: str
    place_id: str
    street_id: str
    liaison: str
    joined_at: datetime
    offers: list[str] = field(default_factory=list)  # 资源清单
    active: bool = True
    left_at: datetime | None = None
    # (at, active) for each join, leave and rejoin: the seat as of any instant
    spells: list[tuple[datetime, bool]] = field(default_factory=list)

    def active_at(self, at: datetime) -> bool:
        state = False
        for when, active in self.spells:
            if when < at:
                state = active
        return state


@dataclass
class MemberRow:
    member_id: str
    community_id: str
    street_id: str
    unit_id: str | None
    employer: str
    skills: list[str]
    available: str
    user_id: str | None
    registered_at: datetime
    active: bool = True
    left_at: datetime | None = None
    contact_erased: bool = False
    version: int = 1
    moves: list[tuple[datetime, str, str]] = field(default_factory=list)  # (at, community, street)

    def place_at(self, at: datetime) -> tuple[str, str] | None:
        """(community, street) the member reported to just before ``at``; None if not on
        the roster then."""
        if self.registered_at >= at or (self.left_at is not None and self.left_at < at):
            return None
        place = None
        for when, community_id, street_id in self.moves:
            if when < at:
                place = (community_id, street_id)
        return place


@dataclass
class NeedRow:
    need_id: str
    community_id: str
    street_id: str
    kind: str
    title: str
    description: str
    people: int
    case_id: str | None
    posted_at: datetime
    state: str = "posted"
    version: int = 1
    claimant_kind: str | None = None
    claimant_id: str | None = None
    claimant_unit_id: str | None = None
    claimed_at: datetime | None = None
    minutes: int = 0
    result: str = ""
    done_at: datetime | None = None
    assessment: str | None = None
    comment: str = ""
    confirmed_at: datetime | None = None
    cancelled_at: datetime | None = None

    @property
    def hours(self) -> float:
        return self.minutes / 60


class RosterView:
    """Seats, members and needs by id; ``refresh`` applies what the log added since."""

    def __init__(self, log: RosterLog) -> None:
        self.log = log
        self.position = 0
        self.seats: dict[str, SeatRow] = {}
        self.members: dict[str, MemberRow] = {}
        self.needs: dict[str, NeedRow] = {}
        self._lock = threading.Lock()

    def refresh(self) -> RosterView:
        """Apply what the log added. Readers in other threads keep iterating the dicts and
        rows they hold: changes go to copies (of the dicts, and of each row changed), which
        replace the originals only once applied."""
        with self._lock:
            events = list(self.log.notifications(self.position + 1))
            if not events:
                return self
            seats, members, needs = dict(self.seats), dict(self.members), dict(self.needs)
            fresh: set[str] = set()
            for position, event in events:
                key = str(event.originator_id)
                for rows in (seats, members, needs):
                    if key in rows and key not in fresh:
                        row = copy.copy(rows[key])
                        for name in ("spells", "moves"):
                            if hasattr(row, name):
                                setattr(row, name, list(getattr(row, name)))
                        rows[key] = row  # type: ignore[assignment]
                fresh.add(key)
                self._apply(event, seats, members, needs)
                self.position = position
            self.seats, self.members, self.needs = seats, members, needs
        return self

    def apply(self, e: Any) -> None:
        """Apply one event in place (a view that no other thread reads)."""
        self._apply(e, self.seats, self.members, self.needs)

    def _apply(
        self,
        e: Any,
        seats: dict[str, SeatRow],
        members: dict[str, MemberRow],
        needs: dict[str, NeedRow],
    ) -> None:
        key = str(e.originator_id)
        at: datetime = e.timestamp
        match e:
            case rs.CouncilUnitJoined():
                seats[key] = SeatRow(
                    key,
                    e.unit_id,
                    e.level,
                    e.place_id,
                    e.street_id,
                    e.liaison,
                    at,
                    offers=list(e.offers),
                    spells=[(at, True)],
                )
            case rs.CouncilUnitLeft():
                seat = seats[key]
                seat.active, seat.left_at = False, at
                seat.spells.append((at, False))
            case rs.CouncilUnitRejoined():
                seat = seats[key]
                seat.active, seat.left_at, seat.liaison = True, None, e.liaison
                seat.offers = list(e.offers)
                seat.spells.append((at, True))
            case rs.MemberRegistered():
                members[key] = MemberRow(
                    key,
                    e.community_id,
                    e.street_id,
                    e.unit_id,
                    e.employer,
                    list(e.skills),
                    e.available,
                    e.user_id,
                    at,
                    moves=[(at, e.community_id, e.street_id)],
                )
            case rs.MemberMoved():
                member = members[key]
                member.community_id, member.street_id = e.community_id, e.street_id
                member.moves.append((at, e.community_id, e.street_id))
            case rs.MemberLeft():
                member = members[key]
                member.active, member.left_at = False, at
            case rs.MemberContactErased():
                members[key].contact_erased = True
            case nd.NeedPosted():
                needs[key] = NeedRow(
                    key,
                    e.community_id,
                    e.street_id,
                    e.kind,
                    e.title,
                    e.description,
                    e.people,
                    e.case_id,
                    at,
                )
            case nd.NeedClaimed():
                need = needs[key]
                need.state = "claimed"
                need.claimant_kind, need.claimant_id = e.claimant_kind, e.claimant_id
                need.claimant_unit_id, need.claimed_at = e.unit_id, at
            case nd.NeedClaimReleased():
                need = needs[key]
                need.state = "posted"
                need.claimant_kind = need.claimant_id = need.claimant_unit_id = None
                need.claimed_at = None
            case nd.NeedDone():
                need = needs[key]
                need.state, need.minutes, need.result, need.done_at = (
                    "done",
                    e.minutes,
                    e.result,
                    at,
                )
            case nd.NeedConfirmed():
                need = needs[key]
                need.state, need.assessment, need.comment = "confirmed", e.assessment, e.comment
                need.confirmed_at = at
            case nd.NeedCancelled():
                need = needs[key]
                need.state, need.cancelled_at = "cancelled", at
        for rows in (seats, members, needs):
            row = rows.get(key)
            if row is not None and hasattr(row, "version"):
                row.version = e.originator_version
