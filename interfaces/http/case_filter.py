"""The case-filter query parameters, declared once for `GET /cases` and the ledger routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from domain.values import Status
from interfaces.http.schemas import ID_PATTERN
from projections.queries import CaseFilter

# A reference-data id (grid, community, street, category), as the request schemas take it.
IdParam = Annotated[str | None, Query(max_length=64, pattern=ID_PATTERN)]


class CaseFilterQuery:
    """``?grid=&community=&street=&status=&category=`` as the ledger's ``CaseFilter``."""

    def __init__(
        self,
        grid: IdParam = None,
        community: IdParam = None,
        street: IdParam = None,
        status: Status | None = None,
        category: IdParam = None,
    ) -> None:
        self.filter = CaseFilter(
            grid, community, street, status.value if status else None, category
        )


CaseFilters = Annotated[CaseFilterQuery, Depends(CaseFilterQuery)]
