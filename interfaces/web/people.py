"""People as officials read them: a user's display name from the users store (the id if
the user is unknown), with the role label once — not twice when the name already says it."""

from __future__ import annotations

from application.access import UserDirectory
from domain.notices import TIMER_ROLE, TIMER_ROLE_LABEL
from domain.values import Role


def role_label(role: Role | str) -> str:
    """A role's label; events the system records (the deadline timer's) carry a role no
    user has."""
    if role == TIMER_ROLE:
        return TIMER_ROLE_LABEL
    try:
        return Role(role).label
    except ValueError:
        return str(role)


def with_role(name: str, role: Role | str) -> str:
    """``name（role）``, or the bare name if it already names the role (管理员（演示）)."""
    label = role_label(role)
    return name if label in name else f"{name}（{label}）"


class People:
    """Display names of every user, read once per page (users are few)."""

    def __init__(self, users: UserDirectory) -> None:
        self.names = {u.user_id: u.name or u.user_id for u in users.all()}

    def name(self, user_id: str | None) -> str:
        if not user_id:
            return "—"
        return self.names.get(user_id, user_id)

    def who(self, user_id: str, role: Role | str) -> str:
        return with_role(self.name(user_id), role)
