"""Signing in to the console: the bearer token kept in an HttpOnly cookie, plus CSRF."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import Depends, Form, Request

from application.access import Forbidden, User
from domain.errors import DomainError
from interfaces.http.deps import SESSION_COOKIE, ContainerDep, user_of_token

CSRF_COOKIE = "chuishao_csrf"


class SignInRequired(DomainError):
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
    user = user_of_token(c, request.cookies.get(SESSION_COOKIE))
    if user is None:
        raise SignInRequired(request.url.path)
    return user


PageUser = Annotated[User, Depends(page_user)]


def new_csrf() -> str:
    return secrets.token_urlsafe(16)


def check_csrf(request: Request, csrf: Annotated[str, Form()] = "") -> None:
    """Double-submit: the form's hidden field must equal the CSRF cookie."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie, csrf):
        raise BadCsrf()


Csrf = Annotated[None, Depends(check_csrf)]
