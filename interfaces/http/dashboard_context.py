"""What every dashboard shares: the reader, their scope, the cohort, the instant, and how
figures and cut lists are written in an answer."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Query

from application.access import Action
from domain.errors import InvalidValue
from interfaces.http.deps import ContainerDep, CurrentUser, scope_of
from interfaces.http.instants import as_of as read_as_of
from interfaces.http.schemas import ID_PATTERN
from interfaces.http.scoped_rows import RowLabels
from interfaces.http.waiting import wait_for_position
from projections.dashboards import Dashboards, Period
from projections.measures import COUNT_NAMES, Counts
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
        wait_for_position(c, min_position)
        self.c, self.user = c, user
        self.scope: Scope = scope_of(user, c)
        self.period = Period(from_month, to_month, street, community, grid, category)
        self.as_of = read_as_of(c, as_of)  # after the wait: the views are as asked
        self.dashboards: Dashboards = c.dashboards
        if self.as_of.past:  # the live views hold later events: replay up to as_of
            position = max(c.projector.positions().values(), default=0)
            self.dashboards = c.snapshots.at(self.as_of.at, position)

    @property
    def at(self) -> datetime:
        return self.as_of.at

    def link(self, path: str, **params: Any) -> str:
        """A link to ``path`` asking the same period (and instant, if named) as this."""
        p = self.period
        query = {
            "from": p.first_month,
            "to": p.last_month,
            "street": p.street_id,
            "community": p.community_id,
            "grid": p.grid_id,
            "category": p.category_id,
            "as_of": self.at.isoformat() if self.as_of.asked else None,
            **params,
        }
        return f"{path}?{urlencode({k: v for k, v in query.items() if v is not None})}"

    def page(
        self, path: str, total: int, offset: int, shown: int, at: str = "offset", **params: Any
    ) -> dict[str, Any]:
        """How a list is cut: its total, where this part starts, and the link to the rest
        (``at``: the parameter that says where a page starts)."""
        end = offset + shown
        rest = self.link(path, **params, **{at: end}) if end < total else None
        return {"total": total, "offset": offset, "shown": shown, "next": rest}

    def named(self, group: str, key: str) -> dict[str, Any]:
        """The row's name, its label for this reader and whether it is only a part of the
        place (scoped_rows.py: the same unlabelled row means the same figures for all)."""
        return RowLabels(self.user, self.c.policy).row(group, key, self.name(group, key))

    def view(self) -> dict[str, Any]:
        return RowLabels(self.user, self.c.policy).view()

    def name(self, group: str, key: str) -> str:
        j = self.c.service.jurisdiction
        tables: dict[str, dict[str, Any]] = {
            "street": j.streets,
            "community": j.communities,
            "grid": j.grids,
            "category": j.categories,
            "unit": j.units,
        }
        item = tables.get(group, {}).get(key)
        return item.name if item is not None else key

    def figures(self, counts: Counts) -> dict[str, Any]:
        rates = counts.rates(self.c.weights)
        return {
            "counts": {
                **{name: getattr(counts, name) for name in COUNT_NAMES},
                "due_for_resolution": counts.due_for_resolution,
                "due_for_response": counts.due_for_response,
            },
            "not_yet_due": {  # 在办未到期: outside the denominators until their deadline
                "cases": counts.open_not_due,
                "unanswered": counts.unanswered_not_due,
                "next_resolution_due": counts.next_resolution_due,
                "next_response_due": counts.next_response_due,
            },
            "rates": asdict(rates),
            "below_target": rates.below(self.c.weights.target),
        }


Ctx = Annotated[Context, Depends(Context)]
