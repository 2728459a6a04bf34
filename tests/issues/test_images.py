"""Accepted photos are re-encoded: JPEG, a random name, at most 2048 px, upright, no EXIF or GPS,
nothing smuggled after the image data."""

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from governance.issues.images import MAX_SIDE, clean_image

from .factories import file_issue, pixel_flood_png

RANDOM_NAME = re.compile(r"^issues/\d{4}/\d{2}/[0-9a-f]{32}\.jpg$")


def _upload(name, fmt, size=(60, 40), mode="RGB", colour=(10, 120, 200), **save):
    buf = io.BytesIO()
    Image.new(mode, size, colour if mode == "RGB" else (*colour, 128)).save(buf, format=fmt, **save)
    return SimpleUploadedFile(name, buf.getvalue(), content_type=f"image/{fmt.lower()}")


def _gps_jpeg(name="IMG_2041_home.jpg"):
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Phone 12"
    exif[ExifTags.Base.Orientation] = 6  # taken sideways: shown rotated 90° clockwise
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (30.0, 41.0, 52.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (111.0, 17.0, 9.0)
    upload = _upload(name, "JPEG", size=(60, 40), exif=exif)
    # The upload really carries the location.
    with Image.open(io.BytesIO(upload.read())) as probe:
        assert probe.getexif().get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "N"
    upload.seek(0)
    return upload


def _stored(issue):
    photo = issue.photos.get()
    with photo.image.open("rb") as f:
        data = f.read()
    return photo, data


@pytest.mark.parametrize(
    "upload",
    [
        lambda: _upload("kitchen_a.jpeg", "JPEG"),
        lambda: _upload("kitchen_b.png", "PNG"),
        lambda: _upload("kitchen_c.png", "PNG", mode="RGBA"),
        lambda: _upload("kitchen_d.webp", "WEBP"),
        lambda: _upload("kitchen_e.webp", "WEBP", mode="RGBA"),
    ],
    ids=["jpeg", "png", "png_alpha", "webp", "webp_alpha"],
)
def test_an_accepted_photo_is_stored_as_jpeg_under_a_random_name(world, resident, upload):
    up = upload()
    issue = file_issue(resident, world.home, photos=[up])
    photo, data = _stored(issue)
    assert RANDOM_NAME.match(photo.image.name), photo.image.name
    assert "kitchen" not in photo.image.name
    with Image.open(io.BytesIO(data)) as img:
        assert img.format == "JPEG" and img.mode == "RGB"
        assert img.size == (60, 40) == (photo.width, photo.height)


def test_a_large_photo_is_resized_to_2048_pixels_at_most(world, resident):
    issue = file_issue(resident, world.home, photos=[_upload("wide.png", "PNG", size=(3000, 1500))])
    photo, data = _stored(issue)
    with Image.open(io.BytesIO(data)) as img:
        assert img.size == (MAX_SIDE, 1024)
    assert (photo.width, photo.height) == (2048, 1024)


def test_exif_and_gps_are_dropped_and_the_photo_is_turned_upright(world, resident):
    issue = file_issue(resident, world.home, photos=[_gps_jpeg()])
    photo, data = _stored(issue)
    with Image.open(io.BytesIO(data)) as img:
        assert dict(img.getexif()) == {}
        assert "exif" not in img.info
        assert img.size == (40, 60)  # the orientation tag was applied to the pixels, then dropped
    assert b"Exif" not in data and b"PhoneMaker" not in data
    assert "IMG_2041" not in photo.image.name


def test_bytes_smuggled_after_the_image_are_not_stored(world, resident):
    upload = _upload("x.jpg", "JPEG")
    upload = SimpleUploadedFile("x.jpg", upload.read() + b"<?php system($_GET['c']); ?>", content_type="image/jpeg")
    _photo, data = _stored(file_issue(resident, world.home, photos=[upload]))
    assert b"<?php" not in data


def test_a_photo_declaring_more_than_40_megapixels_is_refused_from_its_header():
    with pytest.raises(ValidationError) as info:
        clean_image(pixel_flood_png(7000, 6000))
    assert info.value.messages == ["flood.png: the image is too large (7000 × 6000 pixels)."]


def test_a_truncated_photo_is_refused():
    data = _upload("cut.jpg", "JPEG", size=(400, 300)).read()
    with pytest.raises(ValidationError) as info:
        clean_image(SimpleUploadedFile("cut.jpg", data[: len(data) // 2], content_type="image/jpeg"))
    assert info.value.messages == ["cut.jpg: the image is damaged or incomplete."]
