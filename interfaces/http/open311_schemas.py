"""Open311 GeoReport v2 answers: field names and shapes as the spec's examples give them,
our statuses mapped to its two, and each answer written as JSON or XML.

The public view holds no personal data: no resident's name, phone or email, no user id
or role, no note, reason or summary an official wrote. A request's ``description`` is
published only when the resident wrote it through Open311 (a portal's report); a case an
official reported shows its category, place, status and times, not its text.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from fastapi.responses import Response
from pydantic import BaseModel

from domain.times import in_utc
from domain.values import Role, Status

SPEC = "http://wiki.open311.org/GeoReport_v2"

# The one place our statuses meet the spec's two: "open: it has been reported; closed: it
# has been resolved". A resolved case awaiting its callback is closed for the resident;
# reopening it (an unsatisfied callback) opens it again.
OPEN311_STATUS: dict[Status, str] = {
    Status.REPORTED: "open",
    Status.IN_PROGRESS: "open",
    Status.RESOLVED: "closed",
    Status.EVALUATED: "closed",
    Status.CLOSED: "closed",
    Status.WITHDRAWN: "closed",
    Status.DUPLICATE: "closed",
    Status.RETURNED: "closed",  # a 12345 order the platform took back: done here
}


def statuses_for(open311_status: str) -> list[str]:
    """Our statuses that the spec's ``open`` or ``closed`` stands for."""
    return [s.value for s, o in OPEN311_STATUS.items() if o == open311_status]


class Endpoint(BaseModel):
    specification: str
    url: str
    changeset: str
    type: str
    formats: list[str]


class Discovery(BaseModel):
    changeset: str
    contact: str
    key_service: str
    endpoints: list[Endpoint]


class Service(BaseModel):
    service_code: str
    service_name: str
    description: str
    metadata: bool
    type: str
    keywords: str
    group: str


class ServiceDefinition(BaseModel):
    service_code: str
    attributes: list[dict[str, Any]]


class ServiceRequest(BaseModel):
    """One request as GET requests answers it (every field the spec lists)."""

    service_request_id: str
    status: str
    status_notes: str | None
    service_name: str
    service_code: str
    description: str | None
    agency_responsible: str | None
    service_notice: str | None
    requested_datetime: str
    updated_datetime: str
    expected_datetime: str | None
    address: str | None
    address_id: str | None
    zipcode: str | None
    lat: float | None
    long: float | None
    media_url: str | None


class RequestCreated(BaseModel):
    service_request_id: str
    service_notice: str | None
    account_id: str | None


class Error(BaseModel):
    code: int
    description: str


def w3(moment: datetime) -> str:
    """The spec's w3 format with its zone: every instant we answer is UTC, written ``Z``."""
    return in_utc(moment).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def public_description(reported_role: str | None, title: str, description: str) -> str | None:
    """The resident's own words, for requests made through Open311; else none."""
    if reported_role != Role.PORTAL.value:
        return None
    return description or title


# ----- writing an answer ---------------------------------------------------------------

_ROOTS = {  # the spec's XML: a list's root element and each item's element
    "services": ("services", "service"),
    "requests": ("service_requests", "request"),
    "errors": ("errors", "error"),
}
# Characters XML 1.0 cannot hold at all (escaping cannot help): dropped, not written.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_LIST_ITEMS = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute"}


def render(fmt: str, kind: str, body: Any, status: int = 200) -> Response:
    """``body``: a model or a list of them. XML is built by ElementTree, which escapes
    every text (we only write XML, never read it)."""
    data = _plain(body)
    if fmt == "xml":
        return Response(_xml(kind, data), status_code=status, media_type="text/xml; charset=utf-8")
    return Response(_json(data), status_code=status, media_type="application/json; charset=utf-8")


def _plain(body: Any) -> Any:
    if isinstance(body, list):
        return [_plain(b) for b in body]
    return body.model_dump(mode="json") if isinstance(body, BaseModel) else body


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, allow_nan=False).encode()


def _xml(kind: str, data: Any) -> bytes:
    if kind in _ROOTS:
        root_name, item_name = _ROOTS[kind]
        root = Element(root_name)
        for item in data:
            _fill(SubElement(root, item_name), item)
    else:  # a single object: discovery, service_definition
        root = Element(kind)
        _fill(root, data)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + tostring(root, encoding="unicode").encode()


def _fill(element: Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _fill(SubElement(element, key), inner)
    elif isinstance(value, list):
        item = _LIST_ITEMS.get(element.tag, "item")
        for inner in value:
            _fill(SubElement(element, item), inner)
    elif value is None:
        return  # an empty element, as the spec's <account_id/>
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = _XML_ILLEGAL.sub("", str(value))
