import io

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command

from media_assets.renditions import generate_standard_renditions
from media_assets.services import media_create
from media_assets.tests.factories import image_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _specs(settings):
    settings.MEDIA_ASSETS_RENDITIONS = {"thumb": {"width": 16}, "card": {"width": 32}}


def run(*args):
    out = io.StringIO()
    call_command("regenerate_renditions", *args, stdout=out)
    return out.getvalue()


def test_regenerates_one_spec_of_one_asset_and_nothing_else():
    one = media_create(file=ContentFile(image_bytes(), name="a.jpg"), media_id=11)
    two = media_create(file=ContentFile(image_bytes(), name="b.jpg"), media_id=22)
    for asset in (one, two):
        generate_standard_renditions(asset, formats=["JPEG"])
    before = {(r.asset.media_id, r.spec): r.pk for r in one.renditions.all() | two.renditions.all()}
    out = run("--spec", "thumb", "--media-id", "11")
    assert "Regenerated renditions of 1 asset(s)" in out
    after = {(r.asset.media_id, r.spec): r.pk for r in one.renditions.all() | two.renditions.all()}
    assert after[(11, "thumb")] != before[(11, "thumb")]
    assert {k: v for k, v in after.items() if k != (11, "thumb")} == {
        k: v for k, v in before.items() if k != (11, "thumb")
    }


def test_all_assets_and_missing_only():
    asset = media_create(file=ContentFile(image_bytes(), name="a.jpg"))
    run("--missing")
    count = asset.renditions.count()
    assert count >= 4  # 2 specs x (JPEG, WebP[, AVIF])
    kept = set(asset.renditions.values_list("pk", flat=True))
    run("--missing")
    assert set(asset.renditions.values_list("pk", flat=True)) == kept
    assert "Would regenerate" in run("--dry-run")


def test_refuses_unknown_spec_and_media_id():
    with pytest.raises(CommandError, match="Unknown spec"):
        run("--spec", "poster")
    with pytest.raises(CommandError, match="Media ID 999"):
        run("--media-id", "999")
