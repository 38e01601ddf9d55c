"""The parts of a case's state that events build up: whistles, pledges, callbacks …"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from domain.values import Level, NoteKind, PartyKind, Satisfaction, Solved


@dataclass
class Note:
    kind: NoteKind
    text: str
    actor_id: str
    at: datetime


@dataclass
class ReportIn:
    unit_id: str
    at: datetime
    late: bool
    note: str
    actor_id: str


@dataclass
class Whistle:
    """One 吹哨: the units summoned and who has reported in (报到)."""

    whistle_id: str
    level: Level
    unit_ids: list[str]
    report_in_deadline: datetime
    blown_at: datetime
    reason: str
    report_ins: dict[str, ReportIn] = field(default_factory=dict)
    # Units still not reported in when the case was resolved (未报到), with the note.
    unanswered: dict[str, str] = field(default_factory=dict)

    @property
    def pending_unit_ids(self) -> list[str]:
        """Summoned, not reported in, and not yet closed as 未报到."""
        return [u for u in self.unit_ids if u not in self.report_ins and u not in self.unanswered]


@dataclass
class Pledge:
    party_kind: PartyKind
    unit_id: str | None
    party_name: str
    amount_fen: int
    purpose: str
    at: datetime


@dataclass
class Resolution:
    round: int
    level: Level
    summary: str
    at: datetime
    actor_id: str = ""  # who resolved it: the callback must be recorded by someone else


@dataclass
class Evaluation:
    """The resident's callback (回访) for one round."""

    round: int
    solved: Solved
    satisfaction: Satisfaction
    comment: str
    at: datetime


@dataclass
class UnitScore:
    """The street's score of one summoned unit for one whistle (一哨一考核)."""

    whistle_id: str
    unit_id: str
    score: int
    comment: str
    at: datetime
