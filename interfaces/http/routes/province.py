"""The provincial dashboard over HTTP: the cities' imported rollups, summed
(projections/federation.py; `chuishao import-rollups` fills it)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from application.access import Action, Forbidden
from interfaces.http.deps import ContainerDep, CurrentUser
from projections.federation import province as province_rows
from projections.federation import total
from projections.measures import COUNT_NAMES, NOT_DUE_COUNTS, Counts, Weights

router = APIRouter(tags=["province"])


class CityMeasures(BaseModel):
    city_id: str
    city_name: str
    as_of: str  # the instant the city exported its counts
    counts: dict[str, int]
    rates: dict[str, float | None]


class ProvinceAnswer(BaseModel):
    month: str | None
    target: float
    cities: list[CityMeasures]
    total: CityMeasures


@router.get("/province", response_model=ProvinceAnswer)
def province(
    c: ContainerDep,
    user: CurrentUser,
    month: Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] = None,
) -> ProvinceAnswer:
    """全省汇总：each imported city's counts and rates, and the province's computed from the
    summed counts (never an average of rates). Auditors and admins of the whole system."""
    c.policy.require(user, Action.AUDIT)
    if not user.sees_everything:
        raise Forbidden("仅全辖区的审计或管理员可查看全省汇总", "needs a whole-jurisdiction scope")
    rows = province_rows(c.reader, month=month)
    weights = c.weights
    return ProvinceAnswer(
        month=month,
        target=weights.target,
        cities=[_measures(r.city_id, r.city_name, r.as_of, r.counts, weights) for r in rows],
        total=_measures("province", "全省", "", total(rows), weights),
    )


def _measures(city_id: str, name: str, as_of: str, counts: Counts, w: Weights) -> CityMeasures:
    rates: dict[str, Any] = vars(counts.rates(w))
    return CityMeasures(
        city_id=city_id,
        city_name=name,
        as_of=as_of,
        counts={n: getattr(counts, n) for n in (*COUNT_NAMES, *NOT_DUE_COUNTS)},
        rates=dict(rates),
    )
