"""Uploads before they are stored: sniffed by content, limited in size, images cleaned."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from application.evidence import (
    DamagedFile,
    EvidenceFiles,
    EvidenceUnavailable,
    FileTooLarge,
    UnsupportedFileType,
    sha256_of,
    sniff,
)
from infrastructure.images import PillowCleaner
from tests.evidence_images import FAKE_JPEG, HTML_AS_JPEG, PDF, SVG, has_gps, photo_with_gps, png


class MemoryStore:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def put(self, sha256: str, data: bytes) -> None:
        self.files[sha256] = data

    def get(self, sha256: str) -> bytes | None:
        return self.files.get(sha256)


@pytest.fixture
def files() -> EvidenceFiles:
    return EvidenceFiles(MemoryStore(), PillowCleaner(), max_bytes=200_000)


def test_types_are_told_by_content() -> None:
    assert sniff(photo_with_gps()) == "image/jpeg"
    assert sniff(png()) == "image/png"
    assert sniff(photo_with_gps(fmt="WEBP")) == "image/webp"
    assert sniff(PDF) == "application/pdf"
    assert sniff(HTML_AS_JPEG) is None
    assert sniff(SVG) is None
    assert sniff(b"GIF89a") is None


def test_a_photo_loses_its_gps_and_camera_but_stays_upright(files: EvidenceFiles) -> None:
    original = photo_with_gps(size=(640, 480), orientation=6)
    assert has_gps(original)
    prepared = files.prepare(original, "现场.jpg")
    assert not has_gps(prepared.data)
    with Image.open(io.BytesIO(prepared.data)) as image:
        assert image.getexif() == {}
        assert image.size == (480, 640)  # orientation 6 applied to the pixels
        # The blue mark was top-left before turning; after a quarter turn clockwise
        # it is top-right.
        red, _, blue = image.convert("RGB").getpixel((470, 10))  # type: ignore[misc]
        assert blue > 150 and red < 100


def test_a_webp_photo_loses_its_gps_too(files: EvidenceFiles) -> None:
    prepared = files.prepare(photo_with_gps(fmt="WEBP"), "a.webp")
    assert prepared.media_type == "image/webp"
    assert not has_gps(prepared.data)


def test_images_get_a_small_thumbnail_of_their_own_hash(files: EvidenceFiles) -> None:
    prepared = files.prepare(photo_with_gps(size=(1600, 1200)), "big.jpg")
    assert prepared.thumbnail is not None
    with Image.open(io.BytesIO(prepared.thumbnail)) as thumb:
        assert max(thumb.size) <= 320
    assert prepared.thumbnail_sha256 == sha256_of(prepared.thumbnail) != prepared.sha256


def test_a_pdf_is_kept_as_it_came_without_thumbnail(files: EvidenceFiles) -> None:
    prepared = files.prepare(PDF, "报告.pdf")
    assert (prepared.data, prepared.media_type, prepared.thumbnail) == (
        PDF,
        "application/pdf",
        None,
    )


@pytest.mark.parametrize("data", [HTML_AS_JPEG, SVG, b"MZ\x90\x00executable"])
def test_other_types_are_refused_whatever_their_name(files: EvidenceFiles, data: bytes) -> None:
    with pytest.raises(UnsupportedFileType):
        files.prepare(data, "photo.jpg")


def test_a_file_disguised_behind_image_magic_is_refused_as_damaged(files: EvidenceFiles) -> None:
    with pytest.raises(DamagedFile):
        files.prepare(FAKE_JPEG, "photo.jpg")


def test_a_file_over_the_limit_is_refused(files: EvidenceFiles) -> None:
    with pytest.raises(FileTooLarge):
        files.prepare(PDF + b"0" * 200_000, "big.pdf")


def test_preparing_stores_nothing(files: EvidenceFiles) -> None:
    files.prepare(photo_with_gps(), "a.jpg")
    assert files.store.files == {}  # type: ignore[attr-defined]


def test_a_swapped_file_is_reported_and_never_read(files: EvidenceFiles) -> None:
    prepared = files.prepare(PDF, "a.pdf")
    files.keep(prepared)
    assert files.problem(prepared.sha256) is None
    files.store.files[prepared.sha256] = PDF + b"forged"  # type: ignore[attr-defined]
    assert "does not hash" in (files.problem(prepared.sha256) or "")
    with pytest.raises(EvidenceUnavailable):
        files.read(prepared.sha256)
    del files.store.files[prepared.sha256]  # type: ignore[attr-defined]
    assert "missing" in (files.problem(prepared.sha256) or "")


def test_a_small_file_that_unpacks_to_a_huge_bitmap_is_refused(files: EvidenceFiles) -> None:
    out = io.BytesIO()
    Image.new("1", (10_000, 8_000)).save(out, format="PNG")
    assert len(out.getvalue()) < 200_000
    with pytest.raises(DamagedFile):
        files.prepare(out.getvalue(), "bomb.png")
