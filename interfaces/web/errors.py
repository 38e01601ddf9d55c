"""Error pages for the console: every 4xx/5xx under ``/ui/`` is a Chinese HTML page with a
way back; every other path keeps the JSON API's problem+json handler unchanged."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from domain.errors import ChuishaoError
from domain.values import Role
from interfaces.http.deps import SESSION_COOKIE
from interfaces.http.problems import status_of
from interfaces.web.session import CSRF_COOKIE

Handler = Callable[[Request, Any], Any]


@dataclass(frozen=True)
class PageError:
    """What the error page says: a Chinese sentence, the English beside it."""

    zh: str
    en: str


HTTP_PAGES = {
    400: PageError("请求有误，请返回后重试。", "bad request"),
    403: PageError("您没有权限查看此页面。", "forbidden"),
    404: PageError("页面不存在，请检查地址或从导航进入。", "not found"),
    405: PageError("此页面不支持该操作。", "method not allowed"),
    413: PageError("提交的内容过大。", "request body too large"),
    415: PageError("提交的内容类型不受支持。", "unsupported media type"),
    422: PageError("提交的内容或地址参数不合法，请检查后重试。", "invalid request"),
}
NOT_A_CASE = PageError("案件不存在：案件编号格式不正确。", "no such case: malformed case id")
SERVER = PageError("服务暂时不可用，请稍后重试。", "server error or storage unavailable")


def is_console(request: Request) -> bool:
    return request.url.path.startswith("/ui/") or request.url.path == "/ui"


def error_page(
    templates: Jinja2Templates, request: Request, status: int, error: PageError | ChuishaoError
) -> Response:
    """The error page, with the navigation if the visitor is signed in."""
    user = None
    container = getattr(request.app.state, "container", None)
    if container is not None:
        try:
            user = container.sessions.user_of(request.cookies.get(SESSION_COOKIE))
        except Exception:  # an error page must not fail because the sessions store did
            user = None
    return templates.TemplateResponse(
        request,
        "error.html",
        {
            "user": user,
            "error": error,
            "status": status,
            "Role": Role,
            "csrf": request.cookies.get(CSRF_COOKIE, ""),
        },
        status_code=status,
    )


def _validation_page(e: RequestValidationError) -> tuple[int, PageError]:
    # A malformed id in the address (/ui/cases/abc) names nothing: a page not found.
    if any(tuple(err.get("loc", ()))[:1] == ("path",) for err in e.errors()):
        return 404, NOT_A_CASE
    return 422, HTTP_PAGES[422]


def install(app: FastAPI, templates: Jinja2Templates) -> None:
    """Wrap the JSON handlers already installed (interfaces/http/problems.py)."""
    api: dict[Any, Handler] = dict(app.exception_handlers)

    @app.exception_handler(ChuishaoError)
    def on_project_error(request: Request, e: ChuishaoError) -> Any:
        if is_console(request):
            return error_page(templates, request, status_of(e), e)
        return api[ChuishaoError](request, e)

    @app.exception_handler(RequestValidationError)
    def on_invalid(request: Request, e: RequestValidationError) -> Any:
        if is_console(request):
            return error_page(templates, request, *_validation_page(e))
        return api[RequestValidationError](request, e)

    @app.exception_handler(StarletteHTTPException)
    def on_http(request: Request, e: StarletteHTTPException) -> Any:
        if is_console(request):
            page = HTTP_PAGES.get(
                e.status_code, SERVER if e.status_code >= 500 else HTTP_PAGES[400]
            )
            return error_page(templates, request, e.status_code, page)
        return api[StarletteHTTPException](request, e)

    def on_other(request: Request, e: Exception) -> Any:
        answer = api[type_of(e)](request, e)
        if not is_console(request) or answer.status_code < 400:  # e.g. sign-in redirects
            return answer
        status = answer.status_code
        return error_page(templates, request, status, HTTP_PAGES.get(status, SERVER))

    def type_of(e: Exception) -> Any:
        return next(t for t in type(e).__mro__ if t in api)

    # The rest (a database gone away → 503) keep their status, shown as a page.
    for kind in api:
        if isinstance(kind, type) and kind not in (
            ChuishaoError,
            RequestValidationError,
            StarletteHTTPException,
        ):
            app.add_exception_handler(kind, on_other)
