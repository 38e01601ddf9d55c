"""A roster ``Document`` as an Excel workbook: the items on the first sheet (the
project's spreadsheet rules: text cells typed as strings, so a member's result text that
starts with ``=`` is never a formula), the facts above them on a second sheet, 概况."""

from __future__ import annotations

import io

from interfaces.http.spreadsheet import workbook, xlsx_row
from interfaces.roster_documents import Document


def xlsx_bytes(doc: Document) -> bytes:
    book = workbook(doc.title, doc.columns, doc.rows)
    facts = book.create_sheet("概况")
    facts.column_dimensions["A"].width = 18
    facts.column_dimensions["B"].width = 60
    facts.append(xlsx_row(facts, [doc.title, ""]))
    for label, value in doc.facts:
        facts.append(xlsx_row(facts, [label, value]))
    for note in doc.notes:
        facts.append(xlsx_row(facts, ["说明", note]))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
