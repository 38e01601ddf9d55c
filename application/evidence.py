"""Evidence files: checked, cleaned and kept by their SHA-256, outside the event log.

An upload is refused before anything is written if it is too large or its content is
not one of the accepted types (sniffed from its first bytes, not the client's
Content-Type). Images are re-encoded without their metadata (EXIF, GPS) and get a
thumbnail; the file and the thumbnail are stored under their own hashes, which the
case's ``EvidenceAttached`` event records. Reading a file re-hashes it, so a file
swapped in the store is never served as evidence.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

from application.errors import ApplicationError
from domain.errors import InvalidValue
from domain.evidence import IMAGE_TYPES

# Magic numbers of the accepted types; anything else (HTML, SVG, scripts …) is refused.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)


def sniff(data: bytes) -> str | None:
    """The media type the content itself declares, or None if it is not one we accept."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return next((media for magic, media in _MAGIC if data.startswith(magic)), None)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class FileTooLarge(ApplicationError):
    code = "file_too_large"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"文件不能超过 {limit // (1024 * 1024)} MB", f"files are limited to {limit} bytes"
        )
        self.extra = {"limit_bytes": limit}


class UnsupportedFileType(ApplicationError):
    code = "unsupported_file_type"

    def __init__(self) -> None:
        super().__init__(
            "只接受 JPEG、PNG、WebP 图片和 PDF 文件（按文件内容判断）",
            "only JPEG, PNG, WebP images and PDF files are accepted (judged by content)",
        )


class DamagedFile(InvalidValue):
    code = "damaged_file"

    def __init__(self, reason: str) -> None:
        super().__init__(
            "文件已损坏或无法解码", f"the file is damaged or cannot be decoded: {reason}"[:200]
        )


class EvidenceNotFound(ApplicationError):
    """The case has no such file attached (whether or not another case has it)."""

    code = "file_not_found"

    def __init__(self, sha256: str) -> None:
        super().__init__(f"本案件没有该文件：{sha256[:64]}", f"no file {sha256[:64]} on this case")


class EvidenceUnavailable(ApplicationError):
    """The log references the file but the store lacks it or holds other bytes."""

    code = "file_unavailable"

    def __init__(self, sha256: str) -> None:
        super().__init__(
            f"文件 {sha256} 在存储中缺失或已被篡改，请审计员执行校验（chuishao verify）",
            f"file {sha256} is missing from the store or altered; run verify",
        )


class FileStore(Protocol):
    """Bytes kept under their SHA-256 (infrastructure/file_store*.py)."""

    def put(self, sha256: str, data: bytes) -> None: ...
    def get(self, sha256: str) -> bytes | None: ...


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    thumbnail: bytes


class ImageCleaner(Protocol):
    """Re-encodes an image without metadata (orientation applied) and makes a thumbnail;
    raises ``DamagedFile`` for content that does not decode."""

    def clean(self, data: bytes, media_type: str) -> CleanImage: ...


@dataclass(frozen=True)
class PreparedFile:
    """An upload that passed every check, cleaned, with its hashes: nothing stored yet."""

    data: bytes
    media_type: str
    name: str | None
    thumbnail: bytes | None

    @cached_property
    def sha256(self) -> str:
        return sha256_of(self.data)

    @cached_property
    def thumbnail_sha256(self) -> str | None:
        return sha256_of(self.thumbnail) if self.thumbnail is not None else None


class EvidenceFiles:
    def __init__(self, store: FileStore, cleaner: ImageCleaner, *, max_bytes: int) -> None:
        self.store, self.cleaner, self.max_bytes = store, cleaner, max_bytes

    def prepare(self, data: bytes, name: str | None) -> PreparedFile:
        """Check and clean an upload; raises before anything is written."""
        if len(data) > self.max_bytes:
            raise FileTooLarge(self.max_bytes)
        if not data:
            raise InvalidValue("文件不能为空", "a file must not be empty", field="file")
        media_type = sniff(data)
        if media_type is None:
            raise UnsupportedFileType()
        if media_type not in IMAGE_TYPES:
            return PreparedFile(data, media_type, name, None)
        clean = self.cleaner.clean(data, media_type)
        return PreparedFile(clean.data, media_type, name, clean.thumbnail)

    def keep(self, prepared: PreparedFile) -> None:
        self.store.put(prepared.sha256, prepared.data)
        if prepared.thumbnail is not None:
            self.store.put(sha256_of(prepared.thumbnail), prepared.thumbnail)

    def read(self, sha256: str) -> bytes:
        data = self.store.get(sha256)
        if data is None or sha256_of(data) != sha256:
            raise EvidenceUnavailable(sha256)
        return data

    def problem(self, sha256: str) -> str | None:
        """What verify reports about one referenced file, if anything is wrong."""
        data = self.store.get(sha256)
        if data is None:
            return f"evidence file {sha256} is missing from the file store"
        if sha256_of(data) != sha256:
            return f"evidence file {sha256} does not hash to its name (swapped or altered)"
        return None
