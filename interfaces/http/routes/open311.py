"""Open311 GeoReport v2 at ``/open311/v2/``: residents' apps report problems and follow them.

Six methods, JSON and XML (``….json`` / ``….xml``): discovery, services (our categories,
Chinese names), a service's definition, POST requests (``api_key`` = the token of a user
with the 居民端 ``portal`` role; ``lat``/``long`` or ``address_string`` placed in a grid),
GET requests (the spec's filters) and GET one request. Errors are the spec's list of
``{code, description}``: 403 for a bad ``api_key``, 404 for what does not exist, 400 for
anything else, nothing written. Reads need no key, as the spec says, and show only the
public view (``open311_schemas``). The spec is this API's documentation, so these routes
stay out of the OpenAPI document (its errors are problem+json, these are not).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import parse_qsl
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from application.access import Action, Forbidden, User
from application.errors import CaseNotFound
from application.views import CaseSnapshot
from domain.errors import DomainError
from domain.jurisdiction import Category
from domain.places import Location, check_location
from domain.rules import EARLIEST, LATEST
from domain.values import Channel, Role, Status
from interfaces.bootstrap import Container
from interfaces.http.deps import ContainerDep, user_of_token
from interfaces.http.limits import BodyTooLarge
from interfaces.http.open311_schemas import (
    OPEN311_STATUS,
    SPEC,
    Discovery,
    Endpoint,
    Error,
    RequestCreated,
    Service,
    ServiceDefinition,
    ServiceRequest,
    public_description,
    render,
    statuses_for,
    w3,
)
from projections.open311_reads import PublicQuery, public_requests

# Out of the OpenAPI document: the GeoReport v2 spec documents these routes, and their
# errors are the spec's {code, description} list, not problem+json like every listed route.
router = APIRouter(prefix="/open311/v2", tags=["open311"], include_in_schema=False)

FORMATS = ("json", "xml")
CHANGESET = "2025-06-01T00:00:00Z"  # when this endpoint's shape last changed
WINDOW = timedelta(days=90)  # the spec's default span, and the longest one asked for
LIMIT = 1000  # the spec's default volume
MAX_IDS = 100
MAX_CODES = 50
MAX_FORM_FIELDS = 60
MAX_VALUE = 4000  # the spec's description limit; no other field needs more
TITLE_CUT = 50
_DEGREES = re.compile(r"[+-]?\d{1,3}(?:\.\d{1,15})?")
BAD_KEY = "api_key 无效或已停用 / Invalid api_key received -- can't proceed with create_request."


class Open311Error(Exception):
    def __init__(self, status: int, zh: str, en: str) -> None:
        super().__init__(en)
        self.status, self.description = status, f"{zh} / {en}"


@dataclass(frozen=True)
class Form:
    """A POST body's fields (each name with its values), or why it was not read."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    problem: Open311Error | None = None

    def one(self, name: str) -> str | None:
        """A field sent at most once; empty counts as not sent (the spec's optional)."""
        values = self.fields.get(name, [])
        if len(values) > 1:
            raise Open311Error(400, f"参数 {name} 重复", f"{name} was sent more than once")
        return values[0] if values and values[0].strip() else None


async def read_form(request: Request) -> Form:
    """The spec's ``application/x-www-form-urlencoded`` body, UTF-8, parsed strictly (the
    body's size is already limited by the app's BodyLimit)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        return Form(
            problem=_bad(
                "请以 application/x-www-form-urlencoded 提交",
                "send the request as application/x-www-form-urlencoded",
            )
        )
    try:
        body = await request.body()
    except BodyTooLarge:  # a body sent without its length, cut off on the way in
        return Form(problem=_bad("请求内容过大", "the request body is too large"))
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(
            text, keep_blank_values=True, errors="strict", max_num_fields=MAX_FORM_FIELDS
        )
    except ValueError:  # UnicodeDecodeError is one; so is too many fields
        return Form(
            problem=_bad(
                "请求内容无法解析（须为 UTF-8 表单，字段不超过60个）",
                "the body is not a UTF-8 form of at most 60 fields",
            )
        )
    fields: dict[str, list[str]] = {}
    for name, value in pairs:
        if len(value) > MAX_VALUE or len(name) > 100:
            return Form(
                problem=_bad(
                    f"字段过长（至多{MAX_VALUE}字）",
                    f"a field is longer than {MAX_VALUE} characters",
                )
            )
        fields.setdefault(name, []).append(value)
    return Form(fields)


FormDep = Annotated[Form, Depends(read_form)]


# ----- the six methods --------------------------------------------------------------------


@router.get("/discovery.{fmt}")
def discovery(fmt: str, request: Request, c: ContainerDep) -> Response:
    def produce() -> Discovery:
        endpoint = Endpoint(
            specification=SPEC,
            url=f"{str(request.base_url).rstrip('/')}/open311/v2",
            changeset=CHANGESET,
            type="production",
            formats=["application/json", "text/xml"],
        )
        return Discovery(
            changeset=CHANGESET,
            contact=c.service.jurisdiction.name,
            key_service="api_key 由本部署管理员以居民端（portal）用户发放 / "
            "ask the deployment's administrator for a portal user's key",
            endpoints=[endpoint],
        )

    return _answer(fmt, "discovery", produce)


@router.get("/services.{fmt}")
def services(fmt: str, c: ContainerDep) -> Response:
    return _answer(fmt, "services", lambda: [_service(cat) for cat in _categories(c)])


@router.get("/services/{code}.{fmt}")
def service_definition(code: str, fmt: str, c: ContainerDep) -> Response:
    def produce() -> ServiceDefinition:
        return ServiceDefinition(service_code=_category(c, code).id, attributes=[])

    return _answer(fmt, "service_definition", produce)


@router.post("/requests.{fmt}")
def create_request(fmt: str, c: ContainerDep, form: FormDep) -> Response:
    """Answers 200 with a list of one, as the spec's example (clients expect 200)."""

    def produce() -> list[RequestCreated]:
        if form.problem is not None:
            raise form.problem
        user = _portal_user(c, form.fields.get("api_key", []))
        return [_create(c, user, form)]

    return _answer(fmt, "requests", produce)


@router.get("/requests.{fmt}")
def list_requests(fmt: str, request: Request, c: ContainerDep) -> Response:
    def produce() -> list[ServiceRequest]:
        params = request.query_params
        if "api_key" in params:
            _portal_user(c, params.getlist("api_key"))
        rows = public_requests(c.reader, _query(c, params), limit=LIMIT)
        return [_public(c, row) for row in rows]

    return _answer(fmt, "requests", produce)


@router.get("/requests/{request_id}.{fmt}")
def one_request(request_id: str, fmt: str, c: ContainerDep) -> Response:
    """Read from the case itself, so a request is found the moment it was made."""

    def produce() -> list[ServiceRequest]:
        case_id = _uuid(request_id)
        if case_id is None:
            raise CaseNotFound(request_id)
        return [_public(c, _row_of(c.service.get_case(case_id)))]

    return _answer(fmt, "requests", produce)


# ----- answering --------------------------------------------------------------------------


def _answer(fmt: str, kind: str, produce: Callable[[], Any]) -> Response:
    if fmt not in FORMATS:
        return _errors(
            "json", 404, "不支持的格式（json 或 xml）/ unknown format: use .json or .xml"
        )
    try:
        return render(fmt, kind, produce())
    except Open311Error as e:
        return _errors(fmt, e.status, e.description)
    except CaseNotFound:
        return _errors(fmt, 404, "服务请求不存在 / no such service request")
    except Forbidden:
        return _errors(fmt, 403, BAD_KEY)
    except DomainError as e:  # a value the case refuses: nothing was written
        return _errors(fmt, 400, f"{e.zh} / {e.en}")


def _errors(fmt: str, status: int, description: str) -> Response:
    return render(fmt, "errors", [Error(code=status, description=description)], status)


def _bad(zh: str, en: str) -> Open311Error:
    return Open311Error(400, zh, en)


def _portal_user(c: Container, keys: list[str]) -> User:
    """The 居民端 user whose token is the ``api_key``; any other key is refused alike."""
    key = keys[0] if len(keys) == 1 else None
    user = user_of_token(c, key) if key and len(key) <= 200 else None
    if user is None or user.role is not Role.PORTAL:
        raise Open311Error(
            403,
            "api_key 无效或已停用",
            "Invalid api_key received -- can't proceed with create_request.",
        )
    c.policy.require(user, Action.OPEN311_REPORT)
    return user


# ----- POST requests ----------------------------------------------------------------------


def _create(c: Container, user: User, form: Form) -> RequestCreated:
    code = form.one("service_code")
    if code is None:
        raise _bad("未提供 service_code", "service_code was not provided")
    category = _category(c, code)
    point = _point(form.one("lat"), form.one("long"))
    address = form.one("address_string")
    if point is None and address is None and form.one("address_id") is not None:
        raise _bad(
            "不支持 address_id，请提供 lat/long 或 address_string",
            "address_id is not supported: send lat and long, or address_string",
        )
    grid = c.service.jurisdiction.grid(c.places.grid_for(point=point, address=address))
    description = form.one("description") or ""
    result = c.service.report_case(
        actor=user.actor,
        grid_id=grid.id,
        category_id=category.id,
        title=_title(description, category),
        description=description,
        channel=Channel.APP,
        resident_name=_name(form.one("first_name"), form.one("last_name")),
        resident_phone=form.one("phone"),
        location=point,
    )
    notice = (
        f"已受理，由{grid.name}办理；{category.name}类问题办结时限为{category.resolution.label}。"
    )
    return RequestCreated(
        service_request_id=str(result.case_id), service_notice=notice, account_id=None
    )


def _point(lat: str | None, long: str | None) -> Location | None:
    if lat is None and long is None:
        return None
    if lat is None or long is None:
        raise _bad("lat 与 long 须同时提供", "lat and long must both be sent")
    for name, value in (("lat", lat), ("long", long)):
        if not _DEGREES.fullmatch(value.strip()):
            raise _bad(f"{name} 须为十进制度数", f"{name} must be decimal degrees")
    return check_location(float(lat), float(long))


def _title(description: str, category: Category) -> str:
    """A case needs a title: the description's first line, cut short, else the category."""
    first = next((line.strip() for line in description.splitlines() if line.strip()), "")
    if not first:
        return f"{category.name}（居民上报）"
    return first if len(first) <= TITLE_CUT else first[: TITLE_CUT - 1] + "…"


def _name(first: str | None, last: str | None) -> str | None:
    """Family name first; Chinese names run together, others keep a space."""
    parts = [p.strip() for p in (last, first) if p and p.strip()]
    if not parts:
        return None
    cjk = any("\u4e00" <= ch <= "\u9fff" for p in parts for ch in p)
    return ("" if cjk else " ").join(parts)


# ----- GET requests -----------------------------------------------------------------------


def _query(c: Container, params: Any) -> PublicQuery:
    ids = _listed(params, "service_request_id", MAX_IDS)
    if ids:  # "This overrides all other arguments."
        parsed = [_uuid(i) for i in ids]
        if any(p is None for p in parsed):
            raise _bad("service_request_id 格式不正确", "a service_request_id is malformed")
        return PublicQuery(case_ids=tuple(str(p) for p in parsed))
    codes = _listed(params, "service_code", MAX_CODES)
    for code in codes:
        _category(c, code, status=400)
    statuses: list[str] = []
    for status in _listed(params, "status", 2):
        if status not in ("open", "closed"):
            raise _bad("status 只能为 open 或 closed", "status must be open or closed")
        statuses += statuses_for(status)
    start, end = _window(_instant(params, "start_date"), _instant(params, "end_date"), c)
    if end < start:
        raise _bad("end_date 早于 start_date", "end_date is before start_date")
    if end - start > WINDOW:
        raise _bad("查询时间跨度不能超过90天", "the date range may not span more than 90 days")
    return PublicQuery(
        category_ids=tuple(codes), statuses=tuple(statuses), reported_from=start, reported_to=end
    )


def _window(
    start: datetime | None, end: datetime | None, c: Container
) -> tuple[datetime, datetime]:
    """The spec's default: the most recent 90 days, or 90 days from the one date given."""
    if start is not None and end is not None:
        return start, end
    if start is not None:
        return start, start + WINDOW
    end = end or c.service.clock()
    return end - WINDOW, end


def _listed(params: Any, name: str, most: int) -> list[str]:
    """Declared several times or comma-delimited, as the spec allows; empties dropped."""
    values = [v.strip() for raw in params.getlist(name) for v in raw.split(",") if v.strip()]
    if len(values) > most:
        raise _bad(f"{name} 至多{most}个", f"at most {most} values of {name}")
    return list(dict.fromkeys(values))


def _instant(params: Any, name: str) -> datetime | None:
    values = [v for v in params.getlist(name) if v.strip()]
    if not values:
        return None
    try:
        if len(values) > 1 or len(values[0]) > 40:
            raise ValueError(name)
        moment = datetime.fromisoformat(values[0].strip())
    except ValueError:
        raise _bad(
            f"{name} 须为 w3 时间格式，如 2010-01-01T00:00:00Z",
            f"{name} must be a w3 datetime, e.g. 2010-01-01T00:00:00Z",
        ) from None
    if moment.tzinfo is None:
        raise _bad(f"{name} 须带时区（Z 或 +08:00）", f"{name} needs a time zone (Z or an offset)")
    if not EARLIEST <= moment <= LATEST:
        raise _bad(f"{name} 超出范围", f"{name} is out of range")
    return moment


# ----- the public view ----------------------------------------------------------------------


def _row_of(s: CaseSnapshot) -> dict[str, Any]:
    """A case as the ledger's public columns hold it."""
    return {
        "case_id": str(s.case_id),
        "category_id": s.category_id,
        "status": s.status.value,
        "title": s.title,
        "description": s.description,
        "reported_role": s.reported_role,
        "district_id": s.district_id,
        "street_id": s.street_id,
        "community_id": s.community_id,
        "grid_id": s.grid_id,
        "reported_at": s.reported_at,
        "last_event_at": s.modified_at,
        "resolution_due": s.resolution_due,
        "lat": s.location.lat if s.location else None,
        "long": s.location.long if s.location else None,
    }


def _public(c: Container, row: Mapping[str, Any]) -> ServiceRequest:
    j = c.service.jurisdiction
    status = Status(row["status"])
    category = j.categories.get(row["category_id"])
    street = j.streets.get(row["street_id"])
    places = (
        j.grids.get(row["grid_id"]),
        j.communities.get(row["community_id"]),
        street,
        j.districts.get(row["district_id"]),
    )
    return ServiceRequest(
        service_request_id=str(row["case_id"]),
        status=OPEN311_STATUS[status],
        status_notes=status.label,
        service_name=category.name if category else row["category_id"],
        service_code=row["category_id"],
        description=public_description(row["reported_role"], row["title"], row["description"]),
        agency_responsible=street.name if street else None,
        service_notice=None,
        requested_datetime=w3(row["reported_at"]),
        updated_datetime=w3(row["last_event_at"]),
        expected_datetime=w3(row["resolution_due"]),
        address="，".join(p.name for p in places if p is not None) or None,
        address_id=None,
        zipcode=None,
        lat=row["lat"],
        long=row["long"],
        media_url=None,
    )


def _service(category: Category) -> Service:
    return Service(
        service_code=category.id,
        service_name=category.name,
        description=f"响应时限{category.response.label}，办结时限{category.resolution.label}",
        metadata=False,
        type="realtime",
        keywords="",
        group="",
    )


def _categories(c: Container) -> list[Category]:
    return list(c.service.jurisdiction.categories.values())


def _category(c: Container, code: str, status: int = 404) -> Category:
    category = c.service.jurisdiction.categories.get(code)
    if category is None:
        raise Open311Error(status, "未知的 service_code", "service_code was not found")
    return category


def _uuid(text: str) -> UUID | None:
    try:
        return UUID(text) if len(text) <= 36 else None
    except ValueError:
        return None
