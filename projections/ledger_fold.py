"""The ledger's fold: a case's row after one more event, with no I/O.

``fold_row`` takes the case's row as it stands (None before its report) and an event, and
gives the row after it; what the event adds beside the row (summons, pledges, the units
involved) goes to a ``Changes``. The store (``ledger.py``) keeps the rows in memory,
reads and writes them; the status and first-response rules are the domain's own
(``domain.events.new_status``, ``is_first_response``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from domain import events as ev
from domain.times import beijing_month
from projections.ledger_tables import CASE_PLACE

Row = dict[str, Any]
SummonsKey = tuple[str, str, str]  # case, whistle, unit


@dataclass
class Changes:
    """Summons, pledges and involved units that folded events add, not yet stored."""

    new_summons: dict[SummonsKey, Row] = field(default_factory=dict)
    summons_updates: dict[SummonsKey, Row] = field(default_factory=dict)
    new_pledges: list[Row] = field(default_factory=list)
    involved: set[tuple[str, str]] = field(default_factory=set)

    def summons(self, key: SummonsKey, **values: Any) -> None:
        """Change a summons: the pending new row, or else one stored earlier."""
        pending = self.new_summons.get(key)
        if pending is not None:
            pending.update(values)
            if values.get("reported_in_at") is not None:
                pending["delay_us"] = delay_us(pending["reported_in_at"] - pending["blown_at"])
        else:  # summoned in an earlier transaction (ledger.py adds the delay when written)
            self.summons_updates.setdefault(key, {}).update(values)


def delay_us(delay: timedelta) -> int:
    """A report-in's delay in exact microseconds (the units' median is read off them)."""
    return delay // timedelta(microseconds=1)


def fold_row(row: Row | None, e: Any, changes: Changes) -> Row:
    """The case's row after ``e``: a new row for its report, else ``row`` changed in place.

    Raises ``KeyError`` for an event of a case with no row (its report not folded)."""
    case_id = str(e.originator_id)
    if isinstance(e, ev.CaseReported):
        row = new_row(e)
    elif row is None:
        raise KeyError(case_id)
    row["version"] = e.originator_version
    row["last_event_at"] = e.timestamp
    if ev.is_first_response(e):  # 响应率
        row["first_response_at"] = row["first_response_at"] or e.timestamp
    status = ev.new_status(e, row["status"])
    if status is not None:
        row["status"] = status.value
    match e:
        case ev.CaseEscalated():
            row["level"] = e.to_level
        case ev.WhistleBlown():
            row["whistles"] += 1
            for unit_id in e.unit_ids:
                changes.new_summons[(case_id, e.whistle_id, unit_id)] = {
                    "case_id": case_id,
                    "whistle_id": e.whistle_id,
                    "unit_id": unit_id,
                    "level": e.level,
                    "blown_at": e.timestamp,
                    "deadline": e.report_in_deadline,
                    "reported_in_at": None,
                    "late": None,
                    "score": None,
                    "unanswered": False,
                    "delay_us": None,  # set with the report-in
                    **{k: row[k] for k in CASE_PLACE},
                }
                changes.involved.add((case_id, unit_id))
        case ev.UnitReportedIn():
            key = (case_id, e.whistle_id, e.unit_id)
            changes.summons(key, reported_in_at=e.timestamp, late=e.late)
        case ev.FundingPledged():
            row["pledged_fen"] += e.amount_fen
            changes.new_pledges.append(
                {
                    "case_id": case_id,
                    "version": e.originator_version,
                    **{k: row[k] for k in CASE_PLACE},
                    "party_kind": e.party_kind,
                    "party_name": e.party_name,
                    "unit_id": e.unit_id,
                    "amount_fen": e.amount_fen,
                    "pledged_at": e.timestamp,
                }
            )
            if e.unit_id:
                changes.involved.add((case_id, e.unit_id))
        case ev.CaseResolved():
            row.update(resolved_at=e.timestamp, resolved_level=e.level)
            row["first_resolved_at"] = row["first_resolved_at"] or e.timestamp
            for item in e.unanswered:  # 未报到: counted against the unit
                changes.summons((case_id, item["whistle_id"], item["unit_id"]), unanswered=True)
        case ev.CaseEvaluated():
            row.update(solved=e.solved, satisfaction=e.satisfaction)
        case ev.UnitEvaluated():
            changes.summons((case_id, e.whistle_id, e.unit_id), score=e.score)
        case ev.CaseReopened():
            row.update(
                round=e.round, reopened=row["reopened"] + 1, resolved_at=None, resolved_level=None
            )
        case ev.CaseClosed():
            row["closed_at"] = e.timestamp
        case ev.CaseMarkedDuplicate():  # and CaseMergedInto, its subclass
            row["duplicate_of"] = e.original_case_id
        case ev.CallersMerged():  # 来电人数
            row["callers"] += len(e.case_ids) + len(e.also_case_ids)
        case ev.ResidentContactErased():
            pass  # the ledger holds no contact; status, round and rates stay as they were
        case ev.DeadlineNoticeRecorded():
            pass  # a reminder is no action: no status, response or rate changes
        case ev.WorkOrderAccepted():  # 签收: the clock that counts, and the grid if placed now
            row.update(
                resolution_due=e.resolution_due,
                community_id=e.community_id,
                grid_id=e.grid_id,
                level=e.level,
            )
        case ev.ExtensionDecided() if e.approved:  # 延期: the new deadline counts
            row["original_resolution_due"] = row["original_resolution_due"] or e.original_due
            row["resolution_due"] = e.resolution_due
    return row


def new_row(e: ev.CaseReported) -> Row:
    """The row a report starts, before the fields every event sets."""
    return {
        "case_id": str(e.originator_id),
        "title": e.title,
        "description": e.description,
        "category_id": e.category_id,
        "channel": e.channel,
        "urgency": e.urgency,
        "district_id": e.district_id,
        "street_id": e.street_id,
        "community_id": e.community_id,
        "grid_id": e.grid_id,
        "status": ev.SETS_STATUS[ev.CaseReported].value,
        "level": e.level if isinstance(e, ev.WorkOrderReceived) else "grid",
        "round": 1,
        "reported_by": e.actor_id,
        "reported_role": e.actor_role,
        "lat": e.location["lat"] if e.location else None,
        "long": e.location["long"] if e.location else None,
        "reported_at": e.timestamp,
        "reported_month": beijing_month(e.timestamp),
        "response_due": e.response_due,
        "resolution_due": e.resolution_due,
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
        "work_order_id": e.order_id if isinstance(e, ev.WorkOrderReceived) else None,
        "original_resolution_due": None,
    }
