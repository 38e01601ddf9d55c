"""Same row, same number: how a dashboard row is labelled for the one who reads it.

A row named for a place (建设街道) means every counted case of that place. A reader whose
scope covers only part of it (a grid lead, a community coordinator) sees the row labelled
as a part — "建设街道 · 辖区内" — with ``scope_part`` true; a liaison's figures are the cases
involving their unit, labelled "· 涉及本单位". So two readers who see a row under the same
unlabelled name see the same figures: the whole place's.
"""

from __future__ import annotations

from typing import Any

from application.access import AccessPolicy, User
from domain.values import Role
from projections.dashboard_results import Named, ViewLabel

PART_OF_SCOPE = "辖区内"
PART_OF_UNIT = "涉及本单位"


class RowLabels:
    """Labels rows by place, category or unit for one reader."""

    def __init__(self, user: User, policy: AccessPolicy) -> None:
        self.user, self.policy = user, policy
        self.j = j = policy.jurisdiction
        self.everything = user.sees_everything  # asked once: an answer labels hundreds of rows
        self._tables: dict[str, dict[str, Any]] = {
            "street": j.streets,
            "community": j.communities,
            "grid": j.grids,
            "category": j.categories,
            "unit": j.units,
        }

    def covers_whole(self, group: str, key: str) -> bool:
        """Whether the reader's figures for this row are all of it (what anyone sees)."""
        user = self.user
        if self.everything:
            return True
        if user.role is Role.LIAISON:  # its own unit's row counts all of the unit's summons
            return group == "unit" and key == user.unit_id
        streets = user.scope_ids("street")
        if group == "street":
            return key in streets
        if group == "community":
            community = self.j.communities.get(key)
            return key in user.scope_ids("community") or (
                community is not None and community.street_id in streets
            )
        if group == "grid":
            return key in self.j.grids and self.policy.covers_place(user, self.j.placement(key))
        return False  # a category or a unit spans places beyond any one scope

    def row(self, group: str, key: str, name: str) -> Named:
        """``name`` (the place's own), ``label`` (what to show) and ``scope_part``."""
        if self.covers_whole(group, key):
            return Named(name, name, scope_part=False)
        part = PART_OF_UNIT if self.user.role is Role.LIAISON else PART_OF_SCOPE
        return Named(name, f"{name} · {part}", scope_part=True)

    def name(self, group: str, key: str) -> str:
        """The place's, category's or unit's own name (its id if the jurisdiction has none)."""
        item = self._tables.get(group, {}).get(key)
        return item.name if item is not None else key

    def view(self) -> ViewLabel:
        """What the whole answer counts, named for the reader."""
        user = self.user
        if user.sees_everything:
            return ViewLabel("全部案件", scope_part=False)
        if user.role is Role.LIAISON:
            unit = self.j.units.get(user.unit_id or "")
            name = unit.name if unit else user.unit_id
            return ViewLabel(f"涉及本单位的案件（{name}）", scope_part=True)
        names = sorted(self._scope_name(s) for s in user.scopes)
        return ViewLabel(f"辖区内案件（{'、'.join(names)}）", scope_part=True)

    def _scope_name(self, scope: str) -> str:
        kind, _, ref = scope.partition(":")
        tables: dict[str, dict[str, Any]] = {
            "street": self.j.streets,
            "community": self.j.communities,
            "grid": self.j.grids,
        }
        table = tables.get(kind, {})
        item = table.get(ref)
        return item.name if item is not None else ref
