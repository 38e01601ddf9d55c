"""The OpenAPI document describes every answer: each error as problem+json with the Problem
schema, the ledger downloads as CSV and Excel, request bodies in Chinese with examples."""

from __future__ import annotations

from typing import Any

import pytest

from interfaces.http.openapi import XLSX_MEDIA_TYPE
from interfaces.http.validation_messages import FIELD_LABELS
from tests.support.api import Api
from tests.support.backends import sqlite_module

# SQLite only: the document is generated from the routes, not from the store.
pytestmark = sqlite_module

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
PROBLEM_JSON = "application/problem+json"


@pytest.fixture
def doc(api: Api) -> dict[str, Any]:
    r = api.client.get("/openapi.json")
    assert r.status_code == 200
    return r.json()  # type: ignore[no-any-return]


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, m, op) for path, item in doc["paths"].items() for m, op in item.items()]


def test_every_error_answer_is_a_problem(doc: dict[str, Any]) -> None:
    errors = [
        (path, method, status, answer)
        for path, method, op in operations(doc)
        for status, answer in op["responses"].items()
        if int(status) >= 400
    ]
    assert len(errors) > 100
    for path, _method, status, answer in errors:
        if path == "/healthz":
            continue
        assert answer["content"] == {PROBLEM_JSON: {"schema": PROBLEM_REF}}, (path, status)


def test_fastapis_validation_error_schema_is_gone(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    assert "HTTPValidationError" not in str(doc)


def test_the_problem_schema_names_its_members(doc: dict[str, Any]) -> None:
    problem = doc["components"]["schemas"]["Problem"]
    for member in ("type", "title", "status", "detail", "detail_zh", "code", "errors"):
        assert member in problem["properties"], member
    assert set(problem["required"]) >= {"type", "title", "status", "detail", "detail_zh"}
    assert "msg_zh" in doc["components"]["schemas"]["ProblemError"]["properties"]


def test_a_write_on_a_case_documents_each_status_it_can_answer(doc: dict[str, Any]) -> None:
    note = doc["paths"]["/cases/{case_id}/notes"]["post"]["responses"]
    assert set(note) == {"201", "401", "403", "404", "409", "412", "413", "422", "503"}
    assert "过大" in note["413"]["description"]


def test_a_list_read_documents_no_write_statuses(doc: dict[str, Any]) -> None:
    ledger = doc["paths"]["/ledger"]["get"]["responses"]
    assert {"401", "403", "422", "503"} <= set(ledger)
    assert not {"404", "409", "412", "413"} & set(ledger)


def test_ledger_downloads_are_documented_as_csv_and_excel(doc: dict[str, Any]) -> None:
    csv = doc["paths"]["/ledger.csv"]["get"]["responses"]["200"]["content"]
    xlsx = doc["paths"]["/ledger.xlsx"]["get"]["responses"]["200"]["content"]
    assert list(csv) == ["text/csv"]
    assert list(xlsx) == [XLSX_MEDIA_TYPE]


def _request_models(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    schemas = doc["components"]["schemas"]
    names = {
        op["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        for _, _, op in operations(doc)
        if "application/json" in op.get("requestBody", {}).get("content", {})
    }
    return {name: schemas[name] for name in names}


def test_an_upload_form_is_described_in_chinese(doc: dict[str, Any]) -> None:
    upload = doc["paths"]["/cases/{case_id}/files"]["post"]["requestBody"]["content"]
    ref = upload["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[1]
    properties = doc["components"]["schemas"][ref]["properties"]
    assert set(properties) == {"file", "kind", "step"}
    for field, spec in properties.items():
        assert any("\u4e00" <= ch <= "\u9fff" for ch in spec.get("description", "")), field


def test_every_request_field_is_described_in_chinese(doc: dict[str, Any]) -> None:
    models = _request_models(doc)
    assert len(models) >= 14
    for name, schema in models.items():
        assert schema.get("examples"), name
        for field, spec in schema["properties"].items():
            description = spec.get("description", "")
            assert any("\u4e00" <= ch <= "\u9fff" for ch in description), (name, field)


def test_every_request_field_has_a_chinese_label_for_errors(doc: dict[str, Any]) -> None:
    fields = {f for schema in _request_models(doc).values() for f in schema["properties"]}
    assert fields - set(FIELD_LABELS) == set()


def test_request_examples_pass_their_own_schema(api: Api, doc: dict[str, Any]) -> None:
    """An example a reader copies from /docs is a valid body (it may still break a rule)."""
    from interfaces.http import roster_schemas, schemas, work_order_schemas

    for name, schema in _request_models(doc).items():
        model = (
            getattr(schemas, name, None)
            or getattr(work_order_schemas, name, None)
            or getattr(roster_schemas, name)
        )
        for example in schema["examples"]:
            model.model_validate(example)
