"""Builders for the issue loop. Issues are filed and moved through the services, so routing,
deadlines, timeline and notifications are what production would produce."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from governance.issues import services
from governance.issues.models import Category


def category(code="sanitation") -> Category:
    return Category.objects.get(code=code)


def photo(name="photo.jpg", size=(64, 48), fmt="JPEG", colour=(200, 30, 30)) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, format=fmt)
    content_type = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}[fmt]
    return SimpleUploadedFile(name, buf.getvalue(), content_type=content_type)


def pixel_flood_png(width=20_000, height=20_000) -> SimpleUploadedFile:
    """A tiny PNG whose header declares ``width`` × ``height`` pixels (a decompression bomb)."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    # A few rows of real data compressed; the rest is missing: decoders must never get that far.
    idat = zlib.compress(b"\x00" + b"\x00" * 3 * 16)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    return SimpleUploadedFile("flood.png", data, content_type="image/png")


def file_issue(reporter, home, *, code="sanitation", description="楼道里堆满了杂物，影响通行。", **kwargs):
    """A resident files an issue about the building of ``home`` (their household); pass
    ``household=home`` to name the household itself."""
    kwargs.setdefault("building", home.building)
    return services.issue_file(
        actor=reporter,
        compound=home.building.compound,
        category=category(code),
        description=description,
        **kwargs,
    )
