"""The export documents' pieces decided before any store: periods typed by people (a date
is a Beijing day, an end date includes its day), and the PDF's font: missing, it is said
in Chinese with what to install, as a 503."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from domain.errors import InvalidValue
from interfaces.http.problems import status_of
from interfaces.roster_documents import period_bound, period_text, required_period
from interfaces.roster_pdf import PdfFontMissing, font_path
from tests.support.backends import sqlite_module

pytestmark = sqlite_module


def test_dates_are_beijing_days_and_an_end_date_includes_its_day() -> None:
    assert period_bound("2016-04-01", "start") == datetime(2016, 3, 31, 16, tzinfo=UTC)
    assert period_bound("2016-04-30", "end", end=True) == datetime(2016, 4, 30, 16, tzinfo=UTC)
    start, end = required_period("2016-04-01", "2016-04-30")
    assert period_text(start, end) == "2016-04-01 至 2016-04-30"
    assert period_bound("2016-04-01T08:00:00+08:00", "start") == datetime(2016, 4, 1, tzinfo=UTC)
    assert period_bound("", "start") is None and period_text(None, None) == "全部"


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2016-04-30", "2016-04-01"),  # backwards
        ("2016-04-01", None),  # a card needs both bounds
        ("2016-13-01", "2016-12-31"),
        ("2016-04-01T00:00", "2016-04-30"),  # an instant without its offset
        ("=1+1", "2016-04-30"),
    ],
)
def test_bad_periods_are_refused(start: str, end: str | None) -> None:
    with pytest.raises(InvalidValue):
        required_period(start, end)


def test_a_missing_font_is_said_with_what_to_install(tmp_path: Path) -> None:
    with pytest.raises(PdfFontMissing) as e:
        font_path(str(tmp_path / "none.ttf"))
    assert "fonts-wqy-microhei" in e.value.zh and "CHUISHAO_PDF_FONT" in e.value.zh
    assert status_of(e.value) == 503
    (tmp_path / "font.ttf").write_bytes(b"x")
    assert font_path(str(tmp_path / "font.ttf")) == tmp_path / "font.ttf"
