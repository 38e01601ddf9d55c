"""What free text may hold. One function, used by every text field of every command.

Text in a case is read by officials in the console, in exports and in spreadsheets, and
stays in the hash-chained log for good. So the text must show what it says: no control
characters (C0, C1, DEL) beyond newline and tab in long text, no bidi formatting that
reorders what is displayed (U+202E turns "txt.exe" into "exe.txt"), and no text that is
blank once its invisible characters are taken away (a title of U+200B is an empty row).
"""

from __future__ import annotations

import unicodedata

from domain.errors import InvalidValue

# Bidi embeddings, overrides and isolates reorder what is shown; the marks (LRM, RLM,
# ALM) only nudge, but Chinese case text never needs them, so all are refused alike.
BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
# Line and paragraph separators break lines where no newline is seen.
SEPARATORS = frozenset("\u2028\u2029")
# Characters that draw nothing although Unicode does not class them as format or space.
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f")
LAYOUT = frozenset("\n\t")


def _is_control(ch: str) -> bool:
    # Cc is C0 (U+0000–U+001F), DEL and C1 (U+0080–U+009F); Cs is a lone surrogate,
    # which JSON can carry but no database can store.
    return unicodedata.category(ch) in ("Cc", "Cs")


def _trim(value: str) -> str:
    # Not str.strip(): Python counts U+0085 and U+001C–U+001F as white space, and a
    # control at either end must be refused, not silently cut off.
    start, end = 0, len(value)
    while start < end and _is_edge_space(value[start]):
        start += 1
    while end > start and _is_edge_space(value[end - 1]):
        end -= 1
    return value[start:end]


def _is_edge_space(ch: str) -> bool:
    return ch.isspace() and (ch in " \t\n" or not _is_control(ch))


def _is_invisible(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch) == "Cf" or ch in BLANK_LETTERS


def normalise_text(value: str, *, field: str, field_zh: str, multiline: bool = True) -> str:
    """``value`` in NFC, trimmed, line ends as ``\\n``; refused if it hides or disguises.

    Returns ``""`` for empty or whitespace-only input (the caller decides whether the
    field may be empty); text that is not empty but shows nothing is refused here."""
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    value = _trim(value)
    allowed = LAYOUT if multiline else frozenset()
    for ch in value:
        if (_is_control(ch) and ch not in allowed) or ch in SEPARATORS:
            what = "换行或制表符" if ch in LAYOUT else "控制字符"
            raise InvalidValue(
                f"{field_zh}含有不允许的{what}（U+{ord(ch):04X}）",
                f"{field} contains a {'line break or tab' if ch in LAYOUT else 'control character'}"
                f" (U+{ord(ch):04X})",
                field=field,
            )
        if ch in BIDI:
            raise InvalidValue(
                f"{field_zh}含有改变文字方向的字符（U+{ord(ch):04X}）",
                f"{field} contains a bidirectional formatting character (U+{ord(ch):04X})",
                field=field,
            )
    if value and all(_is_invisible(ch) for ch in value):
        raise InvalidValue(
            f"{field_zh}只含不可见字符", f"{field} holds only invisible characters", field=field
        )
    return value
