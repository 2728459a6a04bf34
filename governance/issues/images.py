"""Photos from residents and handlers: checked by content, never trusted by name.

Allowed: JPEG, PNG and WebP up to 10 MB. The declared pixel count is checked from the header before
any pixel is decoded (a 2 kB PNG can declare 20,000 × 20,000 pixels and cost gigabytes to open),
and Pillow's decompression-bomb warning is raised as an error as a second line. Every accepted
image is decoded, turned upright, resized to at most 2048 px and re-encoded as JPEG under a random
name: the re-encoding drops EXIF (and with it GPS) and anything smuggled after the image data.
"""

import io
import uuid
import warnings

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 48 MP phone camera's 8000 × 6000 is refused; 40 MP covers 7200 × 5400
MAX_SIDE = 2048
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}


def _refuse(name: str, message: str):
    return ValidationError(_("%(name)s: %(message)s") % {"name": name, "message": message}, code="invalid_image")


def clean_image(upload) -> ContentFile:
    """Return a safe re-encoded copy of an uploaded image, or raise ValidationError."""
    name = getattr(upload, "name", "") or _("photo")
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise _refuse(name, _("the file is larger than 10 MB."))
    upload.seek(0)
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _refuse(name, _("the file is larger than 10 MB."))
    if not data:
        raise _refuse(name, _("the file is empty."))
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ALLOWED_FORMATS:
                    raise _refuse(name, _("only JPEG, PNG and WebP photos are accepted."))
                width, height = probe.size
                if width * height > MAX_PIXELS:
                    raise _refuse(name, _("the image is too large (%(w)s × %(h)s pixels).") % {"w": width, "h": height})
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                image = ImageOps.exif_transpose(image)
                if image.mode not in ("RGB", "L"):
                    background = Image.new("RGB", image.size, "white")
                    rgba = image.convert("RGBA")
                    background.paste(rgba, mask=rgba.getchannel("A"))
                    image = background
                image.thumbnail((MAX_SIDE, MAX_SIDE))
                out = io.BytesIO()
                image.convert("RGB").save(out, format="JPEG", quality=85, optimize=True)
        except ValidationError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _refuse(name, _("the image declares too many pixels.")) from None
        except UnidentifiedImageError:
            raise _refuse(name, _("this is not a photo we can read (JPEG, PNG or WebP).")) from None
        except (OSError, SyntaxError, ValueError):
            raise _refuse(name, _("the image is damaged or incomplete.")) from None
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.jpg")
