"""The readable ledger carries every time as ISO 8601 with its offset (Beijing time)."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from tests.e2e import helpers as h
from tests.support.api import Api


def test_ledger_json_and_csv_times_carry_their_offset(api: Api) -> None:
    h.resolved_case(api)
    items = api.get("admin", "/ledger", min_position=api.event_count()).json()["items"]
    reported = items[0]["reported_at"]
    assert reported.endswith("+08:00") and datetime.fromisoformat(reported).utcoffset()
    assert items[0]["resolved_at"].endswith("+08:00")
    text = api.client.get("/ledger.csv", headers=api.headers("admin")).text
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert any(cell.endswith("+08:00") for cell in rows[1])
