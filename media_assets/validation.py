"""Upload validation for images: what a file really is, and whether it is safe to keep.

Everything here works on file-like objects or bytes and returns plain data, so it can
run before any model exists. A file is identified by its content (magic bytes, then the
one Pillow decoder that matches them), never by its name.

Refusals raise ``django.core.exceptions.ValidationError`` with a message an editor can
act on and a stable ``code`` (``empty``, ``file_too_large``, ``unsupported_format``,
``too_many_pixels``, ``corrupt``).
"""

from __future__ import annotations

import hashlib
import io
import uuid
import warnings
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from PIL import Image, features

DEFAULT_MAX_UPLOAD_BYTES = 40 * 1024 * 1024
DEFAULT_MAX_PIXELS = 60_000_000
# Every frame of an animation is decoded once; this bounds the total work.
DEFAULT_MAX_ANIMATION_PIXELS = 250_000_000

# Pillow format name -> (MIME type, file extension, name shown to editors).
FORMATS = {
    "JPEG": ("image/jpeg", "jpg", "JPEG"),
    "PNG": ("image/png", "png", "PNG"),
    "GIF": ("image/gif", "gif", "GIF"),
    "WEBP": ("image/webp", "webp", "WebP"),
    "AVIF": ("image/avif", "avif", "AVIF"),
}

# Orientation values 5-8 rotate by 90 degrees, so width and height swap on display.
_SWAPPING_ORIENTATIONS = {5, 6, 7, 8}
_EXIF_ORIENTATION = 0x0112
_HASH_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class ImageInfo:
    format: str
    width: int
    height: int
    mime_type: str
    extension: str
    size_bytes: int
    sha256: str
    is_animated: bool


def accepted_formats() -> list[str]:
    """Pillow format names accepted for upload; AVIF only where Pillow can decode it."""
    names = ["JPEG", "PNG", "GIF", "WEBP"]
    if features.check("avif"):
        names.append("AVIF")
    return names


def max_upload_bytes() -> int:
    return getattr(settings, "MEDIA_ASSETS_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES)


def max_pixels() -> int:
    return getattr(settings, "MEDIA_ASSETS_MAX_PIXELS", DEFAULT_MAX_PIXELS)


def sniff_format(head: bytes) -> str | None:
    """Return the Pillow format name the leading bytes announce, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[4:8] == b"ftyp":
        # ISO-BMFF: AVIF shares the container with HEIC, so the brands decide.
        box_size = int.from_bytes(head[:4], "big")
        brands = head[8:12] + head[16 : min(box_size, len(head))]
        if b"avif" in brands or b"avis" in brands:
            return "AVIF"
    return None


def validate_image(fileobj: IO[bytes] | bytes, *, name: str = "") -> ImageInfo:
    """Check an uploaded image and describe it, or raise ``ValidationError``.

    The checks run cheapest first so that hostile files cost little: size on disk,
    magic bytes, header dimensions (and GIF frame extents), and only then a full decode
    with the one decoder that matches the content. ``name`` is only used in messages.
    """
    if isinstance(fileobj, bytes | bytearray | memoryview):
        fileobj = io.BytesIO(bytes(fileobj))
    label = f"“{name}”" if name else "This file"

    size = _file_size(fileobj)
    if size == 0:
        raise ValidationError(f"{label} is empty.", code="empty")
    limit = max_upload_bytes()
    if size > limit:
        raise ValidationError(
            f"The file is too large: {filesizeformat(size)}; the limit is {filesizeformat(limit)}.",
            code="file_too_large",
        )

    fileobj.seek(0)
    head = fileobj.read(64)
    image_format = sniff_format(head)
    if image_format not in accepted_formats():
        raise ValidationError(_unsupported_message(label), code="unsupported_format")

    fileobj.seek(0)
    digest = _sha256(fileobj)
    fileobj.seek(0)
    if image_format == "GIF":
        _check_gif_frames(fileobj, label)
        fileobj.seek(0)

    width, height, is_animated = _decode_checked(fileobj, image_format, label)
    fileobj.seek(0)
    mime_type, extension, _ = FORMATS[image_format]
    return ImageInfo(
        format=image_format,
        width=width,
        height=height,
        mime_type=mime_type,
        extension=extension,
        size_bytes=size,
        sha256=digest,
        is_animated=is_animated,
    )


def safe_storage_name(original_name: str, image_format: str) -> str:
    """A random file name with the extension of the *detected* format.

    ``original_name`` is deliberately ignored: names chosen by uploaders can carry path
    separators, odd Unicode or a misleading extension, so they never reach storage.
    """
    _, extension, _ = FORMATS[image_format]
    return f"{uuid.uuid4().hex}.{extension}"


def _unsupported_message(label: str) -> str:
    names = ", ".join(FORMATS[f][2] for f in accepted_formats())
    if label == "This file":
        return f"This file is not an image we accept ({names})."
    return f"{label} is not an image we accept ({names})."


def _too_many_pixels(width: int, height: int) -> ValidationError:
    return ValidationError(
        f"The image is too large: {width} × {height} pixels; "
        f"the limit is {max_pixels() / 1_000_000:g} megapixels.",
        code="too_many_pixels",
    )


def _corrupt(label: str) -> ValidationError:
    return ValidationError(
        f"{label} is damaged or incomplete and could not be read as an image.",
        code="corrupt",
    )


def _file_size(fileobj: IO[bytes]) -> int:
    size = getattr(fileobj, "size", None)  # Django's UploadedFile knows it already.
    if isinstance(size, int):
        return size
    fileobj.seek(0, io.SEEK_END)
    return fileobj.tell()


def _sha256(fileobj: IO[bytes]) -> str:
    digest = hashlib.sha256()
    while chunk := fileobj.read(_HASH_CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def _decode_checked(fileobj: IO[bytes], image_format: str, label: str) -> tuple[int, int, bool]:
    """Open with a single decoder, check dimensions, then decode every frame."""
    limit = max_pixels()
    try:
        with warnings.catch_warnings():
            # Pillow warns (rather than raises) between its two bomb thresholds.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(fileobj, formats=[image_format]) as img:
                width, height = img.size
                if width < 1 or height < 1:
                    raise _corrupt(label)
                if width * height > limit:
                    raise _too_many_pixels(width, height)
                is_animated = bool(getattr(img, "is_animated", False))
                _load_all_frames(img, label)
                orientation = _orientation(img)
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationError(
            "The image is too large to process safely (it could be a decompression bomb).",
            code="too_many_pixels",
        ) from exc
    except MemoryError as exc:
        raise ValidationError(
            "The image is too large to process safely.", code="too_many_pixels"
        ) from exc
    except Exception as exc:
        # Decoders signal damage with many types (OSError, SyntaxError, ValueError,
        # EOFError, struct.error, zlib.error...); all mean the same to an editor.
        raise _corrupt(label) from exc
    if orientation in _SWAPPING_ORIENTATIONS:
        width, height = height, width
    return width, height, is_animated


def _load_all_frames(img: Image.Image, label: str) -> None:
    """Fully decode each frame, so truncation anywhere is caught now, not on render."""
    limit = max_pixels()
    budget = getattr(settings, "MEDIA_ASSETS_MAX_ANIMATION_PIXELS", DEFAULT_MAX_ANIMATION_PIXELS)
    frames = getattr(img, "n_frames", 1)
    spent = 0
    for index in range(frames):
        if index:
            img.seek(index)
        # A later frame may grow the canvas (GIF), so check before decoding it.
        width, height = img.size
        if width * height > limit:
            raise _too_many_pixels(width, height)
        spent += width * height
        if spent > budget:
            raise ValidationError(
                f"The animation is too long to process: {frames} frames of "
                f"{width} × {height} pixels.",
                code="too_many_pixels",
            )
        img.load()
    if frames > 1:
        img.seek(0)


def _orientation(img: Image.Image) -> int:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow warns about corrupt EXIF
            value = img.getexif().get(_EXIF_ORIENTATION, 1)
    except Exception:
        return 1  # Corrupt EXIF only loses the orientation, not the image.
    return value if isinstance(value, int) else 1


def _check_gif_frames(fileobj: IO[bytes], label: str) -> None:
    """Walk the GIF block structure (no decoding) and check every frame's extent.

    A frame may lie outside the logical screen; Pillow then grows the canvas to cover
    it, so a tiny file can ask for gigapixels. Only the header of each block is read.
    """
    limit = max_pixels()
    header = fileobj.read(13)
    if len(header) < 13:
        raise _corrupt(label)
    canvas_w = int.from_bytes(header[6:8], "little")
    canvas_h = int.from_bytes(header[8:10], "little")
    flags = header[10]
    if flags & 0x80:
        fileobj.seek(3 << ((flags & 7) + 1), io.SEEK_CUR)  # global colour table

    def skip_sub_blocks() -> None:
        while length := fileobj.read(1):
            if length == b"\x00":
                return
            fileobj.seek(length[0], io.SEEK_CUR)

    while introducer := fileobj.read(1):
        if introducer == b"\x2c":  # image descriptor
            descriptor = fileobj.read(9)
            if len(descriptor) < 9:
                return  # truncated: the decoder reports it with a better message
            left = int.from_bytes(descriptor[0:2], "little")
            top = int.from_bytes(descriptor[2:4], "little")
            right = left + int.from_bytes(descriptor[4:6], "little")
            bottom = top + int.from_bytes(descriptor[6:8], "little")
            grown_w, grown_h = max(canvas_w, right), max(canvas_h, bottom)
            if grown_w * grown_h > limit:
                raise _too_many_pixels(grown_w, grown_h)
            if descriptor[8] & 0x80:
                fileobj.seek(3 << ((descriptor[8] & 7) + 1), io.SEEK_CUR)
            fileobj.read(1)  # LZW minimum code size
            skip_sub_blocks()
        elif introducer == b"\x21":  # extension: label, then data sub-blocks
            fileobj.read(1)
            skip_sub_blocks()
        else:  # trailer (0x3b) or garbage: nothing more to check here
            return
