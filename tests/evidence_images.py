"""Small files made on the fly for the evidence tests: photos with GPS, disguised files."""

from __future__ import annotations

import io

from PIL import ExifTags, Image

# 39°54'15"N 116°23'0"E: where the photo was taken, which must never reach the store.
GPS = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (39.0, 54.0, 15.0),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (116.0, 23.0, 0.0),
}


def photo_with_gps(
    size: tuple[int, int] = (640, 480), orientation: int = 6, fmt: str = "JPEG"
) -> bytes:
    """A photo as phones take them: EXIF with GPS, the camera make, and an orientation
    (6: the pixels must turn 90° clockwise to stand upright)."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCam"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = GPS
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, size[0] // 2, size[1] // 4))  # marks the top-left
    out = io.BytesIO()
    image.save(out, format=fmt, exif=exif.tobytes())
    return out.getvalue()


def png(size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (0, 128, 0, 128)).save(out, format="PNG")
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HTML_AS_JPEG = b"<html><script>alert(document.cookie)</script></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
# JPEG magic followed by HTML: sniffs as JPEG, does not decode as one.
FAKE_JPEG = b"\xff\xd8\xff\xe0" + HTML_AS_JPEG


def has_gps(data: bytes) -> bool:
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        return bool(exif.get_ifd(ExifTags.IFD.GPSInfo)) or b"PhoneCam" in data
