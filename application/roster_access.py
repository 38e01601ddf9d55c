"""Who may do what on the 双报到 roster and its needs.

- A coordinator (and an admin, everywhere) manages the roster and the needs of the
  communities in their scope: a community scope, or a street scope covering its communities.
- A member (role ``member``, scoped to one community) sees that community's needs, claims,
  releases and completes them for themself, and reads their own record.
- A liaison (a unit scope) sees its unit's council seats, the members it employs and their
  records, the needs where its seats sit, and claims and completes needs for its unit.
- An auditor reads everything and writes nothing.
Anything a caller may not see answers as not found (404), never 403: the answer must not
tell that the id exists.
"""

from __future__ import annotations

from application.access import Forbidden, User
from application.errors import ApplicationError
from domain.jurisdiction import Jurisdiction
from domain.values import Role


class RosterNotFound(ApplicationError):
    code = "not_found"

    def __init__(self, what_zh: str, ref: object) -> None:
        super().__init__(f"{what_zh}不存在：{ref}", f"not found: {ref}")


MANAGERS = (Role.COORDINATOR, Role.ADMIN)
READERS = (Role.COORDINATOR, Role.ADMIN, Role.AUDITOR)


class RosterPolicy:
    def __init__(self, jurisdiction: Jurisdiction) -> None:
        self.jurisdiction = jurisdiction

    def manages(self, user: User, community_id: str) -> bool:
        """A coordinator's (or admin's) hold on one community."""
        if user.role is Role.ADMIN:
            return True
        if user.role is not Role.COORDINATOR:
            return False
        community = self.jurisdiction.communities.get(community_id)
        return community_id in user.scope_ids("community") or (
            community is not None and community.street_id in user.scope_ids("street")
        )

    def manages_street(self, user: User, street_id: str) -> bool:
        return user.role is Role.ADMIN or (
            user.role is Role.COORDINATOR and street_id in user.scope_ids("street")
        )

    def sees_community(self, user: User, community_id: str) -> bool:
        """Reads of a community's roster-wide lists (needs, measures)."""
        if user.role is Role.AUDITOR:
            return True
        if user.role is Role.MEMBER:
            return community_id in user.scope_ids("community")
        return self.manages(user, community_id)

    def require_manager(self, user: User, community_id: str) -> None:
        if self.manages(user, community_id):
            return
        if user.role in (Role.AUDITOR, Role.MEMBER, Role.LIAISON):
            raise Forbidden(
                f"{user.role.label}不能管理报到名册和需求",
                f"role {user.role.value} does not manage the roster",
            )
        raise Forbidden("该社区不在您的管辖范围内", "that community is outside your scope")


def community_ids_seen(user: User, policy: RosterPolicy) -> frozenset[str] | None:
    """The communities whose lists a user reads; None: all of them."""
    if user.role in (Role.AUDITOR, Role.ADMIN):
        return None
    return frozenset(c for c in policy.jurisdiction.communities if policy.sees_community(user, c))
