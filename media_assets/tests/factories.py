"""Small factory helpers for media tests; images are drawn in memory."""

import io
import itertools

from django.core.files.base import ContentFile
from PIL import Image

from media_assets.models import MediaAsset

_counter = itertools.count(1)


def image_bytes(*, size=(64, 48), color=None, fmt="JPEG", mode="RGB", **save_options) -> bytes:
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


def photo_bytes(*, seed: int = 0, size=(160, 120), fmt="JPEG") -> bytes:
    """A photo-like picture with structure (so perceptual hashes differ)."""
    import random

    from PIL import ImageDraw

    rng = random.Random(seed)
    img = Image.new("RGB", size, tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(img)
    for _ in range(6):
        x0, y0 = rng.randrange(size[0]), rng.randrange(size[1])
        x1, y1 = x0 + rng.randrange(10, size[0]), y0 + rng.randrange(10, size[1])
        draw.rectangle((x0, y0, x1, y1), fill=tuple(rng.randrange(256) for _ in range(3)))
    buffer = io.BytesIO()
    img.save(buffer, fmt)
    return buffer.getvalue()
