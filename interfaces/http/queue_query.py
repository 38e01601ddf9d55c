"""The work queue's parameters, shared by ``GET /queue`` and the console's 我的待办 page."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query

from application.access import Action
from domain.rules import check_aware
from interfaces.http.case_filter import CaseFilters
from interfaces.http.deps import ContainerDep, CurrentUser, scope_of
from projections.queries import LedgerQueries
from projections.work_queue import QueueItem, work_queue


class QueueQuery:
    """``?grid=&community=&street=&status=&category=&q=&overdue=&reported_from=&reported_to=``"""

    def __init__(
        self,
        c: ContainerDep,
        user: CurrentUser,
        filters: CaseFilters,
        overdue: Annotated[bool, Query(description="only what is past its deadline")] = False,
        reported_from: Annotated[
            datetime | None, Query(description="inclusive, ISO-8601 with zone")
        ] = None,
        reported_to: Annotated[
            datetime | None, Query(description="exclusive, ISO-8601 with zone")
        ] = None,
    ) -> None:
        c.policy.require(user, Action.READ)
        for name, moment in (("reported_from", reported_from), ("reported_to", reported_to)):
            if moment is not None:
                check_aware(moment, field=name)
        self.c, self.user, self.overdue = c, user, overdue
        self.filter = replace(filters.filter, reported_from=reported_from, reported_to=reported_to)

    def items(self, now: datetime, ledger: LedgerQueries | None = None) -> list[QueueItem]:
        """``ledger``: the copy of the views to read (default the primary's)."""
        return work_queue(
            ledger or self.c.ledger,
            self.user.role,
            scope_of(self.user, self.c),
            self.filter,
            now,
            overdue_only=self.overdue,
        )


Queue = Annotated[QueueQuery, Depends(QueueQuery)]
