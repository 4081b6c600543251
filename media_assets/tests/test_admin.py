"""The photo desk's admin: upload, list, filters, search, change page, delete."""

import datetime
import re

import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from media_assets import usage
from media_assets.models import MediaAsset
from media_assets.renditions import generate_standard_renditions
from media_assets.services import media_create
from media_assets.tests.factories import image_bytes, make_media, photo_bytes

pytestmark = pytest.mark.django_db
LIST = "/admin/media_assets/mediaasset/"
ADD = "/admin/media_assets/mediaasset/add/"


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.create_superuser("desk", "d@example.com", "pw"))
    return client


@pytest.fixture
def small_specs(settings):
    settings.MEDIA_ASSETS_RENDITIONS = {
        "thumb": {"width": 32},
        "large": {"width": 64},
        "social": {"width": 40, "height": 20, "crop": True},
    }


def change_url(asset):
    return f"/admin/media_assets/mediaasset/{asset.pk}/change/"


def upload_data(file, **fields):
    data = dict.fromkeys(("media_id", "title", "caption", "credit", "agency"), "")
    data.update({"keywords": "[]", "file": file})
    data.update(fields)
    return data


def test_media_changelist_shows_thumbnails_and_finds_by_media_id(admin_client):
    make_media(with_file=True, media_id=55384539, caption="Border crossing")
    make_media(with_file=True, caption="Something else")
    response = admin_client.get(LIST)
    assert response.status_code == 200
    assert response.content.decode().count('<img src="/media/originals/') == 2
    for term in ("55384539", "Media ID 55384539", "#55384539"):
        found = admin_client.get(LIST, {"q": term}).context["cl"]
        assert [a.caption for a in found.result_list] == ["Border crossing"], term
    found = admin_client.get(LIST, {"q": "crossing"}).context["cl"]
    assert [a.media_id for a in found.result_list] == [55384539]


def test_text_search_is_one_trigram_indexes_can_serve_and_hides_the_drilldown(admin_client):
    """Words are matched on caption, credit, title and photographer only (a
    number is a Media ID, found on its own): an "= media_id" cast in each
    word's OR would leave PostgreSQL no index to use. While a search is on,
    the date drill-down (which reads every match) is left out."""
    make_media(caption="Boats in the harbour", credit="REUTERS/Laila Othman")
    make_media(caption="Something else", photographer="Harbour Master")
    make_media(caption="Unrelated")
    plain = admin_client.get(LIST)
    assert plain.context["cl"].date_hierarchy == "created_at"
    with CaptureQueriesContext(connection) as queries:
        searching = admin_client.get(LIST, {"q": "harbour"})
    found = searching.context["cl"]
    captions = sorted(a.caption for a in found.result_list)
    assert captions == ["Boats in the harbour", "Something else"]
    assert found.date_hierarchy is None
    assert 'class="toplinks"' not in searching.content.decode()
    listing = [q["sql"] for q in queries.captured_queries if "LIKE" in q["sql"].upper()]
    assert listing and not any('"media_id"' in sql.split("WHERE", 1)[1] for sql in listing)


def _dated(*dates):
    for day in dates:
        asset = make_media()
        moment = timezone.make_aware(datetime.datetime(*day, 12, 0))
        MediaAsset.objects.filter(pk=asset.pk).update(created_at=moment)


def test_date_drilldown_lists_the_years_and_months_django_would_without_reading_every_row(
    admin_client,
):
    from media_assets.admin import _probed

    _dated((2019, 3, 2), (2021, 1, 5), (2021, 12, 31), (2021, 12, 1), (2024, 7, 7))
    everything = MediaAsset.objects.all()
    probed = _probed(everything)
    assert [d.year for d in probed.datetimes("created_at", "year")] == [2019, 2021, 2024]
    assert list(probed.datetimes("created_at", "year")) == list(
        everything.datetimes("created_at", "year")
    )
    in_2021 = {"created_at__year": 2021}
    assert list(probed.filter(**in_2021).datetimes("created_at", "month")) == list(
        everything.filter(**in_2021).datetimes("created_at", "month")
    )
    assert list(_probed(MediaAsset.objects.none()).datetimes("created_at", "year")) == []
    december = {"created_at__year": 2021, "created_at__month": 12}
    assert [d.day for d in probed.filter(**december).datetimes("created_at", "day")] == [1, 31]
    assert list(probed.filter(**december).datetimes("created_at", "day")) == list(
        everything.filter(**december).datetimes("created_at", "day")
    )

    with CaptureQueriesContext(connection) as queries:
        page = admin_client.get(LIST).content.decode()
    for year in (2019, 2021, 2024):
        assert f"?created_at__year={year}" in page
    assert "?created_at__year=2020" not in page
    assert not any("DISTINCT" in q["sql"] and "created_at" in q["sql"]
                   for q in queries.captured_queries)  # fmt: skip
    months = admin_client.get(LIST, {"created_at__year": 2021}).content.decode()
    listed = sorted({int(m) for m in re.findall(r"created_at__month=(\d+)", months)})
    assert listed == [1, 12]


def test_changelist_counts_once_and_estimates_a_big_list(admin_client, monkeypatch):
    """No second COUNT(*) of the whole table on each load; on PostgreSQL a
    list the planner expects to be big is counted by its estimate."""
    from media_assets.pagination import EstimatedCountPaginator

    make_media()
    make_media()
    with CaptureQueriesContext(connection) as queries:
        assert admin_client.get(LIST).status_code == 200
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1
    if connection.vendor == "postgresql":
        monkeypatch.setattr(EstimatedCountPaginator, "exact_below", 1)
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(LIST).status_code == 200
        sqls = [q["sql"] for q in queries.captured_queries]
        assert not any("COUNT(" in sql.upper() for sql in sqls)
        assert any(sql.startswith("EXPLAIN (FORMAT JSON)") for sql in sqls)


def test_thumbnails_come_from_renditions(admin_client, small_specs):
    asset = media_create(file=ContentFile(image_bytes(), name="a.jpg"))
    generate_standard_renditions(asset, specs=["thumb"], formats=["JPEG"])
    html = admin_client.get(LIST).content.decode()
    assert asset.renditions.get(spec="thumb", format="JPEG").url in html
    assert asset.file.url not in html


@pytest.mark.parametrize("count", [5, 50])
def test_changelist_query_count_is_constant(
    admin_client, small_specs, count, django_assert_max_num_queries
):
    for _ in range(count):
        asset = media_create(file=ContentFile(image_bytes(size=(40, 30)), name="a.jpg"))
        generate_standard_renditions(asset, specs=["thumb"], formats=["JPEG"])
    # session, user, the count (on PostgreSQL after the planner's estimate;
    # no second, full count), agency choices, date hierarchy, page of assets
    # (+uploader), their thumbnails: none per row.
    with django_assert_max_num_queries(9):
        response = admin_client.get(LIST)
    assert response.content.decode().count('class="media-thumb"') == count


def test_upload_fills_empty_fields_from_metadata_and_keeps_typed_ones(admin_client, shared_data):
    path = shared_data / "iptc" / "IPTC-PhotometadataRef-Std2017.1.jpg"
    response = admin_client.post(
        ADD, upload_data(SimpleUploadedFile("ref.jpg", path.read_bytes()), title="Typed")
    )
    assert response.status_code == 302
    asset = MediaAsset.objects.get()
    assert response["Location"] == change_url(asset)
    assert asset.title == "Typed"
    assert asset.caption == "The description aka caption (ref2017.1)"
    assert asset.credit == "Credit Line (ref2017.1)"
    assert asset.uploaded_by.username == "desk"


def test_upload_splits_the_credit_off_a_typed_caption(admin_client):
    caption = "Ministers meet in Ottawa on Tuesday. THE CANADIAN PRESS/Paul Chiasson"
    admin_client.post(ADD, upload_data(SimpleUploadedFile("a.jpg", image_bytes()), caption=caption))
    asset = MediaAsset.objects.get()
    assert (asset.caption, asset.credit, asset.agency, asset.photographer) == (
        "Ministers meet in Ottawa on Tuesday.",
        "THE CANADIAN PRESS/Paul Chiasson",
        "The Canadian Press",
        "Paul Chiasson",
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("evil.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "is not an image we accept"),
        ("empty.jpg", b"", "The submitted file is empty."),
        ("bomb.gif", "decompression_bomb.gif", "too large"),
        ("cut.jpg", "truncated_jpeg.jpg", "damaged or incomplete"),
    ],
)
def test_upload_refuses_bad_files_on_the_field(admin_client, shared_data, name, content, message):
    if isinstance(content, str):
        content = (shared_data / "hostile" / content).read_bytes()
    response = admin_client.post(ADD, upload_data(SimpleUploadedFile(name, content)))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["file"] and message in errors["file"][0]
    assert MediaAsset.objects.count() == 0


def test_upload_of_the_same_file_points_to_the_existing_asset(admin_client):
    data = image_bytes()
    existing = media_create(file=ContentFile(data, name="a.jpg"))
    response = admin_client.post(ADD, upload_data(SimpleUploadedFile("b.jpg", data)))
    error = response.context["adminform"].form.errors["file"][0]
    assert f'<a href="{change_url(existing)}">Media ID {existing.media_id}</a>' in error
    assert MediaAsset.objects.count() == 1


def test_near_duplicate_upload_is_flagged(admin_client):
    first = media_create(file=ContentFile(photo_bytes(seed=1, size=(200, 150)), name="a.jpg"))
    response = admin_client.post(
        ADD,
        upload_data(SimpleUploadedFile("b.jpg", photo_bytes(seed=1, size=(100, 75)))),
        follow=True,
    )
    text = [str(m) for m in response.context["messages"]]
    assert any(f"Media ID {first.media_id}" in m and "looks like" in m for m in text)


def test_analyse_endpoint_returns_suggestions_and_duplicates(admin_client, shared_data):
    path = shared_data / "iptc" / "IPTC-PhotometadataRef-Std2017.1.jpg"
    response = admin_client.post(
        LIST + "analyse/", {"file": SimpleUploadedFile("r.jpg", path.read_bytes())}
    )
    data = response.json()
    assert data["fields"]["caption"] == "The description aka caption (ref2017.1)"
    assert data["fields"]["date_taken"] == "2017-07-13 17:01:00"
    assert data["duplicate"] is None
    bad = admin_client.post(LIST + "analyse/", {"file": SimpleUploadedFile("x.svg", b"<svg/>")})
    assert bad.status_code == 400 and "not an image we accept" in bad.json()["errors"][0]


def test_analyse_endpoint_needs_staff(client):
    response = client.post(LIST + "analyse/", {"file": SimpleUploadedFile("a.jpg", image_bytes())})
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_filters(admin_client):
    now = timezone.now()
    plain = make_media(caption="Plain", alt_text="alt")
    no_caption = make_media(caption="", alt_text="alt")
    no_credit = make_media(credit="", alt_text="alt")
    expired = make_media(alt_text="alt", rights_expire_at=now - datetime.timedelta(days=1))
    soon = make_media(alt_text="alt", rights_expire_at=now + datetime.timedelta(days=3))
    later = make_media(alt_text="alt", rights_expire_at=now + datetime.timedelta(days=300))
    no_alt = make_media()
    afp = make_media(agency="AFP", alt_text="alt")

    def ids(**params):
        return {a.pk for a in admin_client.get(LIST, params).context["cl"].result_list}

    assert ids(missing="caption") == {no_caption.pk}
    assert ids(missing="credit") == {no_credit.pk}
    assert ids(missing="alt_text") == {no_alt.pk}
    assert ids(rights="expired") == {expired.pk}
    assert ids(rights="soon") == {soon.pk}
    assert ids(rights="unlimited") == {plain.pk, no_caption.pk, no_credit.pk, no_alt.pk, afp.pk}
    assert later.pk in ids(rights="limited")
    assert ids(agency="AFP") == {afp.pk}
    html = admin_client.get(LIST).content.decode()
    assert "Expired" in html and "Expires" in html


def test_unused_filter_and_usage_list_with_a_registered_finder(admin_client):
    used = make_media(media_id=111)
    unused = make_media(media_id=222)
    user = User.objects.get(username="desk")

    def finder(media_ids):
        if media_ids is None or 111 in media_ids:
            yield 111, user

    usage.register_usage(User, finder, "test use")
    try:
        result = admin_client.get(LIST, {"usage": "unused"}).context["cl"].result_list
        assert unused in result and used not in result
        assert list(admin_client.get(LIST, {"usage": "used"}).context["cl"].result_list) == [used]
        page = admin_client.get(change_url(used)).content.decode()
        assert f'test use: <a href="/admin/auth/user/{user.pk}/change/">desk</a>' in page
        assert "Not used anywhere" in admin_client.get(change_url(unused)).content.decode()
        # Deleting is refused with the reason, and nothing is deleted.
        response = admin_client.get(f"/admin/media_assets/mediaasset/{used.pk}/delete/")
        html = response.content.decode()
        assert "Cannot delete media asset" in html
        assert "Media ID 111 is used as test use: desk" in html
        admin_client.post(f"/admin/media_assets/mediaasset/{used.pk}/delete/", {"post": "yes"})
        assert MediaAsset.objects.filter(pk=used.pk).exists()
        response = admin_client.post(
            LIST, {"action": "delete_selected", "_selected_action": [used.pk], "post": "yes"}
        )
        assert MediaAsset.objects.filter(pk=used.pk).exists()
    finally:
        usage.unregister_usage(User, "test use")
    admin_client.post(f"/admin/media_assets/mediaasset/{unused.pk}/delete/", {"post": "yes"})
    assert not MediaAsset.objects.filter(pk=unused.pk).exists()


def test_change_page_has_focal_picker_previews_and_near_duplicates(admin_client, small_specs):
    asset = media_create(file=ContentFile(photo_bytes(seed=4, size=(200, 150)), name="a.jpg"))
    twin = media_create(file=ContentFile(photo_bytes(seed=4, size=(100, 75)), name="b.jpg"))
    generate_standard_renditions(asset, formats=["JPEG"])
    html = admin_client.get(change_url(asset)).content.decode()
    assert 'class="focal-picker" data-focal-x="0.5" data-focal-y="0.5"' in html
    assert 'data-focal="x"' in html and "media_assets/admin/focal_point.js" in html
    assert asset.renditions.get(spec="large", format="JPEG").url in html
    assert "social · 40×20 · JPEG" in html
    assert f"Media ID {twin.media_id}</a>" in html


def test_moving_the_focal_point_in_the_admin_remakes_the_crop(
    admin_client, small_specs, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        asset = media_create(file=ContentFile(image_bytes(size=(200, 100)), name="a.jpg"))
    old = asset.renditions.get(spec="social", format="JPEG").pk
    data = {
        "media_id": asset.media_id,
        "title": "",
        "caption": "c",
        "credit": "",
        "agency": "",
        "photographer": "",
        "copyright": "",
        "alt_text": "",
        "keywords": "[]",
        "focal_x": "0.1",
        "focal_y": "0.2",
        "source_url": "",
        "renditions-TOTAL_FORMS": "0",
        "renditions-INITIAL_FORMS": "0",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(change_url(asset), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    asset.refresh_from_db()
    assert (asset.focal_x, asset.focal_y, asset.caption) == (0.1, 0.2, "c")
    assert asset.renditions.get(spec="social", format="JPEG").pk != old


def test_expired_asset_page_says_so(admin_client):
    asset = make_media(with_file=True, rights_expire_at=timezone.now() - datetime.timedelta(1))
    assert "not shown on public pages" in admin_client.get(change_url(asset)).content.decode()


def test_each_period_of_the_drilldown_is_probed_in_the_fields_order():
    """One row per year or month, asked for in the date field's order (which
    only that field's index gives): unordered, PostgreSQL may walk another
    index from its start to find one (15 to 68 ms a year at 1 000 000
    articles, see ProbedDatesMixin)."""
    from media_assets.admin import _probed

    _dated((2019, 3, 2), (2021, 1, 5))
    with CaptureQueriesContext(connection) as queries:
        years = [d.year for d in _probed(MediaAsset.objects.all()).datetimes("created_at", "year")]
    assert years == [2019, 2021]
    probes = [q["sql"] for q in queries.captured_queries if "LIMIT 1" in q["sql"]]
    assert len(probes) == 3  # 2019, 2020 and 2021
    assert all('ORDER BY "media_assets_mediaasset"."created_at" ASC' in sql for sql in probes)
