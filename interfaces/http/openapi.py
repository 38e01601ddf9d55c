"""The OpenAPI document documents every answer, errors included.

Every error is ``application/problem+json`` (``problems.py``); FastAPI documents only its own
``HTTPValidationError`` for 422, under the wrong media type. Here the ``Problem`` schema
replaces it, and each operation lists the statuses that can reach it, read off the
operation itself: a bearer token → 401/403/503 (it reads the store), a path id → 404, a
body → 413/422, a write → 409, ``If-Match`` on a case → 412, any parameter → 422.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, ConfigDict, Field

MEDIA_TYPE = "application/problem+json"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ProblemError(BaseModel):
    """One invalid part of a request (422)."""

    loc: list[str | int] = Field(description="位置：body/query/path/header 及字段名")
    field: str = Field(description="字段的中文名称", examples=["标题"])
    msg: str = Field(description="English", examples=["String should have at most 200 characters"])
    msg_zh: str = Field(description="中文说明", examples=["标题不能超过200个字符"])
    type: str = Field(description="pydantic 错误类型", examples=["string_too_long"])


class Problem(BaseModel):
    """RFC 9457 problem details, explained in English (``detail``) and Chinese (``detail_zh``).
    Some problems carry more members (``field``, ``errors``, the case's ``version`` …)."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "type": "https://chuishao.example/problems/invalid_request",
                    "title": "the request is invalid",
                    "status": 422,
                    "detail": "the request is invalid: title: String should have at most 200 "
                    "characters",
                    "detail_zh": "请求参数不合法：标题不能超过200个字符",
                    "code": "invalid_request",
                    "errors": [
                        {
                            "loc": ["body", "title"],
                            "field": "标题",
                            "msg": "String should have at most 200 characters",
                            "msg_zh": "标题不能超过200个字符",
                            "type": "string_too_long",
                        }
                    ],
                }
            ]
        },
    )

    type: str = Field(description="问题类型（URI）")
    title: str = Field(description="问题类型的简短说明（英文）")
    status: int = Field(description="HTTP 状态码")
    detail: str = Field(description="本次问题的说明（英文）")
    detail_zh: str = Field(description="本次问题的说明（中文）")
    code: str = Field(description="机器可读的问题代码", examples=["case_not_found"])
    field: str | None = Field(None, description="出问题的字段（如有）")
    errors: list[ProblemError] | None = Field(None, description="422：逐项说明不合法的参数")


STATUS_TEXT = {
    401: "未认证：缺少令牌或令牌无效 (unauthenticated)",
    403: "无权执行此操作 (forbidden for this role or scope)",
    404: "不存在，或不在您的管辖范围内 (not found, or outside your scope)",
    409: "与案件当前状态或办理规则冲突 (conflicts with the case's state or rules)",
    412: "If-Match 所给版本已不是最新 (the case changed since that version)",
    410: "文件已不在存储中或已被篡改 (the stored file is gone or altered)",
    413: "请求内容过大 (request body too large)",
    415: "不接受的文件类型 (file type not accepted)",
    422: "请求参数不合法，逐项说明字段与问题 (invalid request, each field explained)",
    503: "存储暂不可用或视图尚未追上，请稍后重试 (storage unavailable or views behind)",
}
_WRITES = {"post", "put", "patch", "delete"}


def statuses_of(method: str, operation: dict[str, Any]) -> list[int]:
    """The error statuses an operation can answer, from what it takes."""
    params = operation.get("parameters", [])
    headers = {p["name"].lower() for p in params if p.get("in") == "header"}
    if not operation.get("security"):
        return []  # /healthz: answers its own body, 503 included
    out = {401, 403, 503}
    on_one = any(p.get("in") == "path" for p in params)
    if on_one:
        out.add(404)
    if params or "requestBody" in operation:
        out.add(422)
    if "requestBody" in operation:
        out.add(413)
    if method in _WRITES:
        out.add(409)
    if "if-match" in headers and on_one:
        out.add(412)
    return sorted(out)


def problem_response(status: int) -> dict[str, Any]:
    return {
        "description": STATUS_TEXT.get(status, "请求未能完成 (the request could not be done)"),
        "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def download(media_type: str, description: str) -> dict[str, Any]:
    """A 200 that is a file, for ``responses=``: its media type, not JSON."""
    return {
        "description": description,
        "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
    }


def document(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document with the problems added (built once, then kept)."""
    if app.openapi_schema:
        return app.openapi_schema
    doc = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem.pop("$defs", {}))
    schemas["Problem"] = problem
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for item in doc.get("paths", {}).values():
        for method, operation in item.items():
            responses = operation.setdefault("responses", {})
            for status in statuses_of(method, operation):
                if status == 422 or str(status) not in responses:  # FastAPI's own 422 goes
                    responses[str(status)] = problem_response(status)
            for code, answer in responses.items():  # a route's own error statuses: problems too
                if code.isdigit() and int(code) >= 400 and "content" not in answer:
                    responses[code] = problem_response(int(code))
    app.openapi_schema = doc
    return doc


def install(app: FastAPI) -> None:
    app.openapi = lambda: document(app)  # type: ignore[method-assign]
