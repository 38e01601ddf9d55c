"""Spreadsheets officials can use, whose cells a spreadsheet shows and never runs.

Typed cells: times are dates (Beijing wall time, ``yyyy-mm-dd hh:mm``), money is a number
shown as ``¥1,234.50`` (the layout of ``fen_to_yuan_text``, the one money format of the
console, the CLI and the exports), counts are numbers. The header row is frozen, bold,
filterable; columns are wide enough to read.

Titles and names are typed by grid leads; the coordinator or auditor who opens an export
in Excel or WPS must not run what a grid lead planted (``=HYPERLINK(...)``, DDE). CSV:
OWASP's rule, a text cell that starts with ``= + - @``, tab or CR gets a leading ``'``.
XLSX: every text cell is typed as a string, so nothing is ever stored as a formula.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
YUAN_FORMAT = '"¥"#,##0.00'  # what fen_to_yuan_text writes: ¥1,234.50
TIME_FORMAT = "yyyy-mm-dd hh:mm"
COUNT_FORMAT = "0"
Kind = Literal["text", "time", "money", "count"]
_FORMATS: dict[str, str] = {"time": TIME_FORMAT, "money": YUAN_FORMAT, "count": COUNT_FORMAT}
_WIDTHS: dict[str, float] = {"time": 17, "money": 15, "count": 9}


@dataclass(frozen=True)
class Column:
    heading: str
    kind: Kind = "text"
    width: float | None = None  # characters; by kind when not given


def csv_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet reads as text, never as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def xlsx_row(
    sheet: WriteOnlyWorksheet, values: Iterable[Any], kinds: Sequence[Kind] = ()
) -> list[Any]:
    """Cells for ``sheet.append``: text typed as a string (openpyxl would otherwise make any
    text starting with ``=`` a formula); numbers and dates stay typed, with their format."""
    row = []
    for i, value in enumerate(values):
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            cell.data_type = "s"
        elif value is not None and i < len(kinds) and kinds[i] in _FORMATS:
            cell.number_format = _FORMATS[kinds[i]]
        row.append(cell)
    return row


def workbook(title: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> Workbook:
    """One sheet: a frozen, bold, filterable header over typed rows."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    for i, column in enumerate(columns, start=1):  # before any row: write-only rule
        width = column.width or _WIDTHS.get(column.kind, max(10, 2 * len(column.heading) + 2))
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = xlsx_row(sheet, [c.heading for c in columns])
    for cell in header:
        cell.font = bold
    sheet.append(header)
    kinds = [c.kind for c in columns]
    count = 0
    for values in rows:
        sheet.append(xlsx_row(sheet, values, kinds))
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count + 1}"
    return book
