"""Personal data in free text: phone numbers and ID numbers are refused at input.

A case's title, description, notes and reasons go into the immutable, hash-chained
event log, where nothing can ever be erased. A resident's name and phone belong in the
erasable contact fields (``resident_name``, ``resident_phone``). We refuse rather than
mask: masking guesses, silently changes what an official wrote, and a missed digit
would be kept for ever; a refusal tells the writer where the data belongs.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

_EDGE_BEFORE = r"(?<![0-9A-Za-z])"
_EDGE_AFTER = r"(?![0-9A-Za-z])"
# Case ids and keys (UUIDs) are fine in text; their digit groups can look like a phone.
_UUID = re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
# Mainland mobile: 1[3-9] and 9 digits, written whole or 3-4-4, optionally +86 / 0086.
_MOBILE = re.compile(
    _EDGE_BEFORE + r"(?:(?:\+|00)?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}" + _EDGE_AFTER
)
# Landline with area code: 010-12345678, (0477)8123456, 021 6512 3456.
_LANDLINE = re.compile(
    _EDGE_BEFORE + r"(?:\(0\d{2,3}\)[ -]?|0\d{2,3}[ -]?)[2-9]\d{2,3}[ -]?\d{4}" + _EDGE_AFTER
)
_ID_18 = re.compile(_EDGE_BEFORE + r"[1-9]\d{16}[0-9Xx]" + _EDGE_AFTER)
_ID_15 = re.compile(_EDGE_BEFORE + r"[1-9]\d{14}" + _EDGE_AFTER)
# UnionPay (62), Visa (4), Mastercard (51-55) with a valid Luhn digit: other long numbers
# (hotline work orders like 2016041200012345) stay allowed.
_BANK_CARD = re.compile(_EDGE_BEFORE + r"(?:62|4|5[1-5])\d{14,17}" + _EDGE_AFTER)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

KIND_LABELS = {
    "mobile": ("手机号码", "a mobile phone number"),
    "landline": ("固定电话号码", "a landline phone number"),
    "id_card": ("身份证号码", "an identity card number"),
    "bank_card": ("银行卡号", "a bank card number"),
    "email": ("电子邮箱地址", "an email address"),
}


def personal_data_kind(text: str) -> str | None:
    """The kind of personal data the text holds (a key of ``KIND_LABELS``), or None."""
    # Full-width digits and brackets (１３８…, （０１０）) count like ASCII ones.
    text = unicodedata.normalize("NFKC", text).replace("（", "(").replace("）", ")")
    text = _UUID.sub(" ", text)
    if any(_is_id_18(m.group()) for m in _ID_18.finditer(text)):
        return "id_card"
    if any(_is_id_15(m.group()) for m in _ID_15.finditer(text)):
        return "id_card"
    if any(_luhn(m.group()) for m in _BANK_CARD.finditer(text)):
        return "bank_card"
    if _MOBILE.search(text):
        return "mobile"
    if _LANDLINE.search(text):
        return "landline"
    if _EMAIL.search(text):
        return "email"
    return None


def _is_id_18(number: str) -> bool:
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper() and _is_birth_date(number[6:14])


def _is_id_15(number: str) -> bool:
    # The pre-1999 form: region, YYMMDD of a 19xx birth, sequence; no check digit.
    return "11" <= number[:2] <= "82" and _is_birth_date("19" + number[6:12])


def _is_birth_date(yyyymmdd: str) -> bool:
    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return False
    return born.year >= 1900


def _luhn(number: str) -> bool:
    digits = [int(d) for d in reversed(number)]
    total = sum(digits[0::2]) + sum(sum(divmod(2 * d, 10)) for d in digits[1::2])
    return total % 10 == 0
