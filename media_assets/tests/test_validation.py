import hashlib
import io
import re
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageFile, features

from media_assets.validation import safe_storage_name, validate_image

UNSUPPORTED = (
    re.escape("This file is not an image we accept (JPEG, PNG, GIF, WebP") + r"(, AVIF)?\)\."
)


def image_bytes(fmt="PNG", size=(8, 6), mode="RGB", color=(200, 30, 30), **save_options):
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, format=fmt, **save_options)
    return buffer.getvalue()


def refusal(data, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as excinfo:
        validate_image(data, **kwargs)
    return excinfo.value


# --- the shared real-world files --------------------------------------------------

ACCEPTED = [
    # (file, format, width, height, animated)
    ("UPPERCASE.JPG", "JPEG", 10, 10, False),
    ("default-user-avatar.png", "JPEG", 100, 100, False),  # a JPEG named .png
    ("hopper_bad_exif.jpg", "JPEG", 500, 500, False),
    ("i_trns.png", "PNG", 64, 64, False),
    ("iss634.gif", "GIF", 245, 245, True),
    ("iss634.webp", "WEBP", 245, 245, True),
    ("mode_16bit.png", "PNG", 128, 64, True),
    ("orientation_rectangle.jpg", "JPEG", 1, 2, False),  # stored 2x1, Orientation=8
    ("pil_sample_cmyk.jpg", "JPEG", 100, 100, False),
    ("truncated_app14.jpg", "JPEG", 100, 100, False),
] + [(f"exif-orientation/landscape_{n}.jpg", "JPEG", 600, 450, False) for n in range(1, 9)]


@pytest.mark.parametrize(("name", "fmt", "width", "height", "animated"), ACCEPTED)
def test_accepts_real_world_files(shared_data, name, fmt, width, height, animated):
    path = shared_data / "hostile" / name
    data = path.read_bytes()
    with path.open("rb") as fileobj:
        info = validate_image(fileobj, name=path.name)

    assert (info.format, info.width, info.height, info.is_animated) == (
        fmt,
        width,
        height,
        animated,
    )
    assert info.size_bytes == len(data)
    assert info.sha256 == hashlib.sha256(data).hexdigest()


REFUSED = [
    ("decompression_bomb.gif", "too_many_pixels"),
    ("decompression_bomb_extents.gif", "too_many_pixels"),
    ("png_decompression_dos.png", "corrupt"),
    ("truncated_jpeg.jpg", "corrupt"),
    ("truncated_image.png", "corrupt"),
    ("broken.png", "corrupt"),
    ("zero_width.gif", "corrupt"),
]


@pytest.mark.parametrize(("name", "code"), REFUSED)
def test_refuses_hostile_files(shared_data, name, code):
    with (shared_data / "hostile" / name).open("rb") as fileobj:
        error = refusal(fileobj, name=name)
    assert error.code == code


def test_bomb_message_names_the_dimensions(shared_data):
    error = refusal((shared_data / "hostile" / "decompression_bomb_extents.gif").read_bytes())
    # A 100x100 canvas whose second frame sits at (65535, 65535).
    assert error.messages == [
        "The image is too large: 65635 × 65635 pixels; the limit is 60 megapixels."
    ]


# --- built in memory ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "mime_type", "extension"),
    [
        ("JPEG", "image/jpeg", "jpg"),
        ("PNG", "image/png", "png"),
        ("GIF", "image/gif", "gif"),
        ("WEBP", "image/webp", "webp"),
    ],
)
def test_describes_each_accepted_format(fmt, mime_type, extension):
    data = image_bytes(fmt, size=(30, 20))
    info = validate_image(data)
    assert (info.format, info.mime_type, info.extension) == (fmt, mime_type, extension)
    assert (info.width, info.height, info.is_animated) == (30, 20, False)


@pytest.mark.skipif(not features.check("avif"), reason="Pillow built without AVIF")
def test_accepts_avif_when_pillow_reads_it():
    info = validate_image(image_bytes("AVIF", size=(30, 20)))
    assert (info.format, info.mime_type, info.extension) == ("AVIF", "image/avif", "avif")


def test_identifies_by_content_not_name():
    upload = SimpleUploadedFile("holiday.jpg", image_bytes("PNG"), content_type="image/jpeg")
    info = validate_image(upload, name=upload.name)
    assert (info.format, info.extension) == ("PNG", "png")


def test_refuses_empty_file():
    error = refusal(b"", name="nothing.jpg")
    assert error.code == "empty"
    assert error.messages == ["“nothing.jpg” is empty."]


@pytest.mark.parametrize(
    "data",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>',
        b"%PDF-1.4 not an image",
        image_bytes("BMP"),
        image_bytes("TIFF"),
        # HEIC shares AVIF's container; only the brand tells them apart.
        b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic",
    ],
    ids=["svg", "svg-xml-declaration", "pdf", "bmp", "tiff", "heic"],
)
def test_refuses_other_types(data):
    error = refusal(data)
    assert error.code == "unsupported_format"
    assert re.fullmatch(UNSUPPORTED, error.messages[0])


def test_refuses_files_over_the_size_cap_before_reading_them(settings):
    settings.MEDIA_ASSETS_MAX_UPLOAD_BYTES = 1024
    # Not even an image: the size check must come first.
    error = refusal(b"\x00" * 2048)
    assert error.code == "file_too_large"
    # Django's filesizeformat keeps number and unit together with a no-break space.
    assert error.messages == ["The file is too large: 2.0\u00a0KB; the limit is 1.0\u00a0KB."]


def test_refuses_too_many_pixels(settings):
    settings.MEDIA_ASSETS_MAX_PIXELS = 1_000_000
    error = refusal(image_bytes("PNG", size=(1001, 1000), mode="L", color=0))
    assert error.code == "too_many_pixels"
    assert error.messages == [
        "The image is too large: 1001 × 1000 pixels; the limit is 1 megapixels."
    ]


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    body = kind + payload
    return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))


def test_checks_header_dimensions_before_decoding():
    # 9000 x 9000 claimed, but only a few bytes of pixel data: had the decoder run,
    # this would be reported as truncated rather than too large.
    header = struct.pack(">IIBBBBB", 9000, 9000, 8, 0, 0, 0, 0)
    data = (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 10))
        + png_chunk(b"IEND", b"")
    )
    error = refusal(data)
    assert error.code == "too_many_pixels"
    assert error.messages == [
        "The image is too large: 9000 × 9000 pixels; the limit is 60 megapixels."
    ]


def test_decompression_bomb_warning_is_an_error(settings, monkeypatch):
    settings.MEDIA_ASSETS_MAX_PIXELS = 10_000
    # Pillow warns between MAX_IMAGE_PIXELS and twice that; 15x15 = 225 lies between.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 200)
    error = refusal(image_bytes("PNG", size=(15, 15)))
    assert error.code == "too_many_pixels"
    assert error.messages == [
        "The image is too large to process safely (it could be a decompression bomb)."
    ]


def test_refuses_truncated_jpeg_in_memory():
    data = image_bytes("JPEG", size=(64, 64))
    error = refusal(data[: len(data) // 2], name="cut.jpg")
    assert error.code == "corrupt"
    assert error.messages == [
        "“cut.jpg” is damaged or incomplete and could not be read as an image."
    ]
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def animated_gif(frames=3, size=(20, 20)) -> bytes:
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0)]
    images = [Image.new("RGB", size, colours[index]) for index in range(frames)]
    buffer = io.BytesIO()
    images[0].save(buffer, format="GIF", save_all=True, append_images=images[1:], duration=100)
    return buffer.getvalue()


def test_animation_is_decoded_within_a_budget(settings):
    assert validate_image(animated_gif()).is_animated is True
    settings.MEDIA_ASSETS_MAX_ANIMATION_PIXELS = 1000  # less than 3 frames of 20x20
    error = refusal(animated_gif())
    assert error.code == "too_many_pixels"
    assert error.messages == ["The animation is too long to process: 3 frames of 20 × 20 pixels."]


def test_leaves_the_file_at_its_start():
    upload = SimpleUploadedFile("a.gif", image_bytes("GIF"))
    validate_image(upload)
    assert upload.tell() == 0


def test_safe_storage_name_ignores_the_uploaded_name():
    first = safe_storage_name("../../etc/passwd.php.png", "JPEG")
    second = safe_storage_name("../../etc/passwd.php.png", "JPEG")
    assert re.fullmatch(r"[0-9a-f]{32}\.jpg", first)
    assert first != second
    assert re.fullmatch(r"[0-9a-f]{32}\.webp", safe_storage_name("x.JPG", "WEBP"))


def test_refuses_apng_frame_outside_the_canvas():
    frames = [Image.new("RGB", (20, 20), colour) for colour in ("red", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="PNG", save_all=True, append_images=frames[1:])
    data = bytearray(buffer.getvalue())
    assert validate_image(bytes(data)).is_animated is True

    # Move the second frame's x offset (fcTL bytes 12-15) far outside the canvas.
    start = data.index(b"fcTL", data.index(b"fcTL") + 4) + 4
    data[start + 12 : start + 16] = struct.pack(">I", 50_000)
    data[start + 26 : start + 30] = struct.pack(">I", zlib.crc32(data[start - 4 : start + 26]))
    error = refusal(bytes(data))
    assert error.code == "corrupt"
