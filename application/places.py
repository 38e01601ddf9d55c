"""Which grid a report belongs to, from a point on the ground or an address in words.

The geometry (point in polygon) is an outside library's work, behind ``PointLocator``
(implemented in infrastructure). Addresses are matched here, simply: a grid's name,
its name without the word 网格, or one of its aliases from the jurisdiction file must
appear in the address; the longest such name wins, and a community named in the
address breaks a tie between grids. There is no geocoder: an address naming no grid is
an unknown place, never a guess.
"""

from __future__ import annotations

import unicodedata
from typing import Protocol

from domain.errors import InvalidValue
from domain.jurisdiction import Jurisdiction
from domain.places import Location

ADDRESS_MAX = 500
_SUFFIXES = ("微网格", "网格")


class UnknownPlace(InvalidValue):
    """The point lies in no grid (nor near one), or the address names none."""

    code = "unknown_place"


class PointLocator(Protocol):
    def grid_at(self, point: Location) -> str | None:
        """The grid holding ``point``, or the one whose centre is near enough; else None."""
        ...


class Places:
    def __init__(self, jurisdiction: Jurisdiction, locator: PointLocator) -> None:
        self.jurisdiction = jurisdiction
        self.locator = locator
        self._names = _grid_names(jurisdiction)

    def grid_for(self, *, point: Location | None = None, address: str | None = None) -> str:
        """The grid of a report: the point decides if given, else the address."""
        if point is not None:
            grid_id = self.locator.grid_at(point)
            if grid_id is None:
                raise UnknownPlace(
                    "该坐标不在本辖区任何网格内（坐标须为 WGS-84）",
                    "the point lies in no grid of this jurisdiction (coordinates are WGS-84)",
                    field="lat",
                )
            return grid_id
        if address is not None:
            grid_id = self.grid_for_address(address)
            if grid_id is None:
                raise UnknownPlace(
                    "地址中未找到本辖区的网格或小区名称，请提供坐标",
                    "the address names no grid of this jurisdiction; send lat and long",
                    field="address_string",
                )
            return grid_id
        raise InvalidValue(
            "请提供位置：经纬度 lat/long 或地址 address_string",
            "a location is required: lat and long, or address_string",
            field="lat",
        )

    def grid_for_address(self, address: str) -> str | None:
        """The grid an address names (see the module's doc), or None if none or a tie."""
        text = _normal(address)[:ADDRESS_MAX]
        found: dict[str, int] = {}
        for grid_id, names in self._names.items():
            length = max((len(n) for n in names if n in text), default=0)
            if length:
                found[grid_id] = length
        if not found:
            return None
        best = max(found.values())
        tied = sorted(g for g, length in found.items() if length == best)
        if len(tied) > 1:
            tied = [g for g in tied if self._community_named(g, text)] or tied
        return tied[0] if len(tied) == 1 else None

    def _community_named(self, grid_id: str, text: str) -> bool:
        community = self.jurisdiction.communities[self.jurisdiction.grids[grid_id].community_id]
        return any(_normal(n) in text for n in (community.name, *community.aliases))


def _grid_names(jurisdiction: Jurisdiction) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for grid in jurisdiction.grids.values():
        names = {_normal(grid.name), *(_normal(a) for a in grid.aliases)}
        for suffix in _SUFFIXES:
            if grid.name.endswith(suffix) and len(grid.name) > len(suffix) + 1:
                names.add(_normal(grid.name.removesuffix(suffix)))
                break
        out[grid.id] = {n for n in names if n}
    return out


def _normal(text: str) -> str:
    """Full-width to half-width, lower case, no white space: 城市 华庭 matches 城市华庭."""
    return "".join(unicodedata.normalize("NFKC", text).lower().split())
