"""The Excel ledger is a sheet officials can use: dates are dates, money is a number shown
as ¥, the header is frozen and filterable; and money reads the same everywhere."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from domain.values import fen_to_yuan, fen_to_yuan_text
from interfaces.http.routes.ledger import COLUMNS
from interfaces.http.spreadsheet import YUAN_FORMAT
from tests.e2e import helpers as h
from tests.support.api import Api

HEADINGS = [heading for _, heading in COLUMNS]


def column(key: str) -> int:
    return [k for k, _ in COLUMNS].index(key)


def pledged_case(api: Api, amount_fen: int = 600_000_00 + 5) -> str:
    case_id = h.resolved_case(api)
    h.pledge(api, case_id, amount_fen=amount_fen)
    api.get("admin", "/cases", min_position=api.event_count())
    return case_id


def sheet_of(api: Api, user: str = "auditor") -> Worksheet:
    r = api.client.get("/ledger.xlsx", headers=api.headers(user))
    assert r.status_code == 200
    return load_workbook(io.BytesIO(r.content)).active  # type: ignore[return-value]


def test_the_header_is_frozen_bold_and_filterable(api: Api) -> None:
    pledged_case(api)
    h.report(api, title="第二件")
    api.get("admin", "/cases", min_position=api.event_count())
    sheet = sheet_of(api)
    assert [c.value for c in sheet[1]] == HEADINGS
    assert all(c.font.b for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    last = sheet.cell(row=1, column=len(COLUMNS)).column_letter
    assert sheet.auto_filter.ref == f"A1:{last}3"  # the header and both rows


def test_times_are_dates_in_beijing_wall_time(api: Api) -> None:
    pledged_case(api)
    sheet = sheet_of(api)
    reported = sheet.cell(row=2, column=column("reported_at") + 1)
    assert reported.is_date and isinstance(reported.value, datetime)
    assert reported.number_format == "yyyy-mm-dd hh:mm"
    beijing = api.clock.now.astimezone(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)
    assert abs((reported.value - beijing).total_seconds()) < 3600
    closed = sheet.cell(row=2, column=column("closed_at") + 1)
    assert closed.value is None  # not closed: an empty cell, not an empty string


def test_money_is_a_number_shown_as_yuan(api: Api) -> None:
    pledged_case(api, amount_fen=600_000_00 + 5)
    cell = sheet_of(api).cell(row=2, column=column("pledged_yuan") + 1)
    assert cell.data_type == "n"
    assert Decimal(str(cell.value)) == Decimal("600000.05")
    assert cell.number_format == YUAN_FORMAT


def test_counts_are_numbers_and_text_is_text(api: Api) -> None:
    pledged_case(api)
    sheet = sheet_of(api)
    assert sheet.cell(row=2, column=column("whistles") + 1).data_type == "n"
    for key in ("title", "status", "grid"):
        assert sheet.cell(row=2, column=column(key) + 1).data_type == "s"


def test_columns_are_wide_enough_to_read(api: Api) -> None:
    pledged_case(api)
    sheet = sheet_of(api)
    widths = {
        key: sheet.column_dimensions[sheet.cell(row=1, column=i + 1).column_letter].width
        for i, (key, _) in enumerate(COLUMNS)
    }
    assert widths["title"] >= 30 and widths["case_id"] >= 36
    assert all(width >= 9 for width in widths.values()), widths


def test_the_scope_still_holds_in_the_sheet(api: Api) -> None:
    pledged_case(api)
    sheet = sheet_of(api, "other_coordinator")
    assert sheet.max_row == 1 and sheet.auto_filter.ref == f"A1:{sheet[1][-1].column_letter}1"


def test_money_reads_the_same_in_the_answer_the_csv_and_the_console(api: Api) -> None:
    case_id = pledged_case(api, amount_fen=1_234_50)
    text = fen_to_yuan_text(1_234_50)
    assert text == "¥1,234.50"
    item = api.get("admin", "/ledger").json()["items"][0]
    assert item["pledged_yuan"] == text
    csv_text = api.client.get("/ledger.csv", headers=api.headers("admin")).text.lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(csv_text)))
    assert rows[1][column("pledged_yuan")] == text
    from tests.e2e.test_console_pages import sign_in

    sign_in(api, "admin")
    # The console's ledger shows only key columns (money is on the case page).
    assert text in api.client.get(f"/ui/cases/{case_id}").text


def test_yuan_are_exact() -> None:
    assert fen_to_yuan(1) == Decimal("0.01")
    assert fen_to_yuan(600_000_00) == Decimal("600000")
