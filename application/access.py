"""Who may do what, where: users, their scopes, bearer tokens, and the access policy.

Scopes are strings ``grid:<id>``, ``community:<id>``, ``street:<id>``, ``unit:<id>``.
A grid scope covers the grids nested under it. Tokens are random and only their
SHA-256 is stored, so a leaked users table gives no one a way in.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from application.errors import ApplicationError, CaseNotFound
from application.views import CaseSnapshot
from domain.case import Case
from domain.errors import InvalidValue
from domain.jurisdiction import Jurisdiction, Placement
from domain.values import Actor, Level, Role


class Unauthenticated(ApplicationError):
    code = "unauthenticated"

    def __init__(self) -> None:
        super().__init__("未登录或令牌无效", "missing, unknown or revoked bearer token")


class Forbidden(ApplicationError):
    code = "forbidden"


class UserExists(InvalidValue):
    code = "user_exists"


class Action(StrEnum):
    REPORT = "report"
    NOTE = "note"
    ESCALATE = "escalate"
    WHISTLE = "whistle"
    REPORT_IN = "report_in"
    PLEDGE = "pledge"
    RESOLVE = "resolve"
    EVALUATE = "evaluate"
    EVALUATE_UNIT = "evaluate_unit"
    REOPEN = "reopen"
    CLOSE = "close"
    WITHDRAW = "withdraw"
    MARK_DUPLICATE = "mark_duplicate"
    MERGE = "merge"  # 合并: every case involved must be in the caller's scope
    READ = "read"
    AUDIT = "audit"
    CONTACT = "contact"  # read a resident's name and phone
    FORGET = "forget"  # erase them (PIPL)
    OPEN311_REPORT = "open311_report"  # a resident's request through Open311 (channel app)
    # 12345 work orders: what the platform does …
    RECEIVE_ORDER = "receive_order"  # 派单
    DECIDE_RETURN = "decide_return"  # 审定 of a 退单
    SUPERVISE = "supervise"  # 督办
    ORDER_CALLBACK = "order_callback"  # 回访 result
    # … and what the street does
    ACCEPT_ORDER = "accept_order"  # 签收
    RETURN_ORDER = "return_order"  # 退单
    REQUEST_EXTENSION = "request_extension"  # 延期
    DECIDE_EXTENSION = "decide_extension"  # by the level above (access.level_of)
    SEND_FEEDBACK = "send_feedback"  # 反馈


# The platform's own acts: no person records them in its name, not even an admin.
PLATFORM_ACTIONS = frozenset(
    {Action.RECEIVE_ORDER, Action.DECIDE_RETURN, Action.SUPERVISE, Action.ORDER_CALLBACK}
)


_ALLOWED: dict[Role, frozenset[Action]] = {
    Role.GRID_LEAD: frozenset(
        {Action.REPORT, Action.NOTE, Action.ESCALATE, Action.RESOLVE, Action.READ, Action.CONTACT}
    ),
    # Erasing a resident's contact is an administrator's accountable act, not a coordinator's.
    Role.COORDINATOR: frozenset(
        (
            set(Action)
            - {Action.REPORT, Action.REPORT_IN, Action.AUDIT, Action.FORGET, Action.OPEN311_REPORT}
        )
        - PLATFORM_ACTIONS
    ),
    Role.LIAISON: frozenset({Action.REPORT_IN, Action.PLEDGE, Action.NOTE, Action.READ}),
    Role.AUDITOR: frozenset({Action.READ, Action.AUDIT}),
    Role.ADMIN: frozenset(Action) - PLATFORM_ACTIONS,
    # Reports through Open311 and reads only its public view: no case, contact or ledger.
    Role.PORTAL: frozenset({Action.OPEN311_REPORT}),
    # An integration account: pushes orders and the platform's decisions, reads nothing
    # else (its orders' state comes back through GET /work-orders/{order_id}).
    Role.PLATFORM: PLATFORM_ACTIONS,
    # An 在职党员: no case action; the roster's needs only (application/roster_access.py).
    Role.MEMBER: frozenset(),
}
SCOPE_KINDS = {
    Role.GRID_LEAD: "grid",
    Role.COORDINATOR: ("community", "street"),
    Role.LIAISON: "unit",
    Role.MEMBER: "community",
}


@dataclass(frozen=True)
class User:
    user_id: str
    name: str
    role: Role
    scopes: frozenset[str] = field(default_factory=frozenset)
    revoked: bool = False

    @property
    def actor(self) -> Actor:
        return Actor(self.user_id, self.role)

    def scope_ids(self, kind: str) -> set[str]:
        return {s.split(":", 1)[1] for s in self.scopes if s.startswith(kind + ":")}

    @property
    def unit_id(self) -> str | None:
        return next(iter(self.scope_ids("unit")), None)

    @property
    def sees_everything(self) -> bool:
        return self.role in (Role.AUDITOR, Role.ADMIN)


class UserDirectory(Protocol):
    """Where users and their token hashes live (implemented in infrastructure)."""

    def add(self, user: User, token_hash: str, created_at: datetime) -> None: ...
    def by_token_hash(self, token_hash: str) -> User | None: ...
    def all(self) -> list[User]: ...
    def reissue(self, user_id: str, token_hash: str) -> bool: ...
    def rotate(self, user_id: str, token_hash: str) -> bool: ...
    def enable(self, user_id: str, token_hash: str) -> bool: ...
    def revoke(self, user_id: str) -> bool: ...


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return "cs_" + secrets.token_urlsafe(32)


def check_scopes(role: Role, scopes: Iterable[str], jurisdiction: Jurisdiction) -> frozenset[str]:
    """Validate a new user's scopes against the role and the jurisdiction."""
    scopes = frozenset(scopes)
    kinds = SCOPE_KINDS.get(role)
    if kinds is None:
        if scopes:
            raise InvalidValue(f"{role.label}不设范围", f"role {role.value} takes no scope")
        return scopes
    if not scopes:
        raise InvalidValue(f"{role.label}必须指定范围", f"role {role.value} needs a scope")
    if role is Role.LIAISON and len(scopes) != 1:
        raise InvalidValue("联络员只能属于一个单位", "a liaison belongs to exactly one unit")
    if role is Role.MEMBER and len(scopes) != 1:
        raise InvalidValue("在职党员只在一个社区报到", "a member reports to exactly one community")
    for scope in scopes:
        kind, _, ref = scope.partition(":")
        if kind not in (kinds if isinstance(kinds, tuple) else (kinds,)):
            raise InvalidValue(
                f"范围 {scope} 不适用于{role.label}",
                f"scope {scope} does not fit role {role.value}",
            )
        known: dict[str, Any] = {
            "grid": jurisdiction.grids,
            "community": jurisdiction.communities,
            "street": jurisdiction.streets,
            "unit": jurisdiction.units,
        }
        lookup = known[kind]
        if ref not in lookup:
            raise InvalidValue(f"范围 {scope} 不存在", f"unknown scope {scope}")
    return scopes


class AccessPolicy:
    """Role × action, and scope × place. Raises ``Forbidden``; returns nothing."""

    def __init__(self, jurisdiction: Jurisdiction) -> None:
        self.jurisdiction = jurisdiction

    def require(self, user: User, action: Action, case: CaseSnapshot | Case | None = None) -> None:
        """A case the user may not see answers exactly as a case that does not exist (404,
        same body), and is checked before the role: any other answer would tell a caller
        that the id exists. 403 is only for an action on a case the user can see."""
        if case is not None and not (
            self.can_see(user, case) or self._first_pledge_of_own_unit(user, action, case)
        ):
            raise CaseNotFound(case.id if isinstance(case, Case) else case.case_id)
        if action not in _ALLOWED[user.role]:
            raise Forbidden(
                f"{user.role.label}无权执行此操作", f"role {user.role.value} may not {action.value}"
            )
        if case is not None and user.role is Role.GRID_LEAD:
            self._grid_lead_limits(action, case)

    def require_serving(self, unit_ids: Iterable[str], case: CaseSnapshot | Case) -> None:
        """A unit is summoned, scored or pledged for only on a case in its service area,
        whoever asks: a street cannot put another city's department on its own cases.
        (Unknown units pass here; the service refuses them as unknown references.)"""
        placement = _placement_of(case)
        for unit_id in unit_ids:
            unit = self.jurisdiction.units.get(unit_id)
            if unit is not None and not unit.serves.covers(placement):
                raise Forbidden(
                    f"本案所在地不在{unit.name}的服务范围内，不能为其吹哨、考核或认领资金",
                    f"the case lies outside the service area of unit {unit_id}",
                )

    def _first_pledge_of_own_unit(
        self, user: User, action: Action, case: CaseSnapshot | Case
    ) -> bool:
        """A liaison may pledge for its unit on any case in the unit's service area, the
        first pledge included; the pledge then involves the unit, so the case is seen."""
        if user.role is not Role.LIAISON or action is not Action.PLEDGE or user.unit_id is None:
            return False
        unit = self.jurisdiction.units.get(user.unit_id)
        return unit is not None and unit.serves.covers(_placement_of(case))

    def require_place(self, user: User, action: Action, placement: Placement) -> None:
        """For reporting: the new case's grid must be in the user's scope."""
        self.require(user, action)
        if not self.covers_place(user, placement):
            raise Forbidden("该网格不在您的管辖范围内", "that grid is outside your scope")

    def can_see(self, user: User, case: CaseSnapshot | Case) -> bool:
        if user.sees_everything:
            return True
        if user.role is Role.PLATFORM:  # the orders it dispatched, nothing else
            return case.work_order is not None
        if user.role is Role.MEMBER:  # the roster's needs only, never a case
            return False
        if user.role is Role.LIAISON:
            whistles = case.whistles.values() if isinstance(case.whistles, dict) else case.whistles
            return any(user.unit_id in w.unit_ids for w in whistles) or any(
                p.unit_id == user.unit_id for p in case.pledges
            )
        return self.covers_place(user, _placement_of(case))

    def level_of(self, user: User, case: CaseSnapshot | Case) -> Level:
        """The level a user acts at on a case (延期: the level above decides): an admin
        for the district; a coordinator for the street or the community that covers it."""
        if user.role is Role.ADMIN:
            return Level.DISTRICT
        if user.role is Role.COORDINATOR:
            if case.street_id in user.scope_ids("street"):
                return Level.STREET
            if case.community_id in user.scope_ids("community"):
                return Level.COMMUNITY
        raise Forbidden("您在本案没有协调层级", f"role {user.role.value} acts at no level here")

    def covers_place(self, user: User, placement: Placement) -> bool:
        if user.role is Role.PLATFORM:
            return False
        if user.sees_everything:
            return True
        if placement.street_id in user.scope_ids("street"):
            return True
        if placement.community_id in user.scope_ids("community"):
            return True
        return bool(self.grid_and_ancestors(placement.grid_id) & user.scope_ids("grid"))

    def grids_within(self, grid_ids: set[str]) -> set[str]:
        """The given grids and every grid nested under them."""
        return {g for g in self.jurisdiction.grids if self.grid_and_ancestors(g) & grid_ids}

    def grid_and_ancestors(self, grid_id: str) -> set[str]:
        out, grid = {grid_id}, self.jurisdiction.grids.get(grid_id)
        while grid is not None and grid.parent_id is not None:
            out.add(grid.parent_id)
            grid = self.jurisdiction.grids.get(grid.parent_id)
        return out

    @staticmethod
    def _grid_lead_limits(action: Action, case: CaseSnapshot | Case) -> None:
        # 小事不出网格: a grid lead acts while the case is in the grid, not after it left.
        if action in (Action.RESOLVE, Action.ESCALATE) and case.level is not Level.GRID:
            raise Forbidden(
                "案件已升级出网格，网格长不能再处置或升级",
                "the case has left the grid; a grid lead may only resolve or escalate at grid level",
            )


def _placement_of(case: CaseSnapshot | Case) -> Placement:
    return Placement(case.district_id, case.street_id, case.community_id, case.grid_id)


def check_pledge_party(user: User, unit_id: str | None) -> None:
    """A liaison pledges only for their own unit."""
    if user.role is Role.LIAISON and unit_id != user.unit_id:
        raise Forbidden("联络员只能代表本单位认领资金", "a liaison pledges only for their own unit")


def check_reporting_unit(user: User, unit_id: str) -> None:
    """A liaison reports in only for their own unit."""
    if user.role is Role.LIAISON and unit_id != user.unit_id:
        raise Forbidden("联络员只能代表本单位报到", "a liaison reports in only for their own unit")
