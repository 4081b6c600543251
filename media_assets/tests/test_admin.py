import pytest
from django.contrib.auth.models import User

from media_assets.tests.factories import make_media

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.create_superuser("desk", "d@example.com", "pw"))
    return client


def test_media_changelist_shows_thumbnails_and_finds_by_media_id(admin_client):
    make_media(with_file=True, media_id=55384539, caption="Border crossing")
    make_media(with_file=True, caption="Something else")
    response = admin_client.get("/admin/media_assets/mediaasset/")
    assert response.status_code == 200
    assert response.content.decode().count('<img src="/media/originals/') == 2
    found = admin_client.get("/admin/media_assets/mediaasset/", {"q": "55384539"}).context["cl"]
    assert [a.caption for a in found.result_list] == ["Border crossing"]


def test_media_change_page_renders(admin_client):
    asset = make_media(with_file=True)
    assert admin_client.get(f"/admin/media_assets/mediaasset/{asset.pk}/change/").status_code == 200
