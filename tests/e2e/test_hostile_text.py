"""Text that hides or disguises what it says is refused over HTTP: 422 naming the field,
in Chinese and English, and nothing written. One test per class of character."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e import helpers as h
from tests.support.api import Api
from tests.support.backends import sqlite_module

# SQLite only: the text is refused before anything reaches the store.
pytestmark = sqlite_module

CLASSES = {
    "C1 control U+0085": "消防\u0085通道",
    "bidi override U+202E": "通道\u202egpj.exe",
    "only U+200B": "\u200b\u200b",
    "only U+FEFF": "\ufeff",
}
# (path under the case or "/cases", field, body without the field)
FIELDS: list[tuple[str, str, dict[str, Any]]] = [
    ("/cases", "title", h.case_body()),
    ("/cases", "description", h.case_body()),
    ("/cases", "resident_name", h.case_body()),
    ("notes", "text", {}),
    ("escalations", "reason", {"to_level": "community"}),
    ("resolution", "summary", {}),
    ("pledges", "party_name", {"party_kind": "government", "amount_fen": 1}),
    ("withdrawal", "reason", {}),
]


@pytest.mark.parametrize("value", list(CLASSES.values()), ids=list(CLASSES))
@pytest.mark.parametrize(("path", "field", "body"), FIELDS, ids=[f[1] for f in FIELDS])
def test_hiding_text_is_refused_naming_the_field(
    api: Api, path: str, field: str, body: dict[str, Any], value: str
) -> None:
    case_id = h.report(api)
    url = path if path == "/cases" else f"/cases/{case_id}/{path}"
    before = api.event_count()
    response = api.post("admin", url, {**body, field: value})
    problem = h.assert_refused(api, before, response, 422, "invalid_value")
    assert problem["field"] == field
    assert field in problem["detail"]


def test_refused_title_leaves_no_blank_ledger_row(api: Api) -> None:
    h.report(api)
    api.post("grid_lead", "/cases", h.case_body(title="\u200b"))
    listed = api.get("admin", "/cases", min_position=api.event_count()).json()
    assert [row["title"] for row in listed["items"]] == ["城市华庭小区车辆长期占用消防通道"]


def test_decomposed_title_is_stored_composed(api: Api) -> None:
    case_id = h.report(api, title="Cafe\u0301 消防通道")
    assert api.get("admin", f"/cases/{case_id}").json()["title"] == "Café 消防通道"
