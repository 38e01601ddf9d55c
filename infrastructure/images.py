"""Images cleaned with Pillow: re-encoded without metadata, with a thumbnail.

Re-encoding (rather than deleting known tags) is what strips everything: EXIF and its
GPS block, XMP, comments, maker notes and PNG text chunks never reach the new file.
The EXIF orientation is applied to the pixels first, so the photo still stands upright.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps

from application.evidence import CleanImage, DamagedFile

FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
MAX_PIXELS = 40_000_000  # a 10 MB upload may unpack to a far larger bitmap
THUMBNAIL_SIZE = (320, 320)


class PillowCleaner:
    def clean(self, data: bytes, media_type: str) -> CleanImage:
        fmt = FORMATS[media_type]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(io.BytesIO(data), formats=[fmt]) as original:
                    if original.width * original.height > MAX_PIXELS:
                        raise DamagedFile(f"more than {MAX_PIXELS} pixels")
                    original.load()
                    image = ImageOps.exif_transpose(original)
        except DamagedFile:
            raise
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as e:
            raise DamagedFile(type(e).__name__) from None
        except Image.DecompressionBombWarning:
            raise DamagedFile("decompression bomb") from None
        image = _plain(image, fmt)
        thumb = image.copy()
        thumb.thumbnail(THUMBNAIL_SIZE)
        return CleanImage(_encode(image, fmt), _encode(thumb, fmt))


def _plain(image: Image.Image, fmt: str) -> Image.Image:
    """Pixels only: a fresh image carries none of the original's info dictionary."""
    mode = image.mode
    if fmt == "JPEG" and mode not in ("RGB", "L"):
        mode = "RGB"
    elif mode not in ("RGB", "RGBA", "L", "LA"):
        mode = "RGBA" if "transparency" in image.info or "A" in mode else "RGB"
    converted = image.convert(mode)
    plain = Image.new(converted.mode, converted.size)
    plain.paste(converted)
    return plain


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    options: dict[str, object] = {"quality": 88} if fmt in ("JPEG", "WEBP") else {}
    image.save(out, format=fmt, **options)
    return out.getvalue()
