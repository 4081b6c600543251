import io

import pytest
from PIL import Image, ImageDraw, ImageOps, JpegImagePlugin, features

from media_assets.imaging import (
    RenditionSpec,
    available_formats,
    default_specs,
    hamming,
    perceptual_hash,
    render,
)

HAS_AVIF = features.check("avif")
OUTPUT_FORMATS = ["JPEG", "PNG", "WEBP"] + (["AVIF"] if HAS_AVIF else [])
THUMB = RenditionSpec("thumb", 320)
SOCIAL = RenditionSpec("social", 1200, 630, crop=True)


def encode(img: Image.Image, fmt="PNG", **options) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def decode(content: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(content))
    img.load()
    return img


def scene(size=(640, 480)) -> Image.Image:
    """Something photo-like: a gradient sky, a hill and a sun, so hashes have structure."""
    width, height = size
    img = Image.linear_gradient("L").resize(size).convert("RGB")
    draw = ImageDraw.Draw(img)
    draw.ellipse((width * 0.6, height * 0.1, width * 0.8, height * 0.35), fill=(250, 220, 40))
    draw.polygon([(0, height), (width * 0.4, height * 0.5), (width, height)], fill=(30, 120, 40))
    draw.rectangle((width * 0.1, height * 0.6, width * 0.25, height * 0.9), fill=(120, 40, 30))
    return img


# --- specs and formats ---------------------------------------------------------------


def test_default_specs():
    assert default_specs() == [
        RenditionSpec("thumb", 320),
        RenditionSpec("card", 640),
        RenditionSpec("medium", 1024),
        RenditionSpec("large", 1600),
        RenditionSpec("social", 1200, 630, crop=True),
    ]


def test_specs_come_from_settings(settings):
    settings.MEDIA_ASSETS_RENDITIONS = {
        "square": {"width": 500, "height": 500, "crop": True},
        "tiny": {"width": 100},
    }
    assert default_specs() == [
        RenditionSpec("square", 500, 500, crop=True),
        RenditionSpec("tiny", 100),
    ]


def test_crop_spec_needs_a_height():
    with pytest.raises(ValueError, match="needs a height"):
        RenditionSpec("bad", 100, crop=True)


@pytest.mark.parametrize(
    ("original", "has_alpha", "first"),
    [
        ("JPEG", False, "JPEG"),
        ("PNG", False, "PNG"),
        ("PNG", True, "PNG"),
        ("GIF", False, "JPEG"),
        ("GIF", True, "PNG"),
        ("WEBP", False, "JPEG"),
        ("WEBP", True, "PNG"),
        ("AVIF", False, "JPEG"),
    ],
)
def test_available_formats(original, has_alpha, first):
    expected = [first, "WEBP"] + (["AVIF"] if HAS_AVIF else [])
    assert available_formats(original, has_alpha=has_alpha) == expected


def test_unknown_output_format_is_refused():
    with pytest.raises(ValueError, match="Cannot write renditions as 'BMP'"):
        render(encode(scene()), THUMB, "BMP")


def test_non_image_source_is_refused():
    with pytest.raises(ValueError, match="not an image format we accept"):
        render(b"<svg/>", THUMB, "PNG")


# --- sizes and crops -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "size"),
    [
        (RenditionSpec("thumb", 320), (320, 160)),
        (RenditionSpec("medium", 1024), (1024, 512)),
        (RenditionSpec("large", 1600), (1600, 800)),
        (RenditionSpec("box", 400, 100), (200, 100)),
        (RenditionSpec("social", 1200, 630, crop=True), (1200, 630)),
    ],
)
def test_rendition_sizes(spec, size):
    rendered = render(encode(scene((2000, 1000)), "JPEG"), spec, "JPEG")
    assert (rendered.width, rendered.height) == size
    assert decode(rendered.content).size == size


def test_large_jpeg_is_decoded_at_reduced_scale(monkeypatch):
    decoded_sizes = []
    original_draft = JpegImagePlugin.JpegImageFile.draft

    def spy(self, mode, size):
        result = original_draft(self, mode, size)
        decoded_sizes.append(self.size)
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    rendered = render(encode(scene((2560, 1920)), "JPEG"), THUMB, "JPEG")
    # libjpeg decodes at 1/8 scale, the smallest that still covers 320 pixels wide.
    assert decoded_sizes == [(320, 240)]
    assert (rendered.width, rendered.height) == (320, 240)


@pytest.mark.parametrize(
    ("spec", "size"),
    [
        (RenditionSpec("large", 1600), (100, 50)),
        # The crop keeps 1200:630 but shrinks to fit: 100x50 holds a 95x50 box.
        (RenditionSpec("social", 1200, 630, crop=True), (95, 50)),
    ],
)
def test_never_upscales(spec, size):
    rendered = render(encode(scene((100, 50))), spec, "PNG")
    assert (rendered.width, rendered.height) == size


@pytest.mark.parametrize(("focal_x", "colour"), [(0.0, 0), (1.0, 255), (0.1, 0), (0.9, 255)])
def test_crop_follows_the_focal_point(focal_x, colour):
    # Left half black, right half white; a 1.9:1 crop of a 4:1 image sees one half.
    img = Image.new("L", (400, 100), 0)
    img.paste(255, (200, 0, 400, 100))
    rendered = render(encode(img), SOCIAL, "PNG", focal_point=(focal_x, 0.5))
    assert (rendered.width, rendered.height) == (190, 100)
    assert decode(rendered.content).getextrema() == (colour, colour)


def test_crop_defaults_to_the_centre():
    # A white stripe down the middle, narrower than the 190x100 crop.
    img = Image.new("L", (600, 100), 0)
    img.paste(255, (250, 0, 350, 100))
    rendered = decode(render(encode(img), SOCIAL, "PNG").content)
    assert rendered.getpixel((rendered.width // 2, 50)) == 255
    assert rendered.getpixel((0, 50)) == 0


# --- orientation, modes, frames ----------------------------------------------------------


@pytest.mark.parametrize("number", range(1, 9))
@pytest.mark.parametrize("fmt", OUTPUT_FORMATS)
def test_exif_orientation_is_applied(shared_data, number, fmt):
    path = shared_data / "hostile" / "exif-orientation" / f"landscape_{number}.jpg"
    rendered = render(path.read_bytes(), THUMB, fmt)
    assert (rendered.width, rendered.height) == (320, 240)
    assert decode(rendered.content).size == (320, 240)


def test_orientation_of_a_tiny_image(shared_data):
    # Stored 2x1 with Orientation=8: displayed 1 wide, 2 high.
    path = shared_data / "hostile" / "orientation_rectangle.jpg"
    rendered = render(path.read_bytes(), THUMB, "PNG")
    assert decode(rendered.content).size == (1, 2)


@pytest.mark.parametrize("fmt", OUTPUT_FORMATS)
def test_cmyk_becomes_rgb(fmt):
    cmyk = Image.new("CMYK", (40, 40), (0, 255, 255, 0))  # pure red ink mix
    rendered = decode(render(encode(cmyk, "JPEG"), THUMB, fmt).content)
    assert rendered.mode == "RGB"
    red, green, blue = rendered.getpixel((20, 20))
    assert red > 200 and green < 60 and blue < 60


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_cmyk_sample_file(shared_data, fmt):
    path = shared_data / "hostile" / "pil_sample_cmyk.jpg"
    rendered = decode(render(path.read_bytes(), THUMB, fmt).content)
    assert (rendered.mode, rendered.size) == ("RGB", (100, 100))


def test_sixteen_bit_grey_is_scaled_not_clipped():
    img = Image.new("I;16", (3, 1))
    for x, value in enumerate((65535, 32896, 257)):
        img.putpixel((x, 0), value)
    rendered = decode(render(encode(img), THUMB, "PNG").content)
    assert rendered.mode == "L"
    # Clipping would give 255 for all three.
    assert [rendered.getpixel((x, 0)) for x in range(3)] == [255, 128, 1]


def test_sixteen_bit_transparency_becomes_alpha(shared_data):
    path = shared_data / "hostile" / "i_trns.png"
    with Image.open(path) as source:
        transparent = source.info["transparency"]
        width, height = source.size
        pixels = [source.getpixel((x, y)) for y in range(height) for x in range(width)]
        expected_clear = pixels.count(transparent)
    assert 0 < expected_clear < 64 * 64  # the fixture has both kinds of pixel
    rendered = decode(render(path.read_bytes(), THUMB, "PNG").content)
    assert rendered.mode == "RGBA"
    alpha = rendered.getchannel("A")
    assert alpha.histogram()[0] == expected_clear
    assert alpha.histogram()[255] == 64 * 64 - expected_clear


def test_palette_transparency_becomes_alpha_and_jpeg_gets_white():
    img = Image.new("P", (10, 10), 1)
    img.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    img.paste(0, (0, 0, 5, 10))
    img.info["transparency"] = 0
    source = encode(img, "GIF", transparency=0)
    png = decode(render(source, THUMB, "PNG").content)
    assert png.mode == "RGBA"
    assert png.getpixel((0, 0))[3] == 0
    assert png.getpixel((9, 0)) == (255, 0, 0, 255)
    jpeg = decode(render(source, THUMB, "JPEG").content)
    assert jpeg.mode == "RGB"
    assert all(channel > 245 for channel in jpeg.getpixel((1, 5)))


def test_animation_renders_its_first_frame():
    frames = [Image.new("RGB", (20, 20), colour) for colour in ((255, 0, 0), (0, 0, 255))]
    source = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    for fmt in OUTPUT_FORMATS:
        rendered = decode(render(source, THUMB, fmt).content)
        assert getattr(rendered, "n_frames", 1) == 1
        red, green, blue = rendered.convert("RGB").getpixel((10, 10))
        assert red > 200 and blue < 60, fmt


@pytest.mark.parametrize("name", ["iss634.gif", "iss634.webp", "mode_16bit.png"])
def test_animated_files_give_a_still(shared_data, name):
    path = shared_data / "hostile" / name
    with Image.open(path) as source:
        first_frame = source.convert("RGB")
    rendered = decode(render(path.read_bytes(), THUMB, "PNG").content)
    assert getattr(rendered, "n_frames", 1) == 1
    assert rendered.size == first_frame.size
    assert rendered.convert("RGB").getpixel((5, 5)) == first_frame.getpixel((5, 5))


# --- metadata is stripped ----------------------------------------------------------------


def photo_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x013B] = "Jane Doe"  # Artist
    exif[0x0112] = 1  # Orientation
    exif.get_ifd(0x8825).update({1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)})
    source = encode(
        scene(),
        "JPEG",
        exif=exif,
        xmp=b"<x:xmpmeta xmlns:x='adobe:ns:meta/'/>",
        comment=b"secret comment",
    )
    with Image.open(io.BytesIO(source)) as check:  # the fixture really carries GPS
        assert check.getexif().get_ifd(0x8825)[1] == "N"
    return source


@pytest.mark.parametrize("fmt", OUTPUT_FORMATS)
def test_metadata_and_gps_are_stripped(fmt):
    rendered = render(photo_with_gps(), THUMB, fmt)
    output = decode(rendered.content)
    assert len(output.getexif()) == 0
    assert not {"exif", "xmp", "icc_profile", "comment"} & set(output.info)
    for marker in (b"Exif\x00\x00", b"Jane Doe", b"secret comment", b"xmpmeta"):
        assert marker not in rendered.content


def test_output_description():
    rendered = render(encode(scene()), THUMB, "WEBP")
    assert (rendered.format, rendered.mime_type, rendered.extension) == (
        "WEBP",
        "image/webp",
        "webp",
    )
    assert decode(rendered.content).format == "WEBP"


@pytest.mark.skipif(not HAS_AVIF, reason="Pillow built without AVIF")
def test_avif_output():
    rendered = render(encode(scene()), THUMB, "AVIF")
    assert (rendered.mime_type, rendered.extension) == ("image/avif", "avif")
    assert decode(rendered.content).format == "AVIF"


# --- perceptual hash ---------------------------------------------------------------------


def test_hamming():
    assert hamming("0000000000000000", "000000000000000f") == 4
    assert hamming("ffffffffffffffff", "0000000000000000") == 64
    assert hamming("1b8b8b4b49195d0f", "1b8b8b4b49195d0f") == 0
    with pytest.raises(ValueError):
        hamming("00", "0000")


def test_near_duplicates_hash_close_and_others_far():
    original = scene((1200, 900))
    copy = encode(original.resize((400, 300)), "JPEG", quality=55)
    different = encode(ImageOps.mirror(scene((1200, 900))).rotate(180), "JPEG")

    original_hash = perceptual_hash(encode(original, "PNG"))
    assert len(original_hash) == 16
    assert hamming(original_hash, perceptual_hash(copy)) <= 4
    assert hamming(original_hash, perceptual_hash(different)) >= 20


def test_hash_sees_the_displayed_orientation(shared_data):
    folder = shared_data / "hostile" / "exif-orientation"
    hashes = [perceptual_hash((folder / f"landscape_{n}.jpg").read_bytes()) for n in range(1, 9)]
    assert max(hamming(hashes[0], other) for other in hashes) <= 6
