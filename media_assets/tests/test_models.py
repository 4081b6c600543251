import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from media_assets.models import ASSIGNED_MEDIA_ID_BASE, MediaAsset
from media_assets.tests.factories import make_media

pytestmark = pytest.mark.django_db


def test_media_id_is_assigned_when_not_given():
    asset = make_media()
    assert asset.media_id == ASSIGNED_MEDIA_ID_BASE + asset.pk
    assert MediaAsset.objects.get(pk=asset.pk).media_id == asset.media_id


def test_media_id_from_an_import_is_kept():
    asset = make_media(media_id=55384539)
    assert MediaAsset.objects.get(pk=asset.pk).media_id == 55384539


def test_media_id_is_unique():
    make_media(media_id=7)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_media(media_id=7)


def test_same_sha256_is_refused_but_empty_hashes_are_not():
    make_media(sha256="a" * 64)
    make_media()
    make_media()
    with pytest.raises(IntegrityError), transaction.atomic():
        make_media(sha256="a" * 64)


def test_focal_point_must_lie_in_the_image():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_media(focal_x=1.5, focal_y=0.5)
    assert make_media(focal_x=0.25, focal_y=1.0).focal_point == (0.25, 1.0)


def test_public_hides_assets_whose_rights_expired():
    now = timezone.now()
    current = make_media()
    later = make_media(rights_expire_at=now + datetime.timedelta(days=1))
    expired = make_media(rights_expire_at=now - datetime.timedelta(seconds=1))
    assert set(MediaAsset.objects.public()) == {current, later}
    assert expired.rights_expired and not later.rights_expired
    assert list(MediaAsset.objects.rights_expired()) == [expired]


def test_uploaded_name_is_not_used_in_the_stored_path():
    asset = make_media(with_file=True)
    assert "photo" not in asset.file.name
    assert asset.file.name.startswith("originals/")
    assert asset.file.name.endswith(".jpg")
