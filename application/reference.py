"""Reference data as a caller may see it: the grids, units and categories of its scope.

Grid leads and coordinators see the grids of their places and the units that serve them
(whom they may whistle or take pledges from); a liaison sees its own unit and the grids
it serves; auditors and admins see everything. Categories and their time limits are the
same for everyone.
"""

from __future__ import annotations

from application.access import AccessPolicy, Action, User
from domain.jurisdiction import Category, Grid, Unit
from domain.values import Role


def visible_grids(policy: AccessPolicy, user: User) -> list[Grid]:
    """The grids in the caller's scope, in the jurisdiction file's order."""
    policy.require(user, Action.READ)
    j = policy.jurisdiction
    if user.role is Role.LIAISON:
        unit = j.units.get(user.unit_id or "")
        if unit is None:
            return []
        return [g for g in j.grids.values() if unit.serves.covers(j.placement(g.id))]
    return [g for g in j.grids.values() if policy.covers_place(user, j.placement(g.id))]


def visible_units(policy: AccessPolicy, user: User) -> list[Unit]:
    """The units serving some place in the caller's scope; a liaison's own unit."""
    policy.require(user, Action.READ)
    j = policy.jurisdiction
    if user.sees_everything:
        return list(j.units.values())
    if user.role is Role.LIAISON:
        return [u for u in j.units.values() if u.id == user.unit_id]
    places = [j.placement(g.id) for g in visible_grids(policy, user)]
    return [u for u in j.units.values() if any(u.serves.covers(p) for p in places)]


def categories(policy: AccessPolicy, user: User) -> list[Category]:
    policy.require(user, Action.READ)
    return list(policy.jurisdiction.categories.values())
