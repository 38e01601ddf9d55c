"""The OpenAPI document lists issue 16's routes — 12345 orders, 合并, the live inbox, webhook
deliveries — each with its body's schema and its answer's; Open311 stays out (its spec
documents it and its errors are not problem+json)."""

from __future__ import annotations

from typing import Any

from tests.support.api import Api
from tests.support.backends import sqlite_only

# (path, method, request body schema or None, success status)
ROUTES = [
    ("/work-orders", "post", "WorkOrderCreate", "201"),
    ("/work-orders/{order_id}", "get", None, "200"),
    ("/work-orders/{order_id}/return-decisions", "post", "ReturnDecisionCreate", "201"),
    ("/work-orders/{order_id}/supervisions", "post", "SupervisionCreate", "201"),
    ("/work-orders/{order_id}/callbacks", "post", "OrderCallbackCreate", "201"),
    ("/cases/{case_id}/order-acceptance", "post", "AcceptanceCreate", "201"),
    ("/cases/{case_id}/order-returns", "post", "ReturnCreate", "201"),
    ("/cases/{case_id}/extensions", "post", "ExtensionCreate", "201"),
    ("/cases/{case_id}/extension-decisions", "post", "ExtensionDecisionCreate", "201"),
    ("/cases/{case_id}/feedback", "post", "FeedbackCreate", "201"),
    ("/cases/{case_id}/merges", "post", "MergeCreate", "201"),
    ("/cases/{case_id}/likely-duplicates", "get", None, "200"),
    ("/cases/duplicates-check", "post", "DraftCheck", "200"),
    ("/cases/{case_id}/callers", "get", None, "200"),
    ("/admin/notifications", "get", None, "200"),
    ("/admin/notifications/{delivery_id}/replay", "post", None, "200"),
]


@sqlite_only  # the document is generated from the routes
def test_issue_16_routes_are_documented_and_open311_is_not(api: Api) -> None:
    doc: dict[str, Any] = api.client.get("/openapi.json").json()
    for path, method, body, ok in ROUTES:
        op = doc["paths"][path][method]
        if body is not None:
            ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            assert ref.endswith(f"/{body}"), (path, ref)
        answer = op["responses"][ok]["content"]["application/json"]["schema"]
        assert answer, (path, method)
        errors = [s for s in op["responses"] if int(s) >= 400]
        assert {"401", "403", "422"} <= set(errors), (path, errors)
    stream = doc["paths"]["/inbox/stream"]["get"]["responses"]
    assert "text/event-stream" in stream["200"]["content"] and "429" in stream
    assert not [p for p in doc["paths"] if p.startswith("/open311")]
