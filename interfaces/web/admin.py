"""The console's user administration (admins only): list users, add one, revoke or rotate
a token — through the same code as ``chuishao users …`` (interfaces/cli/users.py). A new
token is shown once, on the answer to the form, and never stored but hashed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from application.access import Forbidden, User, hash_token, new_token
from domain.errors import InvalidValue
from domain.values import Role
from interfaces.cli.users import add_user
from interfaces.http.deps import ContainerDep
from interfaces.web.session import Csrf, PageUser

router = APIRouter(prefix="/ui/admin", include_in_schema=False)


class NoSuchUser(InvalidValue):
    """Revoking or rotating a user that is not there (or not in a state for it): 422."""

    code = "user_not_found"

    def __init__(self, user_id: str, zh: str) -> None:
        super().__init__(f"用户 {user_id} {zh}", f"user {user_id}: not found or not in that state")


def _require_admin(user: User) -> None:
    if user.role is not Role.ADMIN:
        raise Forbidden("只有管理员可以管理用户", "only administrators manage users")


def _page(request: Request, c: Any, user: User, **shown: Any) -> HTMLResponse:
    from interfaces.web.pages import render  # the page renderer lives with the other pages

    response = render(request, "admin_users.html", user, users=c.users.all(), Role=Role, **shown)
    response.headers["Cache-Control"] = "no-store"  # a token may be on this page
    return response


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, c: ContainerDep, user: PageUser) -> HTMLResponse:
    """Every user: id, name, role, scope, enabled."""
    _require_admin(user)
    return _page(request, c, user)


@router.post("/users", response_class=HTMLResponse)
def add(
    request: Request,
    c: ContainerDep,
    user: PageUser,
    _: Csrf,
    user_id: Annotated[str, Form(max_length=64)],
    role: Annotated[Role, Form()],
    name: Annotated[str, Form(max_length=200)] = "",
    scopes: Annotated[str, Form(max_length=2000)] = "",
) -> HTMLResponse:
    """Add a user; the token is shown once on the answer."""
    _require_admin(user)
    token = add_user(c, user_id.strip(), name.strip(), role, scopes.replace(",", " ").split())
    return _page(request, c, user, token=token, token_for=user_id.strip(), done="已创建用户")


@router.post("/users/{user_id}/revoke", response_class=HTMLResponse)
def revoke(
    request: Request, user_id: str, c: ContainerDep, user: PageUser, _: Csrf
) -> HTMLResponse:
    """Revoke a user's token at once (their console sessions end too)."""
    _require_admin(user)
    if not c.users.revoke(user_id):
        raise NoSuchUser(user_id, "不存在")
    return _page(request, c, user, done=f"已吊销 {user_id} 的令牌")


@router.post("/users/{user_id}/rotate", response_class=HTMLResponse)
def rotate(
    request: Request, user_id: str, c: ContainerDep, user: PageUser, _: Csrf
) -> HTMLResponse:
    """A new token for an active user; the old one stops working at once."""
    _require_admin(user)
    token = new_token()
    if not c.users.rotate(user_id, hash_token(token)):
        raise NoSuchUser(user_id, "不存在或已吊销")
    return _page(request, c, user, token=token, token_for=user_id, done="已签发新令牌")
