"""What every dashboard request shares: the reader, their scope, the cohort and the instant,
read from the query string (the answers themselves: projections/dashboard_reads.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query

from application.access import Action
from domain.errors import InvalidValue
from interfaces.http.deps import ContainerDep, CurrentUser, scope_of
from interfaces.http.instants import as_of as read_as_of
from interfaces.http.schemas import ID_PATTERN
from interfaces.http.waiting import wait_for_position
from projections.dashboard_reads import DashboardReads, Question
from projections.dashboards import Dashboards, Period
from projections.queries import Scope

Month = Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]
Ref = Annotated[str | None, Query(max_length=64, pattern=ID_PATTERN)]
AsOfText = Annotated[
    str | None,
    Query(
        max_length=64,
        description="ISO 8601 instant with a UTC offset (e.g. 2024-03-31T23:59:59+08:00); "
        "default now. Not before the latest recorded event.",
    ),
]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
Limit = Annotated[int, Query(ge=1, le=500)]


class Context:
    """The reader, their scope and the cohort, shared by every dashboard."""

    def __init__(
        self,
        c: ContainerDep,
        user: CurrentUser,
        from_month: Annotated[Month, Query(alias="from")] = None,
        to_month: Annotated[Month, Query(alias="to")] = None,
        street: Ref = None,
        community: Ref = None,
        grid: Ref = None,
        category: Ref = None,
        min_position: Annotated[int | None, Query(ge=0)] = None,
        as_of: AsOfText = None,
    ) -> None:
        c.policy.require(user, Action.READ)
        if from_month and to_month and from_month > to_month:
            raise InvalidValue("起始月份不能晚于截止月份", "from must not be after to")
        self.reading = wait_for_position(c, min_position)
        self.c, self.user = c, user
        self.scope: Scope = scope_of(user, c)
        self.period = Period(from_month, to_month, street, community, grid, category)
        self.as_of = read_as_of(c, as_of)  # after the wait: the views are as asked
        self.dashboards: Dashboards = self.reading.side.dashboards
        if self.as_of.past:  # the live views hold later events: replay up to as_of
            position = max(c.projector.positions().values(), default=0)
            self.dashboards = c.snapshots.at(self.as_of.at, position)

    @property
    def at(self) -> datetime:
        return self.as_of.at

    @property
    def reads(self) -> DashboardReads:
        """The dashboards for this reader, cohort and instant."""
        question = Question(self.user, self.scope, self.period, self.at, self.as_of.asked)
        return DashboardReads(self.dashboards, self.c.policy, self.c.weights, question)


Ctx = Annotated[Context, Depends(Context)]
