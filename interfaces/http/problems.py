"""One table maps every error to its HTTP status and an RFC 9457 problem+json body.

Routes contain no try/except: errors raised anywhere below reach these handlers.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from application.access import Forbidden, Unauthenticated
from application.errors import (
    CaseNotFound,
    CaseUnreadable,
    ConcurrencyConflict,
    StaleVersion,
    StorageUnavailable,
    VersionNotFound,
)
from application.evidence import (
    EvidenceNotFound,
    EvidenceUnavailable,
    FileTooLarge,
    UnsupportedFileType,
)
from application.notifications import DeliveryNotFound, NotReplayable
from application.roster_access import RosterNotFound
from application.sessions import BadSignIn, TooManySignIns
from domain.errors import (
    ChuishaoError,
    DomainError,
    DutiesNotSeparated,
    InvalidValue,
    RuleViolation,
    WhistleNotFound,
)
from interfaces.http import validation_messages
from interfaces.http.json_response import FastJSONResponse
from interfaces.http.stream_slots import TooManyStreams
from interfaces.http.waiting import ViewsBehind
from interfaces.roster_pdf import PdfFontMissing

PROBLEM_TYPE = "https://chuishao.example/problems/"
MEDIA_TYPE = "application/problem+json"

# Most specific first: the first matching class wins.
STATUS_OF: list[tuple[type[ChuishaoError], int]] = [
    (Unauthenticated, 401),
    (BadSignIn, 401),
    (TooManySignIns, 429),
    (TooManyStreams, 429),
    (Forbidden, 403),
    (DutiesNotSeparated, 403),  # allowed to the role, not to the resolver of this round
    (CaseNotFound, 404),
    (RosterNotFound, 404),
    (VersionNotFound, 404),
    (WhistleNotFound, 404),
    (EvidenceNotFound, 404),
    (DeliveryNotFound, 404),
    (NotReplayable, 409),
    (EvidenceUnavailable, 410),  # the log names it, the store lost it: verify reports it
    (FileTooLarge, 413),
    (UnsupportedFileType, 415),
    (StaleVersion, 412),
    (ConcurrencyConflict, 409),
    (CaseUnreadable, 409),
    (RuleViolation, 409),
    (InvalidValue, 422),
    (StorageUnavailable, 503),
    (PdfFontMissing, 503),
    (ViewsBehind, 503),
    (DomainError, 400),
    (ChuishaoError, 400),
]

_HTTP_TEXT = {
    404: ("资源不存在", "not found"),
    405: ("不支持该请求方法", "method not allowed"),
    413: ("请求内容过大", "request body too large"),
    415: ("请求内容类型不受支持", "unsupported media type"),
}


def problem(status: int, code: str, zh: str, en: str, **extra: Any) -> JSONResponse:
    body = {
        "type": PROBLEM_TYPE + code,
        "title": en,
        "status": status,
        "detail": en,
        "detail_zh": zh,
        "code": code,
        **extra,
    }
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    if status == 503:
        headers["Retry-After"] = "5"
    if status == 429:
        headers["Retry-After"] = "300"
    return FastJSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def status_of(error: ChuishaoError) -> int:
    return next(status for cls, status in STATUS_OF if isinstance(error, cls))


def problem_response(e: ChuishaoError) -> JSONResponse:
    extra = dict(getattr(e, "extra", {}))
    field = getattr(e, "field", None)
    if field:
        extra.setdefault("field", field)
    return problem(status_of(e), e.code, e.zh, e.en, **extra)


def install(app: FastAPI) -> None:
    # Only the project's errors are mapped: adapters translate their drivers' (a database
    # down is StorageUnavailable), so a driver error that still reaches here is a bug: 500.
    @app.exception_handler(ChuishaoError)
    def project_error(_: Request, e: ChuishaoError) -> JSONResponse:
        return problem_response(e)

    @app.exception_handler(RequestValidationError)
    def invalid_request(_: Request, e: RequestValidationError) -> JSONResponse:
        errors = validation_messages.entries(e.errors())
        zh, en = validation_messages.summary(errors)
        title = "the request is invalid"  # the type's title; detail names each problem
        return problem(422, "invalid_request", zh, en, errors=errors, title=title)

    @app.exception_handler(StarletteHTTPException)
    def http_error(_: Request, e: StarletteHTTPException) -> JSONResponse:
        zh, en = _HTTP_TEXT.get(e.status_code, ("请求错误", str(e.detail)))
        return problem(e.status_code, f"http_{e.status_code}", zh, en)
