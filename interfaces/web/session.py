"""The console's session cookie and CSRF: the cookie holds a random session id (see
application/sessions.py), never the API token; forms carry a double-submit CSRF token,
the sign-in form too (a token set before any session exists)."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated, Any

from fastapi import Depends, Form, Request

from application.access import Forbidden, User
from domain.errors import ChuishaoError
from interfaces.http.deps import SESSION_COOKIE, ContainerDep

CSRF_COOKIE = "chuishao_csrf"


class SignInRequired(ChuishaoError):
    """Answered with a redirect to the sign-in page (see pages.install)."""

    code = "sign_in_required"

    def __init__(self, next_path: str) -> None:
        super().__init__("请先登录", "sign in first")
        self.next_path = next_path


class BadCsrf(Forbidden):
    code = "bad_csrf"

    def __init__(self) -> None:
        super().__init__("表单已过期，请刷新页面后重试", "form expired; reload the page and retry")


def page_user(request: Request, c: ContainerDep) -> User:
    user = c.sessions.user_of(request.cookies.get(SESSION_COOKIE))
    if user is None:
        raise SignInRequired(request.url.path)
    request.state.user_id = user.user_id  # for the request's log line
    return user


PageUser = Annotated[User, Depends(page_user)]


def cookie_flags(request: Request) -> dict[str, Any]:
    """Every console cookie: not readable by scripts, never sent from another site, and
    only over HTTPS when the console is served so (``CHUISHAO_SECURE_COOKIES``)."""
    secure = bool(request.app.state.container.settings.secure_cookies)
    return {"httponly": True, "samesite": "strict", "secure": secure, "path": "/"}


def new_csrf() -> str:
    return secrets.token_urlsafe(16)


def check_csrf(request: Request, csrf: Annotated[str, Form()] = "") -> None:
    """Double-submit: the form's hidden field must equal the CSRF cookie."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie, csrf):
        raise BadCsrf()


Csrf = Annotated[None, Depends(check_csrf)]
