"""Reference data over HTTP: the grids, units and categories in the caller's scope."""

from __future__ import annotations

from fastapi import APIRouter

from application import reference
from interfaces.http.deps import ContainerDep, CurrentUser
from interfaces.http.reference_schemas import CategoryPublic, GridPublic, UnitPublic

router = APIRouter(prefix="/reference", tags=["reference data"])


@router.get("/grids", response_model=list[GridPublic])
def grids(c: ContainerDep, user: CurrentUser) -> list[GridPublic]:
    """网格：the grids in your scope, with their community, street and district."""
    j = c.service.jurisdiction
    return [GridPublic.of(g, j) for g in reference.visible_grids(c.policy, user)]


@router.get("/units", response_model=list[UnitPublic])
def units(c: ContainerDep, user: CurrentUser) -> list[UnitPublic]:
    """单位：the units serving places in your scope (a liaison: its own), each with where
    it serves — a unit is whistled, scored and pledged for only on cases there."""
    j = c.service.jurisdiction
    return [UnitPublic.of(u, j) for u in reference.visible_units(c.policy, user)]


@router.get("/categories", response_model=list[CategoryPublic])
def categories(c: ContainerDep, user: CurrentUser) -> list[CategoryPublic]:
    """问题类别：each with its response and resolution time limits (hours or working days)."""
    return [CategoryPublic.of(cat) for cat in reference.categories(c.policy, user)]
