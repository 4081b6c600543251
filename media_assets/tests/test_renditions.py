"""Renditions on storage: made once, race-safe, prefetched, regenerated."""

import io
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from PIL import Image

from media_assets.models import MediaAsset, Rendition
from media_assets.renditions import (
    fallback_format,
    generate_standard_renditions,
    get_or_create_rendition,
)
from media_assets.services import media_create
from media_assets.tests.factories import image_bytes, make_media

pytestmark = pytest.mark.django_db

SPECS = {
    "thumb": {"width": 32},
    "large": {"width": 100},
    "social": {"width": 40, "height": 20, "crop": True},
}


@pytest.fixture(autouse=True)
def _small_specs(settings):
    settings.MEDIA_ASSETS_RENDITIONS = SPECS


def upload(data=None, **fields):
    return media_create(
        file=ContentFile(data or image_bytes(size=(64, 48)), name="a.jpg"), **fields
    )


def test_get_rendition_makes_it_once_and_then_reads_it(django_assert_num_queries):
    asset = upload()
    rendition = asset.get_rendition("thumb", "WEBP")
    assert (rendition.spec, rendition.format, rendition.width, rendition.height) == (
        "thumb",
        "WEBP",
        32,
        24,
    )
    with Image.open(rendition.file.path) as img:
        assert (img.format, img.size) == ("WEBP", (32, 24))
    # 1 lookup, found.
    with django_assert_num_queries(1):
        assert asset.get_rendition("thumb", "WEBP") == rendition


def test_prefetched_renditions_cost_no_query(django_assert_num_queries):
    asset = upload()
    generate_standard_renditions(asset)
    assets = list(MediaAsset.objects.prefetch_renditions("thumb"))
    with django_assert_num_queries(0):
        assert assets[0].get_rendition("thumb", "JPEG").width == 32


def test_default_format_is_the_original_one_and_png_for_transparent_gifs():
    assert fallback_format(upload()) == "JPEG"
    buffer = io.BytesIO()
    Image.new("RGBA", (20, 20), (0, 0, 0, 0)).save(buffer, "GIF")
    gif = upload(buffer.getvalue())
    assert fallback_format(gif) == "PNG"
    assert gif.get_rendition("thumb").format == "PNG"


def test_a_lost_race_keeps_one_row_and_no_orphan_file(settings):
    asset = upload()
    winner = get_or_create_rendition(asset, "thumb", "JPEG")
    # The other process looked before the winner stored its row.
    real_filter = Rendition.objects.filter

    def looks_empty(*args, **kwargs):
        return real_filter(pk=-1)

    with mock.patch.object(Rendition.objects, "filter", side_effect=looks_empty):
        loser = get_or_create_rendition(asset, "thumb", "JPEG")
    assert loser == winner
    assert Rendition.objects.filter(asset=asset, spec="thumb", format="JPEG").count() == 1
    files = [p for p in (settings.MEDIA_ROOT / "renditions").rglob("*") if p.is_file()]
    assert [p.name for p in files] == [winner.file.name.rsplit("/", 1)[-1]]


def test_standard_set_reads_the_original_once_and_skips_existing():
    asset = upload()
    asset.get_rendition("thumb", "JPEG")
    made = generate_standard_renditions(asset, formats=["JPEG", "WEBP"])
    assert sorted((r.spec, r.format) for r in made) == [
        ("large", "JPEG"), ("large", "WEBP"), ("social", "JPEG"),
        ("social", "WEBP"), ("thumb", "JPEG"), ("thumb", "WEBP"),
    ]  # fmt: skip
    # Small originals are never enlarged.
    assert {(r.spec, r.width, r.height) for r in made} == {
        ("large", 64, 48),
        ("social", 40, 20),
        ("thumb", 32, 24),
    }


def test_asset_without_file_or_with_a_lost_file_gives_none():
    assert make_media().get_rendition("thumb") is None
    asset = upload()
    asset.file.storage.delete(asset.file.name)
    assert asset.get_rendition("thumb", "JPEG") is None


def test_unknown_spec_name_raises():
    with pytest.raises(KeyError):
        upload().get_rendition("poster")


@pytest.mark.parametrize("number", range(1, 9))
def test_exif_orientations_come_out_landscape(shared_data, number):
    path = shared_data / "hostile" / "exif-orientation" / f"landscape_{number}.jpg"
    asset = media_create(file=ContentFile(path.read_bytes(), name="x.jpg"))
    assert (asset.width, asset.height) == (600, 450)
    rendition = asset.get_rendition("thumb", "JPEG")
    assert (rendition.width, rendition.height) == (32, 24)


@pytest.mark.parametrize(
    "name", ["pil_sample_cmyk.jpg", "i_trns.png", "mode_16bit.png", "iss634.gif", "iss634.webp"]
)
def test_awkward_originals_render_in_every_format(shared_data, name):
    asset = media_create(file=ContentFile((shared_data / "hostile" / name).read_bytes(), name=name))
    made = generate_standard_renditions(asset, specs=["thumb"])
    assert len(made) >= 2
    for rendition in made:
        with Image.open(rendition.file.path) as img:
            assert img.mode in ("RGB", "RGBA", "L")
            assert getattr(img, "n_frames", 1) == 1
            assert "exif" not in img.info and "icc_profile" not in img.info


def test_gps_is_not_in_renditions():
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 0.0)}  # GPSInfo
    data = image_bytes(size=(64, 48), exif=exif)
    asset = upload(data)
    rendition = asset.get_rendition("thumb", "JPEG")
    assert b"Exif" not in rendition.file.open("rb").read()
