"""双报到 measures, per community, per street and overall, for a period [start, end) as
of an instant (docs/measures.md, "双报到 and 共驻共建"). Work counts once the community
confirmed it (as of ``as_of``), dated by when it was done.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from statistics import median

from domain.values import ClaimantKind
from projections.roster import NeedRow, RosterView


@dataclass
class PlaceMeasures:
    place_id: str
    members: int = 0  # on the roster at the period's end
    served: int = 0  # of them, with confirmed work done in the period
    member_minutes: int = 0  # their confirmed work done in the period
    units: int = 0  # units with a seat covering the place at the period's end
    unit_minutes: int = 0  # units' confirmed work done in the period for the place's needs
    needs_posted: int = 0  # posted in the period, not cancelled by as_of
    needs_met: int = 0  # of them, confirmed by as_of
    hours_to_claim: list[float] = field(default_factory=list)
    hours_to_confirm: list[float] = field(default_factory=list)

    @property
    def report_rate(self) -> float | None:
        """报到率: members who served / members on the roster."""
        return self.served / self.members if self.members else None

    @property
    def hours_per_member(self) -> float | None:
        return self.member_minutes / 60 / self.members if self.members else None

    @property
    def hours_per_unit(self) -> float | None:
        return self.unit_minutes / 60 / self.units if self.units else None

    @property
    def met_rate(self) -> float | None:
        return self.needs_met / self.needs_posted if self.needs_posted else None

    @property
    def median_hours_to_claim(self) -> float | None:
        return median(self.hours_to_claim) if self.hours_to_claim else None

    @property
    def median_hours_to_confirm(self) -> float | None:
        return median(self.hours_to_confirm) if self.hours_to_confirm else None

    def add(self, other: PlaceMeasures) -> None:
        for name in (
            "members",
            "served",
            "member_minutes",
            "unit_minutes",
            "needs_posted",
            "needs_met",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.hours_to_claim += other.hours_to_claim
        self.hours_to_confirm += other.hours_to_confirm


@dataclass
class RosterMeasures:
    start: datetime
    end: datetime
    as_of: datetime
    communities: dict[str, PlaceMeasures]
    streets: dict[str, PlaceMeasures]
    total: PlaceMeasures
    unit_hours: dict[str, float]  # unit → its own confirmed hours in the period


def confirmed_by(n: NeedRow, as_of: datetime) -> bool:
    return n.confirmed_at is not None and n.confirmed_at <= as_of


def roster_measures(
    view: RosterView,
    *,
    start: datetime,
    end: datetime,
    as_of: datetime,
    street_of: dict[str, str],
    communities: Collection[str] | None = None,
) -> RosterMeasures:
    """``street_of``: community → street (the jurisdiction's); ``communities``: the ones
    the caller may see (None: all)."""
    places: dict[str, PlaceMeasures] = {}

    def place(community_id: str) -> PlaceMeasures | None:
        if communities is not None and community_id not in communities:
            return None
        return places.setdefault(community_id, PlaceMeasures(community_id))

    worked: dict[str, int] = {}  # member → confirmed minutes done in the period
    unit_minutes: dict[str, int] = {}
    for n in view.needs.values():
        counted = confirmed_by(n, as_of) and n.done_at is not None and start <= n.done_at < end
        if counted and n.claimant_kind == ClaimantKind.MEMBER.value and n.claimant_id:
            worked[n.claimant_id] = worked.get(n.claimant_id, 0) + n.minutes
        if counted and n.claimant_kind == ClaimantKind.UNIT.value:
            if n.claimant_unit_id:
                unit_minutes[n.claimant_unit_id] = (
                    unit_minutes.get(n.claimant_unit_id, 0) + n.minutes
                )
            p = place(n.community_id)
            if p is not None:
                p.unit_minutes += n.minutes
        if start <= n.posted_at < end and not (n.cancelled_at and n.cancelled_at <= as_of):
            p = place(n.community_id)
            if p is None:
                continue
            p.needs_posted += 1
            if n.claimed_at is not None and n.claimed_at <= as_of:
                p.hours_to_claim.append((n.claimed_at - n.posted_at).total_seconds() / 3600)
            if confirmed_by(n, as_of):
                p.needs_met += 1
                assert n.confirmed_at is not None
                p.hours_to_confirm.append((n.confirmed_at - n.posted_at).total_seconds() / 3600)
    for m in view.members.values():
        at_end = m.place_at(end)
        if at_end is None:
            continue
        p = place(at_end[0])
        if p is None:
            continue
        p.members += 1
        minutes = worked.get(m.member_id, 0)
        p.member_minutes += minutes
        p.served += 1 if minutes else 0
    for community_id in list(places) if communities is None else communities:
        p = place(community_id)
        street_id = street_of.get(community_id)
        if p is None:
            continue
        p.units = len(
            {
                s.unit_id
                for s in view.seats.values()
                if s.active_at(end)
                and (
                    s.place_id == community_id
                    if s.level == "community"
                    else s.place_id == street_id
                )
            }
        )
    streets: dict[str, PlaceMeasures] = {}
    total = PlaceMeasures("")
    for community_id, p in sorted(places.items()):
        street = streets.setdefault(
            street_of.get(community_id, ""), PlaceMeasures(street_of.get(community_id, ""))
        )
        street.add(p)
        total.add(p)
    for street_id, s in streets.items():
        s.units = len(
            {
                seat.unit_id
                for seat in view.seats.values()
                if seat.active_at(end) and (seat.street_id == street_id)
            }
        )
    total.units = len(
        {
            s.unit_id
            for s in view.seats.values()
            if s.active_at(end) and (communities is None or s.street_id in streets)
        }
    )
    return RosterMeasures(
        start,
        end,
        as_of,
        dict(sorted(places.items())),
        dict(sorted(streets.items())),
        total,
        {u: m / 60 for u, m in sorted(unit_minutes.items())},
    )
