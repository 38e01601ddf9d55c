"""Reference data: the places, units and categories a deployment works with.

Loaded from a jurisdiction file that a deployment edits (see infrastructure); the
domain only holds the shape and the lookups, so rules never depend on file formats.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Protocol, TypeVar

from domain.errors import InvalidValue, UnknownReference
from domain.places import GridArea
from domain.values import UnitKind
from domain.working_days import TimeLimit


@dataclass(frozen=True)
class District:
    id: str
    name: str


@dataclass(frozen=True)
class Street:
    id: str
    name: str
    district_id: str


@dataclass(frozen=True)
class Community:
    id: str
    name: str
    street_id: str
    aliases: tuple[str, ...] = ()  # other names residents use (address matching)


@dataclass(frozen=True)
class Grid:
    """A grid; ``parent_id`` nests it under another grid of the same community.
    ``area``: where it lies on the ground (optional); ``aliases``: other names for it."""

    id: str
    name: str
    community_id: str
    parent_id: str | None = None
    area: GridArea | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class ServiceArea:
    """Where a unit serves: the whole jurisdiction (the city), or districts and streets.

    A unit is summoned, scored or pledged for only on cases inside its area, so a
    street cannot blame a department of another city for its own cases.
    """

    everywhere: bool = False
    district_ids: frozenset[str] = frozenset()
    street_ids: frozenset[str] = frozenset()

    def covers(self, placement: Placement) -> bool:
        return (
            self.everywhere
            or placement.district_id in self.district_ids
            or placement.street_id in self.street_ids
        )


EVERYWHERE = ServiceArea(everywhere=True)


@dataclass(frozen=True)
class Unit:
    """A party that can be summoned by a whistle or pledge funds."""

    id: str
    name: str
    kind: UnitKind
    street_id: str | None = None
    serves: ServiceArea = EVERYWHERE


@dataclass(frozen=True)
class Category:
    """A kind of problem with its time limits (configurable defaults, not law), each in
    hours or in working days (see ``domain.working_days``)."""

    id: str
    name: str
    response: TimeLimit
    resolution: TimeLimit

    @property
    def response_limit(self) -> timedelta:
        """The response limit as a calendar length (nominal for working days)."""
        return self.response.nominal

    @property
    def resolution_limit(self) -> timedelta:
        return self.resolution.nominal


@dataclass(frozen=True)
class Placement:
    """Where a grid sits: everything a case needs to be counted by place."""

    district_id: str
    street_id: str
    community_id: str
    grid_id: str


class _Identified(Protocol):
    @property
    def id(self) -> str: ...


Item = TypeVar("Item", bound=_Identified)


def _index(items: Iterable[Item], what: str, what_en: str) -> dict[str, Item]:
    out: dict[str, Item] = {}
    for item in items:
        if item.id in out:
            raise InvalidValue(
                f"辖区文件中{what}编号重复：{item.id}", f"duplicate {what_en} id {item.id}"
            )
        out[item.id] = item
    return out


_KIND_EN = {"区": "district", "街道": "street", "社区": "community", "上级网格": "parent grid"}


@dataclass
class Jurisdiction:
    name: str
    districts: dict[str, District] = field(default_factory=dict)
    streets: dict[str, Street] = field(default_factory=dict)
    communities: dict[str, Community] = field(default_factory=dict)
    grids: dict[str, Grid] = field(default_factory=dict)
    units: dict[str, Unit] = field(default_factory=dict)
    categories: dict[str, Category] = field(default_factory=dict)
    # Days the deployment's offices are closed besides the national calendar (local days off).
    local_days_off: frozenset[date] = frozenset()
    # The State Council's holiday notice for years the bundled calendar does not know yet.
    holidays: frozenset[date] = frozenset()
    make_up_workdays: frozenset[date] = frozenset()
    listed_years: frozenset[int] = frozenset()

    @classmethod
    def build(
        cls,
        name: str,
        *,
        districts: Iterable[District],
        streets: Iterable[Street],
        communities: Iterable[Community],
        grids: Iterable[Grid],
        units: Iterable[Unit],
        categories: Iterable[Category],
        local_days_off: Iterable[date] = (),
        holidays: Iterable[date] = (),
        make_up_workdays: Iterable[date] = (),
        listed_years: Iterable[int] = (),
    ) -> Jurisdiction:
        """Index the reference data and check that every parent exists."""
        j = cls(
            name=name,
            districts=_index(districts, "区", "district"),
            streets=_index(streets, "街道", "street"),
            communities=_index(communities, "社区", "community"),
            grids=_index(grids, "网格", "grid"),
            units=_index(units, "单位", "unit"),
            categories=_index(categories, "类别", "category"),
            local_days_off=frozenset(local_days_off),
            holidays=frozenset(holidays),
            make_up_workdays=frozenset(make_up_workdays),
            listed_years=frozenset(listed_years),
        )
        j._check_parents()
        return j

    def _check_parents(self) -> None:
        for s in self.streets.values():
            self._require(s.district_id in self.districts, "区", s.district_id)
        for c in self.communities.values():
            self._require(c.street_id in self.streets, "街道", c.street_id)
        for g in self.grids.values():
            self._require(g.community_id in self.communities, "社区", g.community_id)
            if g.parent_id is not None:
                parent = self.grids.get(g.parent_id)
                self._require(parent is not None, "上级网格", g.parent_id)
                if parent is not None and parent.community_id != g.community_id:
                    raise InvalidValue(
                        f"网格 {g.id} 与上级网格不在同一社区",
                        f"grid {g.id} nests across communities",
                    )
        for g in self.grids.values():
            self.grid_depth(g.id)  # refuses cycles
        for u in self.units.values():
            if u.street_id is not None:
                self._require(u.street_id in self.streets, "街道", u.street_id)
            for street_id in u.serves.street_ids:
                self._require(street_id in self.streets, "街道", street_id)
            for district_id in u.serves.district_ids:
                self._require(district_id in self.districts, "区", district_id)
            if u.serves == ServiceArea():
                raise InvalidValue(f"单位 {u.id} 的服务范围为空", f"unit {u.id} serves no area")
        for cat in self.categories.values():
            limits_valid = cat.response.is_valid and cat.resolution.is_valid
            if not limits_valid or cat.resolution_limit < cat.response_limit:
                raise InvalidValue(
                    f"类别 {cat.id} 的时限不合理", f"category {cat.id} has invalid time limits"
                )

    @staticmethod
    def _require(ok: bool, kind_zh: str, ref: str) -> None:
        if not ok:
            raise UnknownReference(kind_zh, _KIND_EN.get(kind_zh, "parent"), ref)

    def grid(self, grid_id: str) -> Grid:
        try:
            return self.grids[grid_id]
        except KeyError:
            raise UnknownReference("网格", "grid", grid_id) from None

    def unit(self, unit_id: str) -> Unit:
        try:
            return self.units[unit_id]
        except KeyError:
            raise UnknownReference("单位", "unit", unit_id) from None

    def category(self, category_id: str) -> Category:
        try:
            return self.categories[category_id]
        except KeyError:
            raise UnknownReference("问题类别", "category", category_id) from None

    def placement(self, grid_id: str) -> Placement:
        grid = self.grid(grid_id)
        community = self.communities[grid.community_id]
        street = self.streets[community.street_id]
        return Placement(street.district_id, street.id, community.id, grid.id)

    def grid_depth(self, grid_id: str) -> int:
        depth, grid = 1, self.grid(grid_id)
        while grid.parent_id is not None:
            depth, grid = depth + 1, self.grids[grid.parent_id]
            if depth > len(self.grids):
                raise InvalidValue(
                    f"网格 {grid_id} 的上级关系成环", f"grid {grid_id} nests in a cycle"
                )
        return depth
