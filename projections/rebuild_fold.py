"""The ledger's fold for a rebuild from empty: straight from the stored JSON.

A rebuild reads the whole log, and building a domain event object for each stored
event (every field decoded, every datetime parsed, the id converted) cost more than the
fold itself. Here each event's JSON is parsed to a dict and only the fields the ledger
keeps are read, the datetimes among them decoded with the mapper's own transcodings.
What each event does to a row is ``ledger_fold.fold_row``'s rule, written again over
dicts; the status and 响应率 rules come from the domain's tables (``Kind``), so they
cannot drift, and a test rebuilds the same history both ways and compares every row
(tests/projections/test_rebuild_fold.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import orjson
from eventsourcing.persistence import DatetimeAsISO, Transcoding
from eventsourcing.utils import resolve_topic

from domain import events as ev
from domain.times import beijing_month
from domain.values import Status
from projections.fast_decode import _inner
from projections.ledger import Batch
from projections.ledger_tables import CASE_PLACE

Row = dict[str, Any]
REPORTED, IN_PROGRESS, RETURNED = (
    Status.REPORTED.value,
    Status.IN_PROGRESS.value,
    Status.RETURNED.value,
)  # looked up once: an enum member's value is a descriptor call
Stored = tuple[int, str, int, str, bytes]  # notification id, case id, version, topic, state

# What fold_row matches on, in its order (a subclass takes its parent's branch).
BRANCHES: tuple[tuple[str, type[Any]], ...] = (
    ("escalated", ev.CaseEscalated),
    ("whistle", ev.WhistleBlown),
    ("reported_in", ev.UnitReportedIn),
    ("pledged", ev.FundingPledged),
    ("resolved", ev.CaseResolved),
    ("evaluated", ev.CaseEvaluated),
    ("unit_evaluated", ev.UnitEvaluated),
    ("reopened", ev.CaseReopened),
    ("closed", ev.CaseClosed),
    ("duplicate", ev.CaseMarkedDuplicate),
    ("callers", ev.CallersMerged),
    ("accepted", ev.WorkOrderAccepted),
    ("extension", ev.ExtensionDecided),
)


@dataclass(frozen=True)
class Kind:
    """What the fold needs to know of one event class, worked out once per topic."""

    cls: type[Any]
    branch: str  # which of fold_row's cases applies ("" none)
    report: bool  # starts a row (CaseReported and its subclass)
    work_order: bool  # WorkOrderReceived
    first_response: bool
    status: str | None  # the status it always sets (domain.events.SETS_STATUS)
    status_rule: str  # "note": ProgressNoted's rule; "return": WorkOrderReturnDecided's
    version: int  # the class's class_version: stored states below it are upcast


@cache
def kind_of(topic: str) -> Kind:
    cls = resolve_topic(topic)
    fixed = ev.SETS_STATUS.get(cls)
    rule = (
        "note"
        if issubclass(cls, ev.ProgressNoted)
        else "return"
        if issubclass(cls, ev.WorkOrderReturnDecided)
        else ""
    )
    return Kind(
        cls=cls,
        branch=next((name for name, c in BRANCHES if issubclass(cls, c)), ""),
        report=issubclass(cls, ev.CaseReported),
        work_order=issubclass(cls, ev.WorkOrderReceived),
        first_response=issubclass(cls, ev.FIRST_RESPONSES),
        status=fixed.value if fixed is not None else None,
        status_rule=rule,
        version=getattr(cls, "class_version", 1),
    )


class StateFold:
    """Folds stored events (their JSON) into a ``ledger.Batch``'s rows and changes."""

    def __init__(self, transcodings: dict[str, Transcoding]) -> None:
        self.transcodings = transcodings
        # each type's decode, looked up once (this runs for every event of the log)
        self.decoders = {name: _decoder(t) for name, t in transcodings.items()}

    def state(self, kind: Kind, data: bytes) -> dict[str, Any]:
        """The event's fields as stored, upcast to the class's version (datetimes and
        other typed values still as their JSON markers)."""
        state: dict[str, Any] = orjson.loads(_inner(data))
        version = state.pop("class_version", 1)
        while version < kind.version:  # the event class's own upcasts, in order
            getattr(kind.cls, f"upcast_v{version}_v{version + 1}")(state)
            version += 1
        return state

    def value(self, v: Any) -> Any:
        """A stored value with its type marker decoded (a datetime, mostly)."""
        if type(v) is dict and len(v) == 2 and "_type_" in v and "_data_" in v:
            return self.decoders[v["_type_"]](v["_data_"])
        return v

    def fold(self, b: Batch, case_id: str, version: int, topic: str, data: bytes) -> None:
        """Change the batch's rows by one stored event, as ``ledger.fold`` does."""
        kind = kind_of(topic)
        s = self.state(kind, data)
        at = s["timestamp"]
        if type(at) is dict:  # its marker, always: an event's time is a datetime
            at = self.value(at)
        b.dirty.add(case_id)
        if kind.report:
            row = b.rows[case_id] = self.new_row(kind, s, case_id, at)
        else:
            row = b.rows[case_id]  # KeyError: an event of a case with no report folded
        b.rows.move_to_end(case_id)
        row["version"] = version
        row["last_event_at"] = at
        if kind.first_response:  # 响应率
            row["first_response_at"] = row["first_response_at"] or at
        if kind.status_rule == "note":
            if row["status"] == REPORTED:
                row["status"] = IN_PROGRESS
        elif kind.status_rule == "return":
            if s["accepted"]:
                row["status"] = RETURNED
        elif kind.status is not None:
            row["status"] = kind.status
        branch = kind.branch
        if not branch:
            return
        if branch == "escalated":
            row["level"] = s["to_level"]
        elif branch == "whistle":
            row["whistles"] += 1
            deadline = self.value(s["report_in_deadline"])
            place = {k: row[k] for k in CASE_PLACE}
            for unit_id in s["unit_ids"]:
                b.new_summons[(case_id, s["whistle_id"], unit_id)] = {
                    "case_id": case_id,
                    "whistle_id": s["whistle_id"],
                    "unit_id": unit_id,
                    "level": s["level"],
                    "blown_at": at,
                    "deadline": deadline,
                    "reported_in_at": None,
                    "late": None,
                    "score": None,
                    "unanswered": False,
                    "delay_us": None,  # set with the report-in (Changes.summons)
                    **place,
                }
                b.involved.add((case_id, unit_id))
        elif branch == "reported_in":
            b.summons((case_id, s["whistle_id"], s["unit_id"]), reported_in_at=at, late=s["late"])
        elif branch == "pledged":
            row["pledged_fen"] += s["amount_fen"]
            b.new_pledges.append(
                {
                    "case_id": case_id,
                    "version": version,
                    **{k: row[k] for k in CASE_PLACE},
                    "party_kind": s["party_kind"],
                    "party_name": s["party_name"],
                    "unit_id": s["unit_id"],
                    "amount_fen": s["amount_fen"],
                    "pledged_at": at,
                }
            )
            if s["unit_id"]:
                b.involved.add((case_id, s["unit_id"]))
        elif branch == "resolved":
            row.update(resolved_at=at, resolved_level=s["level"])
            row["first_resolved_at"] = row["first_resolved_at"] or at
            for item in s["unanswered"]:  # 未报到: counted against the unit
                b.summons((case_id, item["whistle_id"], item["unit_id"]), unanswered=True)
        elif branch == "evaluated":
            row.update(solved=s["solved"], satisfaction=s["satisfaction"])
        elif branch == "unit_evaluated":
            b.summons((case_id, s["whistle_id"], s["unit_id"]), score=s["score"])
        elif branch == "reopened":
            row.update(
                round=s["round"],
                reopened=row["reopened"] + 1,
                resolved_at=None,
                resolved_level=None,
            )
        elif branch == "closed":
            row["closed_at"] = at
        elif branch == "duplicate":
            row["duplicate_of"] = s["original_case_id"]
        elif branch == "callers":  # 来电人数
            row["callers"] += len(s["case_ids"]) + len(s["also_case_ids"])
        elif branch == "accepted":  # 签收
            row.update(
                resolution_due=self.value(s["resolution_due"]),
                community_id=s["community_id"],
                grid_id=s["grid_id"],
                level=s["level"],
            )
        elif branch == "extension" and s["approved"]:  # 延期
            row["original_resolution_due"] = row["original_resolution_due"] or self.value(
                s["original_due"]
            )
            row["resolution_due"] = self.value(s["resolution_due"])

    def new_row(self, kind: Kind, s: dict[str, Any], case_id: str, at: Any) -> Row:
        """``ledger_fold.new_row`` over the stored fields."""
        location = s["location"]
        return {
            "case_id": case_id,
            "title": s["title"],
            "description": s["description"],
            "category_id": s["category_id"],
            "channel": s["channel"],
            "urgency": s["urgency"],
            "district_id": s["district_id"],
            "street_id": s["street_id"],
            "community_id": s["community_id"],
            "grid_id": s["grid_id"],
            "status": REPORTED,
            "level": s["level"] if kind.work_order else "grid",
            "round": 1,
            "reported_by": s["actor_id"],
            "reported_role": s["actor_role"],
            "lat": location["lat"] if location else None,
            "long": location["long"] if location else None,
            "reported_at": at,
            "reported_month": beijing_month(at),
            "response_due": self.value(s["response_due"]),
            "resolution_due": self.value(s["resolution_due"]),
            "first_response_at": None,
            "first_resolved_at": None,
            "resolved_at": None,
            "resolved_level": None,
            "closed_at": None,
            "whistles": 0,
            "pledged_fen": 0,
            "solved": None,
            "satisfaction": None,
            "reopened": 0,
            "duplicate_of": None,
            "callers": 1,
            "work_order_id": s["order_id"] if kind.work_order else None,
            "original_resolution_due": None,
        }


def _decoder(transcoding: Transcoding) -> Callable[[Any], Any]:
    """The library's ISO datetimes decode by ``datetime.fromisoformat`` behind an assert
    and a method call: called directly (most values a fold decodes are these)."""
    if type(transcoding) is DatetimeAsISO:
        return datetime.fromisoformat
    return transcoding.decode


def wanted_rows(page: Iterable[Stored], rows: Any) -> list[str]:
    """Cases these events continue whose rows are not in memory (to load first)."""
    wanted = {case_id for _, case_id, _, topic, _ in page if not kind_of(topic).report}.difference(
        rows
    )
    return sorted(wanted)


def chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
