"""Cells for the ledger exports that a spreadsheet shows and never runs.

Titles and names are typed by grid leads; the coordinator or auditor who opens an export
in Excel or WPS must not run what a grid lead planted (``=HYPERLINK(...)``, DDE). CSV:
OWASP's rule, a text cell that starts with ``= + - @``, tab or CR gets a leading ``'``.
XLSX: every text cell is typed as a string, so nothing is ever stored as a formula.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet reads as text, never as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def xlsx_row(sheet: WriteOnlyWorksheet, values: Iterable[Any]) -> list[Any]:
    """Cells for ``sheet.append``: text typed as a string (openpyxl would otherwise make any
    text starting with ``=`` a formula); numbers stay numbers."""
    row = []
    for value in values:
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            cell.data_type = "s"
        row.append(cell)
    return row
