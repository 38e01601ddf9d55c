"""The case-filter query parameters, declared once for `GET /cases` and the ledger routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from domain.errors import InvalidValue
from domain.jurisdiction import Jurisdiction
from domain.values import Status
from interfaces.http.deps import ContainerDep
from interfaces.http.schemas import ID_PATTERN
from projections.queries import CaseFilter

# A reference-data id (grid, community, street, category), as the request schemas take it.
IdParam = Annotated[str | None, Query(max_length=64, pattern=ID_PATTERN)]
KEYWORDS_MAX = 100
Keywords = Annotated[
    str | None,
    Query(min_length=1, max_length=KEYWORDS_MAX, description="keywords in title or description"),
]
# Each filter's parameter, its name in Chinese, and where the jurisdiction lists its ids.
_REFERENCES = (
    ("grid", "网格", "grids"),
    ("community", "社区", "communities"),
    ("street", "街道", "streets"),
    ("category", "问题类别", "categories"),
)


class UnknownFilterValue(InvalidValue):
    """A filter names a place or category the jurisdiction does not define (HTTP 422):
    said, rather than answered with an empty list that looks like "no cases"."""

    code = "unknown_filter_value"

    def __init__(self, parameter: str, kind_zh: str, value: str) -> None:
        super().__init__(
            f"筛选条件 {parameter}：未知的{kind_zh} {value}",
            f"filter {parameter}: unknown {parameter} {value!r}",
            field=parameter,
        )


class CaseFilterQuery:
    """``?grid=&community=&street=&status=&category=&q=`` as the ledger's ``CaseFilter``."""

    def __init__(
        self,
        grid: IdParam = None,
        community: IdParam = None,
        street: IdParam = None,
        status: Status | None = None,
        category: IdParam = None,
        q: Keywords = None,
    ) -> None:
        self.filter = CaseFilter(
            grid, community, street, status.value if status else None, category, q=q or None
        )

    def problem(self, j: Jurisdiction) -> UnknownFilterValue | None:
        """The first id the jurisdiction does not define, as an error naming its parameter
        (console pages show it beside the form)."""
        for parameter, kind_zh, listed in _REFERENCES:
            value = getattr(self.filter, f"{parameter}_id")
            if value is not None and value not in getattr(j, listed):
                return UnknownFilterValue(parameter, kind_zh, value)
        return None

    def check(self, j: Jurisdiction) -> None:
        """Refuse an id the jurisdiction does not define, naming the parameter."""
        problem = self.problem(j)
        if problem is not None:
            raise problem


def _checked(filters: Annotated[CaseFilterQuery, Depends()], c: ContainerDep) -> CaseFilterQuery:
    filters.check(c.service.jurisdiction)
    return filters


CaseFilters = Annotated[CaseFilterQuery, Depends(_checked)]
