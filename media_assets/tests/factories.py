"""Small factory helpers for media tests; images are drawn in memory."""

import io
import itertools

from django.core.files.base import ContentFile
from PIL import Image

from media_assets.models import MediaAsset

_counter = itertools.count(1)


def image_bytes(
    *, size=(64, 48), color=None, fmt="JPEG", mode="RGB", **save_options
) -> bytes:
    """A small image; each call gets a different colour unless one is given."""
    n = next(_counter)
    color = color or ((n * 37) % 256, (n * 91) % 256, (n * 53) % 256)
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, fmt, **save_options)
    return buffer.getvalue()


def make_media(*, with_file: bool = False, **overrides) -> MediaAsset:
    fields = {"caption": "A caption", "credit": "REUTERS/Someone", "agency": "Reuters"}
    fields.update(overrides)
    asset = MediaAsset(**fields)
    if with_file:
        data = image_bytes()
        asset.file.save("photo.jpg", ContentFile(data), save=False)
        asset.width, asset.height, asset.file_size = 64, 48, len(data)
        asset.mime_type = "image/jpeg"
    asset.save()
    return asset
