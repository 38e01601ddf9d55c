"""Where the deadline timer looks: the ledger's open summons and cases whose deadlines are
near or past, less the notices it already knows are recorded.

The log is the truth (the case decides what is due: ``Case.record_due_notices``); this is
only an index to find candidates without loading every open case each time. The table of
known keys is a cache the timer fills after each case it handled: lost or stale, it only
costs a load of the case, which then records nothing twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import Column, Connection, Engine, MetaData, String, Table, and_, select
from sqlalchemy.dialects import postgresql, sqlite

from domain.notices import NoticeKind, overdue_key, report_in_key
from projections.ledger_tables import IS_OPEN, cases, summons

metadata = MetaData()
known_notices = Table(
    "chuishao_notice_keys",
    metadata,
    Column("case_id", String(36), primary_key=True),
    Column("key", String(200), primary_key=True),
)


class DeadlineIndex:
    def __init__(self, engine: Engine, reader: Engine | None = None) -> None:
        self.engine = engine
        self.reader = reader or engine
        metadata.create_all(engine)

    def candidates(self, now: datetime, near: timedelta) -> list[str]:
        """Ids of the open cases with a notice due at ``now`` that is not known recorded."""
        wanted: dict[str, set[str]] = defaultdict(set)
        s, c = summons.c, cases.c
        with self.reader.connect() as conn:
            rows = conn.execute(
                select(s.case_id, s.whistle_id, s.unit_id, s.deadline)
                .join(cases, c.case_id == s.case_id)
                .where(
                    s.reported_in_at.is_(None),
                    s.unanswered.is_(False),
                    s.deadline <= now + near,
                    IS_OPEN,
                    c.resolved_at.is_(None),
                )
            )
            for case_id, whistle_id, unit_id, deadline in rows:
                kind = NoticeKind.REPORT_IN_PASSED if now > deadline else NoticeKind.REPORT_IN_NEAR
                wanted[case_id].add(report_in_key(kind, whistle_id, unit_id))
            overdue = conn.execute(
                select(c.case_id, c.resolution_due).where(
                    and_(IS_OPEN, c.resolved_at.is_(None), c.resolution_due < now)
                )
            )
            for case_id, due in overdue:
                wanted[case_id].add(overdue_key(due))
            known = self._known(conn, list(wanted))
        return sorted(case_id for case_id, keys in wanted.items() if keys - known[case_id])

    def remember(self, case_id: str, keys: Iterable[str]) -> None:
        rows = [{"case_id": case_id, "key": k} for k in keys]
        if not rows:
            return
        insert = postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert
        with self.engine.begin() as conn:
            conn.execute(insert(known_notices).on_conflict_do_nothing(), rows)

    @staticmethod
    def _known(conn: Connection, case_ids: list[str]) -> dict[str, set[str]]:
        found: dict[str, set[str]] = defaultdict(set)
        for i in range(0, len(case_ids), 500):
            chunk = case_ids[i : i + 500]
            for case_id, key in conn.execute(
                select(known_notices.c.case_id, known_notices.c.key).where(
                    known_notices.c.case_id.in_(chunk)
                )
            ):
                found[case_id].add(key)
        return found
