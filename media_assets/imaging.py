"""The rendition engine: resized, re-encoded copies of an original image.

``render`` turns an original (a file-like object or bytes) into one rendition, as
plain bytes plus its dimensions; storing it is the caller's business. Renditions
show the picture as a browser would (EXIF orientation applied, colours in sRGB,
8 bits per channel, the first frame of an animation) and carry no metadata at all:
no EXIF (so no GPS), no XMP, no ICC profile, no comments.
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from PIL import Image, ImageCms, ImageMath, ImageOps, features

from .validation import FORMATS, accepted_formats, sniff_format

DEFAULT_RENDITIONS = {
    "thumb": {"width": 320},
    "card": {"width": 640},
    "medium": {"width": 1024},
    "large": {"width": 1600},
    "social": {"width": 1200, "height": 630, "crop": True},
}

# Encoder settings per output format: a good size/quality balance for news photos.
SAVE_OPTIONS = {
    "JPEG": {"quality": 82, "progressive": True, "optimize": True},
    "PNG": {"optimize": True},
    "WEBP": {"quality": 80, "method": 4},
    "AVIF": {"quality": 60, "speed": 8},
}

_EXIF_ORIENTATION = 0x0112
_SWAPPING_ORIENTATIONS = {5, 6, 7, 8}
_SIXTEEN_BIT_MODES = {"I", "I;16", "I;16L", "I;16B", "I;16N"}


@dataclass(frozen=True)
class RenditionSpec:
    """A named size: fit within ``width`` (and ``height``), or fill it exactly if ``crop``."""

    name: str
    width: int
    height: int | None = None
    crop: bool = False

    def __post_init__(self):
        if self.width < 1 or (self.height is not None and self.height < 1):
            raise ValueError(f"Rendition {self.name!r} needs positive dimensions.")
        if self.crop and self.height is None:
            raise ValueError(f"Rendition {self.name!r} crops, so it needs a height.")


@dataclass(frozen=True)
class RenderedImage:
    content: bytes
    width: int
    height: int
    format: str
    mime_type: str
    extension: str


def default_specs() -> list[RenditionSpec]:
    """The standard renditions, from ``settings.MEDIA_ASSETS_RENDITIONS`` if it is set.

    The setting maps a name to ``{"width": int, "height": int | None, "crop": bool}``.
    """
    configured = getattr(settings, "MEDIA_ASSETS_RENDITIONS", None) or DEFAULT_RENDITIONS
    return [
        RenditionSpec(
            name=name,
            width=options["width"],
            height=options.get("height"),
            crop=options.get("crop", False),
        )
        for name, options in configured.items()
    ]


def available_formats(original_format: str, *, has_alpha: bool = False) -> list[str]:
    """Output formats for an original: its own (if JPEG or PNG), then WebP and AVIF.

    GIF, WebP and AVIF originals get a JPEG fallback, or PNG when they have
    transparency, so that every browser has something it can show.
    """
    if original_format in ("JPEG", "PNG"):
        formats = [original_format]
    else:
        formats = ["PNG" if has_alpha else "JPEG"]
    formats.append("WEBP")
    if features.check("avif"):
        formats.append("AVIF")
    return formats


def render(
    source_fileobj: IO[bytes] | bytes,
    spec: RenditionSpec,
    fmt: str,
    *,
    focal_point: tuple[float, float] | None = None,
) -> RenderedImage:
    """Make one rendition of an original in the output format ``fmt``.

    Images are never enlarged. A crop spec is filled around ``focal_point`` (x, y as
    fractions of the displayed width and height; the centre by default). Raises
    ``ValueError`` for an unknown output format or a file that is not an accepted
    image, and Pillow's errors for a damaged one (originals are validated on upload).
    """
    return render_formats(source_fileobj, spec, [fmt], focal_point=focal_point)[0]


def render_formats(
    source_fileobj: IO[bytes] | bytes,
    spec: RenditionSpec,
    formats: list[str],
    *,
    focal_point: tuple[float, float] | None = None,
) -> list[RenderedImage]:
    """``render`` for several output formats at once: the original is decoded
    and resized once, then encoded in each format (in the order given)."""
    for fmt in formats:
        if fmt not in SAVE_OPTIONS or (fmt == "AVIF" and not features.check("avif")):
            raise ValueError(f"Cannot write renditions as {fmt!r}.")
    with _open_first_frame(source_fileobj) as img:
        orientation = _orientation(img)
        display_w, display_h = img.size
        if orientation in _SWAPPING_ORIENTATIONS:
            display_w, display_h = display_h, display_w
        target = _target_size(spec, display_w, display_h)
        scale = max(target[0] / display_w, target[1] / display_h)

        if img.format == "JPEG":
            # Let libjpeg decode at 1/2, 1/4 or 1/8 scale: a thumbnail of a 50 MP
            # photo then never holds the full-size pixels in memory.
            stored_w, stored_h = img.size
            img.draft(img.mode, (math.ceil(stored_w * scale), math.ceil(stored_h * scale)))
        icc_profile = img.info.get("icc_profile")
        img = _transpose(img)

    img = _to_srgb_8bit(img, icc_profile)
    if spec.crop:
        box = _crop_box(img.size, target, focal_point or (0.5, 0.5))
        img = img.resize(target, Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)
    elif img.size != target:
        img = img.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
    return [_encode(img, fmt) for fmt in formats]


def perceptual_hash(fileobj: IO[bytes] | bytes) -> str:
    """A 64-bit difference hash (dHash) of the displayed picture, as 16 hex digits.

    Resized or recompressed copies of a photo hash within a few bits of each other
    (compare with ``hamming``); different photos differ in about half the bits.
    """
    with _open_first_frame(fileobj) as img:
        if img.format == "JPEG":
            img.draft("L", (64, 64))
        img = _transpose(img)
    img = _to_srgb_8bit(img, None)
    if img.mode == "RGBA":
        img = _flatten(img)
    grey = img.convert("L").resize((9, 8), Image.Resampling.LANCZOS, reducing_gap=2.0)
    pixels = grey.tobytes()  # one byte per pixel in mode L, row by row
    bits = 0
    for row in range(8):
        for col in range(8):
            left, right = pixels[row * 9 + col], pixels[row * 9 + col + 1]
            bits = (bits << 1) | (left > right)
    return f"{bits:016x}"


def hamming(a: str, b: str) -> int:
    """Number of differing bits between two hashes from ``perceptual_hash``."""
    if len(a) != len(b):
        raise ValueError("Hashes of different lengths cannot be compared.")
    return (int(a, 16) ^ int(b, 16)).bit_count()


# --- helpers --------------------------------------------------------------------


def _open_first_frame(source: IO[bytes] | bytes) -> Image.Image:
    if isinstance(source, bytes | bytearray | memoryview):
        source = io.BytesIO(bytes(source))
    source.seek(0)
    image_format = sniff_format(source.read(64))
    source.seek(0)
    if image_format not in accepted_formats():
        raise ValueError("The original is not an image format we accept.")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        # Opening positions animations on their first frame, which is what we show.
        return Image.open(source, formats=[image_format])


def _orientation(img: Image.Image) -> int:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = img.getexif().get(_EXIF_ORIENTATION, 1)
    except Exception:
        return 1
    return value if isinstance(value, int) else 1


def _transpose(img: Image.Image) -> Image.Image:
    """Decode and apply the EXIF orientation; returns a new, fully loaded image."""
    img.load()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            transposed = ImageOps.exif_transpose(img)
    except Exception:
        # Corrupt EXIF: show the pixels as stored rather than fail the rendition.
        transposed = None
    return transposed if transposed is not None else img.copy()


def _target_size(spec: RenditionSpec, width: int, height: int) -> tuple[int, int]:
    if spec.crop:
        assert spec.height is not None
        # Keep the spec's aspect ratio, shrinking the box if the original is smaller.
        shrink = min(1.0, width / spec.width, height / spec.height)
        return max(1, round(spec.width * shrink)), max(1, round(spec.height * shrink))
    shrink = min(1.0, spec.width / width)
    if spec.height:
        shrink = min(shrink, spec.height / height)
    return max(1, round(width * shrink)), max(1, round(height * shrink))


def _crop_box(
    size: tuple[int, int], target: tuple[int, int], focal_point: tuple[float, float]
) -> tuple[float, float, float, float]:
    """The largest box with the target's aspect ratio, centred on the focal point."""
    width, height = size
    aspect = target[0] / target[1]
    if width / height > aspect:
        box_w, box_h = height * aspect, float(height)
    else:
        box_w, box_h = float(width), width / aspect
    fx = min(max(float(focal_point[0]), 0.0), 1.0)
    fy = min(max(float(focal_point[1]), 0.0), 1.0)
    left = min(max(fx * width - box_w / 2, 0.0), width - box_w)
    top = min(max(fy * height - box_h / 2, 0.0), height - box_h)
    return left, top, left + box_w, top + box_h


def _to_srgb_8bit(img: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """Convert any decoded mode to L, RGB or RGBA with 8 bits per channel, in sRGB."""
    if img.mode in _SIXTEEN_BIT_MODES:
        return _from_sixteen_bit(img)
    if img.mode == "1":
        return img.convert("L")
    if img.mode in ("P", "PA", "LA", "La", "RGBa") or "transparency" in img.info:
        return img.convert("RGBA" if img.has_transparency_data else "RGB")
    if icc_profile and img.mode in ("RGB", "RGBA", "CMYK", "L"):
        converted = _icc_to_srgb(img, icc_profile)
        if converted is not None:
            return converted
    if img.mode in ("L", "RGB", "RGBA"):
        return img
    return img.convert("RGB")  # CMYK without a profile, YCbCr, RGBX, LAB...


def _from_sixteen_bit(img: Image.Image) -> Image.Image:
    """Scale 16-bit samples to 8 bits (65535 -> 255) instead of clipping at 255."""
    wide = img.convert("I")
    grey = wide.point(lambda value: value * (1 / 257)).convert("L")
    transparent = img.info.get("transparency")
    if not isinstance(transparent, int):
        return grey
    # tRNS names one exact 16-bit grey as transparent; compare before scaling.
    alpha = ImageMath.lambda_eval(lambda args: (args["a"] != transparent) * 255, a=wide)
    rgba = grey.convert("RGBA")
    rgba.putalpha(alpha.convert("L"))
    return rgba


def _icc_to_srgb(img: Image.Image, icc_profile: bytes) -> Image.Image | None:
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        if ImageCms.getProfileDescription(source).strip().startswith("sRGB"):
            return None  # already sRGB: no work, the profile is simply dropped
        output_mode = "RGBA" if img.mode == "RGBA" else "RGB"
        if img.mode == "L":
            output_mode = "L"
        return ImageCms.profileToProfile(
            img, source, ImageCms.createProfile("sRGB"), outputMode=output_mode
        )
    except Exception:
        # A broken or mismatched profile: fall back to Pillow's plain conversion.
        return None


def _flatten(img: Image.Image) -> Image.Image:
    background = Image.new("RGB", img.size, (255, 255, 255))
    background.paste(img, mask=img.getchannel("A"))
    return background


def _encode(img: Image.Image, fmt: str) -> RenderedImage:
    if fmt == "JPEG" and img.mode == "RGBA":
        img = _flatten(img)
    # Savers read some metadata (ICC, transparency, comments) from ``info``.
    img.info = {}
    buffer = io.BytesIO()
    img.save(buffer, format=fmt, **SAVE_OPTIONS[fmt])
    mime_type, extension, _ = FORMATS[fmt]
    return RenderedImage(
        content=buffer.getvalue(),
        width=img.width,
        height=img.height,
        format=fmt,
        mime_type=mime_type,
        extension=extension,
    )
