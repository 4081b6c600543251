"""The media API (/api/v1/media/): lookup by Media ID, rights expiry,
filters, uploads (201 / 400 / 409) and who may write."""

import datetime
import itertools
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from media_assets.models import MediaAsset
from media_assets.tests.factories import image_bytes, make_media

pytestmark = pytest.mark.django_db

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
PHOTO_DESK = [
    "media_assets.add_mediaasset",
    "media_assets.change_mediaasset",
    "media_assets.delete_mediaasset",
    "media_assets.view_mediaasset",
]
_users = itertools.count(1)


def api_client(*perms):
    user = get_user_model().objects.create_user(f"media{next(_users)}", password="x")
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def media_ids(response):
    assert response.status_code == 200, response.content
    return [item["media_id"] for item in response.json()["results"]]


def upload(name="photo.jpg", data=None, content_type="image/jpeg"):
    return SimpleUploadedFile(name, data or image_bytes(), content_type=content_type)


def test_lookup_by_media_id_with_the_contract_fields():
    make_media(
        media_id=55384539, credit="REUTERS/Yuri Maltsev/File Photo", focal_x=0.5, focal_y=0.25
    )
    data = APIClient().get("/api/v1/media/55384539/").json()
    for name in (
        "media_id", "title", "caption", "credit", "agency", "photographer", "copyright",
        "is_file_photo", "alt_text", "width", "height", "focal_point", "file_url",
        "renditions", "created_at", "usage_count",
    ):  # fmt: skip
        assert name in data, name
    assert data["credit"] == "REUTERS/Yuri Maltsev/File Photo"
    assert data["focal_point"] == {"x": 0.5, "y": 0.25}
    assert data["usage_count"] == 0
    assert APIClient().get("/api/v1/media/99999999999999999999999/").status_code == 404


def test_expired_rights_are_hidden_from_readers_but_not_the_photo_desk():
    past = timezone.now() - datetime.timedelta(days=1)
    live = make_media()
    expired = make_media(rights_expire_at=past)
    assert media_ids(APIClient().get("/api/v1/media/")) == [live.media_id]
    assert APIClient().get(f"/api/v1/media/{expired.media_id}/").status_code == 404
    desk = api_client(*PHOTO_DESK)
    assert set(media_ids(desk.get("/api/v1/media/"))) == {live.media_id, expired.media_id}


def test_usage_count_counts_only_public_uses_for_readers():
    from articles.models import Article
    from articles.tests.factories import make_article

    photo = make_media()
    make_article(lead_media=photo)
    make_article(lead_media=photo, status=Article.Status.DRAFT, publish_at=None)
    assert APIClient().get(f"/api/v1/media/{photo.media_id}/").json()["usage_count"] == 1
    desk = api_client(*PHOTO_DESK)
    assert desk.get(f"/api/v1/media/{photo.media_id}/").json()["usage_count"] == 2
    unused = make_media()
    assert media_ids(APIClient().get("/api/v1/media/", {"unused": "true"})) == [unused.media_id]


def test_filters():
    reuters = make_media(
        agency="Reuters",
        credit="REUTERS/Yuri Maltsev",
        photographer="Yuri Maltsev",
        is_file_photo=True,
    )
    ap = make_media(
        agency="AP", credit="AP Photo/Someone", photographer="Someone", caption="Amman skyline"
    )
    client = APIClient()

    def query(**params):
        return set(media_ids(client.get("/api/v1/media/", params)))

    assert query(agency="reuters") == {reuters.media_id}
    assert query(credit="AP Photo") == {ap.media_id}
    assert query(photographer="maltsev") == {reuters.media_id}
    assert query(is_file_photo="true") == {reuters.media_id}
    assert query(q="amman") == {ap.media_id}
    assert query(q=str(reuters.media_id)) == {reuters.media_id}
    tomorrow = (timezone.now() + datetime.timedelta(days=1)).isoformat()
    assert query(uploaded_before=tomorrow) == {reuters.media_id, ap.media_id}
    assert query(uploaded_after=tomorrow) == set()
    assert client.get("/api/v1/media/", {"q": "x" * 60_000}).status_code == 400


def test_photo_desk_uploads_and_gets_the_extracted_metadata():
    path = SHARED_DATA / "iptc" / "IPTC-PhotometadataRef-Std2017.1.jpg"
    if not path.is_file():
        pytest.skip(f"shared test data not found at {path}")
    desk = api_client(*PHOTO_DESK)
    response = desk.post(
        "/api/v1/media/",
        {"file": upload("ref.jpg", path.read_bytes()), "alt_text": "Typed by the editor"},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["caption"].startswith("The description aka caption (ref2017.1)")
    assert data["alt_text"] == "Typed by the editor"
    assert MediaAsset.objects.get(media_id=data["media_id"]).width == data["width"]


def test_duplicate_upload_is_409_with_the_existing_media_id():
    desk = api_client(*PHOTO_DESK)
    data = image_bytes()
    first = desk.post("/api/v1/media/", {"file": upload(data=data)}, format="multipart")
    assert first.status_code == 201, first.content
    second = desk.post("/api/v1/media/", {"file": upload(data=data)}, format="multipart")
    assert second.status_code == 409
    assert second.json()["media_id"] == first.json()["media_id"]


@pytest.mark.parametrize(
    "name, data",
    [
        ("evil.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("fake.jpg", b"not an image at all"),
        ("empty.jpg", b""),
    ],
)
def test_refused_file_is_400_on_the_file_field(name, data):
    desk = api_client(*PHOTO_DESK)
    response = desk.post(
        "/api/v1/media/", {"file": SimpleUploadedFile(name, data)}, format="multipart"
    )
    assert response.status_code == 400
    assert "file" in response.json()
    assert MediaAsset.objects.count() == 0


def test_upload_refused_without_the_photo_desk_permission():
    anonymous = APIClient().post("/api/v1/media/", {"file": upload()}, format="multipart")
    assert anonymous.status_code == 401
    writer = api_client("articles.add_article", "articles.change_article")
    assert writer.post("/api/v1/media/", {"file": upload()}, format="multipart").status_code == 403
    assert MediaAsset.objects.count() == 0


def test_photo_desk_edits_and_cannot_delete_a_photo_in_use():
    from articles.tests.factories import make_article

    photo = make_media()
    desk = api_client(*PHOTO_DESK)
    changed = desk.patch(
        f"/api/v1/media/{photo.media_id}/",
        {"credit": "AFP/Someone", "focal_point": {"x": 0.1, "y": 0.9}},
        format="json",
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["credit"] == "AFP/Someone"
    assert changed.json()["focal_point"] == {"x": 0.1, "y": 0.9}
    refused = desk.patch(f"/api/v1/media/{photo.media_id}/", {"media_id": 1}, format="json")
    assert refused.status_code == 400
    assert (
        api_client()
        .patch(f"/api/v1/media/{photo.media_id}/", {"credit": "x"}, format="json")
        .status_code
        == 403
    )
    make_article(lead_media=photo)
    assert desk.delete(f"/api/v1/media/{photo.media_id}/").status_code == 409
    unused = make_media()
    assert desk.delete(f"/api/v1/media/{unused.media_id}/").status_code == 204


STALE = "The resource changed since the ETag named in If-Match; nothing was changed."


def test_if_match_fresh_edits_stale_or_malformed_gives_412_and_changes_nothing():
    photo = make_media(credit="Before")
    desk = api_client(*PHOTO_DESK)
    url = f"/api/v1/media/{photo.media_id}/"
    etag = desk.get(url)["ETag"]
    fresh = desk.patch(url, {"credit": "First"}, format="json", HTTP_IF_MATCH=etag)
    assert fresh.status_code == 200, fresh.content
    assert fresh.json()["credit"] == "First"
    current = desk.get(url)["ETag"]
    assert current != etag
    # The old ETag, a weak one (If-Match compares strongly), garbage.
    for header in (etag, f"W/{current}", "not-an-etag"):
        refused = desk.patch(url, {"credit": "Second"}, format="json", HTTP_IF_MATCH=header)
        assert refused.status_code == 412, header
        assert refused["Content-Type"] == "application/json"
        assert refused.json() == {"detail": STALE}
    photo.refresh_from_db()
    assert photo.credit == "First"
    # The current ETag among others, "*", and no If-Match at all still write.
    listed = desk.patch(url, {"credit": "Third"}, format="json", HTTP_IF_MATCH=f'"x", {current}')
    assert listed.status_code == 200, listed.content
    star = desk.patch(url, {"credit": "Fourth"}, format="json", HTTP_IF_MATCH="*")
    assert star.status_code == 200
    assert desk.patch(url, {"credit": "Fifth"}, format="json").status_code == 200
    photo.refresh_from_db()
    assert photo.credit == "Fifth"


def test_if_match_agrees_with_the_etag_of_get_with_fields():
    photo = make_media()
    desk = api_client(*PHOTO_DESK)
    url = f"/api/v1/media/{photo.media_id}/?fields=media_id,credit"
    etag = desk.get(url)["ETag"]
    changed = desk.patch(url, {"credit": "AFP/Other"}, format="json", HTTP_IF_MATCH=etag)
    assert changed.status_code == 200, changed.content


def test_delete_with_a_stale_if_match_gives_412_and_keeps_the_photo():
    photo = make_media()
    desk = api_client(*PHOTO_DESK)
    url = f"/api/v1/media/{photo.media_id}/"
    etag = desk.get(url)["ETag"]
    assert desk.patch(url, {"credit": "Changed"}, format="json").status_code == 200
    refused = desk.delete(url, HTTP_IF_MATCH=etag)
    assert refused.status_code == 412
    assert refused.json() == {"detail": STALE}
    assert MediaAsset.objects.filter(pk=photo.pk).exists()
    assert desk.delete(url, HTTP_IF_MATCH=desk.get(url)["ETag"]).status_code == 204
    assert not MediaAsset.objects.filter(pk=photo.pk).exists()


def row_locks(client, url, change):
    """Whether a PATCH of ``change`` without If-Match, then one with it, then
    a DELETE with it lock the row they write (``SELECT ... FOR UPDATE OF``)."""
    locked = []
    for method, data, if_match in (
        ("patch", change, False),
        ("patch", change, True),
        ("delete", None, True),
    ):
        headers = {"HTTP_IF_MATCH": client.get(url)["ETag"]} if if_match else {}
        with CaptureQueriesContext(connection) as captured:
            response = getattr(client, method)(url, data, format="json", **headers)
        assert response.status_code in (200, 204), response.content
        locked.append(any("FOR UPDATE OF" in query["sql"] for query in captured.captured_queries))
    return locked


@pytest.mark.skipif(not connection.features.has_select_for_update, reason="no row locks")
def test_write_with_if_match_locks_the_photo_and_one_without_does_not():
    # The check and the write run under one lock, so two writers holding the
    # same ETag cannot both pass.
    url = f"/api/v1/media/{make_media().media_id}/"
    assert row_locks(api_client(*PHOTO_DESK), url, {"credit": "New"}) == [False, True, True]
