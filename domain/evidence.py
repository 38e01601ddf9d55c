"""Photos and files attached to a case as evidence (处置前 / 处置后), referenced by hash.

The file itself lives outside the log, stored under its SHA-256; the event holds the
hash, so the case's hash chain and the log's signatures cover the file's content too.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.errors import InvalidValue
from domain.rules import check_no_personal_data
from domain.text import BIDI

# What a case may hold, by the type sniffed from the content (never the client's word).
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
MEDIA_TYPES = IMAGE_TYPES | {"application/pdf"}
NAME_MAX = 120
MAX_EVIDENCE_PER_CASE = 200
_SHA256 = re.compile(r"[0-9a-f]{64}")


class EvidenceKind(StrEnum):
    BEFORE = "before"
    AFTER = "after"

    @property
    def label(self) -> str:
        return "处置前" if self is EvidenceKind.BEFORE else "处置后"


@dataclass(frozen=True)
class Evidence:
    """One attached file, as its event recorded it; ``step`` is the version of the event
    (report, note, resolution …) it documents, ``version`` the attaching event's own."""

    sha256: str
    media_type: str
    size: int
    name: str
    kind: EvidenceKind
    step: int
    thumbnail_sha256: str | None
    actor_id: str
    at: datetime
    version: int

    @property
    def is_image(self) -> bool:
        return self.media_type in IMAGE_TYPES


def check_sha256(value: object, *, field: str = "sha256") -> str:
    if not isinstance(value, str) or not _SHA256.fullmatch(value):
        raise InvalidValue(
            f"{field} 须为64位小写十六进制", f"{field} must be 64 lowercase hex digits"
        )
    return value


def check_media_type(value: str) -> str:
    if value not in MEDIA_TYPES:
        raise InvalidValue(
            "只接受 JPEG、PNG、WebP 图片和 PDF 文件",
            "only JPEG, PNG, WebP images and PDF files are accepted",
        )
    return value


def normalise_file_name(name: str | None) -> str:
    """The original name as the log keeps it: its last path part, NFC, without controls,
    bidi marks or other invisibles, spaces collapsed, at most ``NAME_MAX`` characters
    (the extension kept). Phone or ID numbers in it are refused like in any text."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    kept = "".join(
        " " if ch.isspace() else ch
        for ch in name
        if ch not in BIDI and unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    )
    kept = " ".join(kept.split()).strip(" .") or "file"
    if len(kept) > NAME_MAX:
        stem, dot, ext = kept.rpartition(".")
        ext = ext[:16] if dot and stem else ""
        kept = kept[: NAME_MAX - len(ext) - 1].rstrip() + ("." + ext if ext else "")
    check_no_personal_data(kept, field="name", field_zh="文件名")
    return kept
