"""Writes to media assets that carry rules: creation from an uploaded file."""

import hashlib

from django.core.files.base import File
from django.db import transaction
from PIL import Image

from media_assets.models import MediaAsset

ALLOWED_FORMATS = ("JPEG", "PNG", "GIF", "WEBP")


@transaction.atomic
def media_create(*, file: File, uploaded_by=None, **fields) -> MediaAsset:
    """Create a media asset from ``file`` with the given descriptive fields.

    Width, height, size and SHA-256 are read from the file itself.
    """
    file.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: file.read(1024 * 1024), b""):
        digest.update(chunk)
    file.seek(0)
    with Image.open(file, formats=ALLOWED_FORMATS) as image:
        width, height = image.size
        mime_type = Image.MIME.get(image.format, "")
    file.seek(0)
    asset = MediaAsset(
        width=width,
        height=height,
        file_size=file.size,
        sha256=digest.hexdigest(),
        mime_type=mime_type,
        original_filename=(getattr(file, "name", "") or "")[:255],
        uploaded_by=uploaded_by,
        **fields,
    )
    asset.file.save(file.name or "upload", file, save=False)
    asset.save()
    return asset
