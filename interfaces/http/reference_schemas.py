"""Answers of the reference-data reads (/reference/…): places, units, categories, in Chinese."""

from __future__ import annotations

from pydantic import BaseModel, Field

from domain.jurisdiction import Category, Grid, Jurisdiction, ServiceArea, Unit
from domain.values import UnitKind
from domain.working_days import TimeLimit


class GridPublic(BaseModel):
    grid_id: str = Field(examples=["chengshi-huating"])
    name: str = Field(description="网格名称", examples=["城市华庭网格"])
    parent_id: str | None = Field(description="上级网格（网格可分级）")
    depth: int = Field(description="网格级别：1 为一级网格")
    community_id: str
    community_name: str = Field(description="所属社区")
    street_id: str
    street_name: str = Field(description="所属街道")
    district_id: str
    district_name: str = Field(description="所属区")

    @classmethod
    def of(cls, grid: Grid, j: Jurisdiction) -> GridPublic:
        community = j.communities[grid.community_id]
        street = j.streets[community.street_id]
        district = j.districts[street.district_id]
        return cls(
            grid_id=grid.id,
            name=grid.name,
            parent_id=grid.parent_id,
            depth=j.grid_depth(grid.id),
            community_id=community.id,
            community_name=community.name,
            street_id=street.id,
            street_name=street.name,
            district_id=district.id,
            district_name=district.name,
        )


class ServiceAreaPublic(BaseModel):
    """Where a unit serves: it is whistled, scored and pledged for only on cases there."""

    everywhere: bool = Field(description="服务全辖区")
    district_ids: list[str]
    street_ids: list[str]
    label: str = Field(description="服务范围（中文）", examples=["全辖区", "东胜区、建设街道"])

    @classmethod
    def of(cls, area: ServiceArea, j: Jurisdiction) -> ServiceAreaPublic:
        districts, streets = sorted(area.district_ids), sorted(area.street_ids)
        names = [j.districts[d].name for d in districts] + [j.streets[s].name for s in streets]
        return cls(
            everywhere=area.everywhere,
            district_ids=districts,
            street_ids=streets,
            label="全辖区" if area.everywhere else "、".join(names),
        )


class UnitPublic(BaseModel):
    unit_id: str = Field(examples=["jianshe-police"])
    name: str = Field(description="单位名称", examples=["建设派出所"])
    kind: UnitKind
    kind_label: str = Field(description="单位类型（中文）", examples=["公安派出所"])
    street_id: str | None = Field(description="驻在街道（如有）")
    serves: ServiceAreaPublic

    @classmethod
    def of(cls, unit: Unit, j: Jurisdiction) -> UnitPublic:
        return cls(
            unit_id=unit.id,
            name=unit.name,
            kind=unit.kind,
            kind_label=unit.kind.label,
            street_id=unit.street_id,
            serves=ServiceAreaPublic.of(unit.serves, j),
        )


class TimeLimitPublic(BaseModel):
    """Exactly one of ``hours`` and ``working_days`` is set."""

    hours: float | None = Field(description="以小时计的时限")
    working_days: int | None = Field(description="以工作日计的时限（法定节假日不计，调休上班日计）")
    label: str = Field(description="时限（中文）", examples=["24小时", "7个工作日"])

    @classmethod
    def of(cls, limit: TimeLimit) -> TimeLimitPublic:
        return cls(hours=limit.hours, working_days=limit.working_days, label=limit.label)


class CategoryPublic(BaseModel):
    category_id: str = Field(examples=["fire-lane"])
    name: str = Field(description="问题类别", examples=["消防通道占用"])
    response_limit: TimeLimitPublic = Field(description="响应时限")
    resolution_limit: TimeLimitPublic = Field(description="办结时限")

    @classmethod
    def of(cls, category: Category) -> CategoryPublic:
        return cls(
            category_id=category.id,
            name=category.name,
            response_limit=TimeLimitPublic.of(category.response),
            resolution_limit=TimeLimitPublic.of(category.resolution),
        )
