"""Free text shows what it says: NFC, no controls, no bidi formatting, no invisible-only text."""

from __future__ import annotations

import unicodedata

import pytest

from domain.errors import InvalidValue
from domain.rules import check_text


def text(value: str, *, multiline: bool = True, required: bool = True) -> str:
    return check_text(
        value, field="title", field_zh="标题", max_len=200, required=required, multiline=multiline
    )


def test_text_is_stored_in_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "Café 消防通道")
    assert decomposed != "Café 消防通道"
    assert text(decomposed) == "Café 消防通道"


@pytest.mark.parametrize(
    "char",
    ["\x00", "\x07", "\x1b", "\x7f", "\x80", "\x85", "\x9b", "\x9f", "\ud800"],
    ids=repr,
)
def test_c0_c1_controls_and_lone_surrogates_are_refused(char: str) -> None:
    for where in (f"消防{char}通道", f"{char}消防通道", f"消防通道{char}"):
        with pytest.raises(InvalidValue) as info:
            text(where)
        assert info.value.field == "title"
        assert "标题" in info.value.zh and "title" in info.value.en


@pytest.mark.parametrize(
    "char",
    ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
    + ["\u200e", "\u200f", "\u061c"],
    ids=lambda c: f"U+{ord(c):04X}",
)
def test_bidi_overrides_isolates_and_marks_are_refused(char: str) -> None:
    with pytest.raises(InvalidValue) as info:
        text(f"invoice{char}fdp.exe")
    assert "方向" in info.value.zh


@pytest.mark.parametrize(
    "value",
    ["\u200b", "\ufeff", "\u2060", "\u200c\u200d", "\u200b \u3000\ufeff", "\u3164", "\u00ad"],
    ids=repr,
)
@pytest.mark.parametrize("required", [True, False])
def test_text_made_only_of_invisible_characters_is_refused(value: str, required: bool) -> None:
    with pytest.raises(InvalidValue) as info:
        text(value, required=required)
    assert "不可见" in info.value.zh or "不能为空" in info.value.zh


def test_invisible_characters_inside_visible_text_are_kept() -> None:
    # ZWJ joins emoji sequences; inside real text it hides nothing.
    assert text("消防\u200d通道") == "消防\u200d通道"


def test_long_text_keeps_newline_and_tab_and_unifies_line_ends() -> None:
    assert text("第一行\r\n第二行\r第三行\t备注") == "第一行\n第二行\n第三行\t备注"


@pytest.mark.parametrize("char", ["\n", "\t", "\r", "\u2028", "\u2029"], ids=repr)
def test_single_line_text_takes_no_line_break_or_tab(char: str) -> None:
    with pytest.raises(InvalidValue):
        text(f"消防{char}通道", multiline=False)


@pytest.mark.parametrize("char", ["\u2028", "\u2029"], ids=repr)
def test_unicode_line_separators_are_refused_in_long_text_too(char: str) -> None:
    with pytest.raises(InvalidValue):
        text(f"消防{char}通道")


def test_surrounding_space_is_trimmed_and_empty_optional_text_is_empty() -> None:
    assert text("  消防通道 \u3000") == "消防通道"
    assert text(" \t\n", required=False) == ""
