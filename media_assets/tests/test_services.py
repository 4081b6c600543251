"""media_create and friends: validation, metadata, credits, duplicates, files."""

import io
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from PIL import Image

from media_assets.models import MediaAsset, Rendition
from media_assets.renditions import generate_standard_renditions_for, rendition_dispatcher
from media_assets.services import (
    DuplicateMedia,
    MediaInUse,
    find_near_duplicates,
    media_create,
    media_delete,
    media_update,
    suggested_fields,
)
from media_assets.tests.factories import image_bytes, photo_bytes

pytestmark = pytest.mark.django_db


def stored_files(settings):
    root = settings.MEDIA_ROOT
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_creates_an_asset_with_facts_read_from_the_file(settings):
    data = image_bytes(size=(120, 80))
    asset = media_create(file=ContentFile(data, name="../../etc/passwd.php"), caption="Hello")
    asset.refresh_from_db()
    assert (asset.width, asset.height, asset.file_size) == (120, 80, len(data))
    assert asset.mime_type == "image/jpeg"
    assert len(asset.sha256) == 64 and len(asset.phash) == 16
    assert asset.caption == "Hello"
    assert asset.original_filename == "passwd.php"
    # Generated name with the detected extension; nothing of the uploaded name.
    assert asset.file.name.startswith("originals/") and asset.file.name.endswith(".jpg")
    assert "passwd" not in asset.file.name and ".." not in asset.file.name
    assert stored_files(settings) == [asset.file.name]


def test_png_named_jpg_is_stored_as_png():
    asset = media_create(file=ContentFile(image_bytes(fmt="PNG"), name="photo.jpg"))
    assert asset.mime_type == "image/png" and asset.file.name.endswith(".png")


@pytest.mark.parametrize(
    ("data", "code_text"),
    [
        (b"", "is empty"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "is not an image we accept"),
        (b"GIF89a" + b"\x00" * 20, "damaged or incomplete"),
    ],
)
def test_refused_files_give_a_field_error_and_leave_nothing(settings, data, code_text):
    with pytest.raises(ValidationError) as excinfo:
        media_create(file=ContentFile(data, name="x.jpg"))
    assert list(excinfo.value.message_dict) == ["file"]
    assert code_text in excinfo.value.message_dict["file"][0]
    assert MediaAsset.objects.count() == 0
    assert stored_files(settings) == []


def test_file_over_the_size_cap_is_refused(settings):
    settings.MEDIA_ASSETS_MAX_UPLOAD_BYTES = 1000
    with pytest.raises(ValidationError) as excinfo:
        media_create(file=ContentFile(image_bytes(size=(300, 300), quality=100), name="a.jpg"))
    assert "too large" in excinfo.value.message_dict["file"][0]


def test_hostile_files_are_all_refused(shared_data):
    refused = {}
    for name in [
        "decompression_bomb.gif",
        "decompression_bomb_extents.gif",
        "png_decompression_dos.png",
        "truncated_jpeg.jpg",
        "truncated_image.png",
        "broken.png",
        "zero_width.gif",
    ]:
        path = shared_data / "hostile" / name
        with pytest.raises(ValidationError) as excinfo:
            media_create(file=SimpleUploadedFile(name, path.read_bytes()))
        refused[name] = list(excinfo.value.message_dict)
    assert set(map(tuple, refused.values())) == {("file",)}
    assert MediaAsset.objects.count() == 0


def test_same_file_is_refused_with_a_pointer_to_the_existing_asset():
    data = image_bytes()
    first = media_create(file=ContentFile(data, name="a.jpg"))
    with pytest.raises(DuplicateMedia) as excinfo:
        media_create(file=ContentFile(data, name="b.jpg"), caption="again")
    assert excinfo.value.existing == first
    assert str(first.media_id) in str(excinfo.value)
    assert MediaAsset.objects.count() == 1


def test_kept_media_id_and_source_url_for_importers():
    asset = media_create(
        file=ContentFile(image_bytes(), name="a.jpg"), media_id=55384539, source_url="wp:12"
    )
    assert (asset.media_id, asset.source_url) == (55384539, "wp:12")
    with pytest.raises(ValidationError) as excinfo:
        media_create(file=ContentFile(image_bytes(), name="b.jpg"), media_id=55384539)
    assert list(excinfo.value.message_dict) == ["media_id"]


def test_no_orphan_file_when_the_database_write_fails(settings):
    with (
        mock.patch.object(MediaAsset, "save", side_effect=DatabaseError("down")),
        pytest.raises(DatabaseError),
    ):
        media_create(file=ContentFile(image_bytes(), name="a.jpg"))
    assert stored_files(settings) == []


def test_no_row_when_the_file_write_fails():
    from django.core.files.storage import FileSystemStorage

    with (
        mock.patch.object(FileSystemStorage, "_save", side_effect=OSError("disk full")),
        pytest.raises(OSError),
    ):
        media_create(file=ContentFile(image_bytes(), name="a.jpg"))
    assert MediaAsset.objects.count() == 0


def test_standard_renditions_are_made_after_commit(django_capture_on_commit_callbacks, settings):
    settings.MEDIA_ASSETS_RENDITIONS = {
        "thumb": {"width": 32},
        "social": {"width": 40, "height": 20, "crop": True},
    }
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        asset = media_create(file=ContentFile(image_bytes(size=(64, 48)), name="a.jpg"))
    assert Rendition.objects.count() == 0  # nothing before commit
    # The configured dispatcher (the project's enqueues an immediate task here;
    # media_assets' own default makes them in-process), given the pk only.
    ours = [c for c in callbacks if getattr(c, "func", None) is rendition_dispatcher()]
    assert len(ours) == 1 and ours[0].args == (asset.pk,)
    ours[0]()
    formats = ["JPEG", "WEBP", "AVIF"] if "AVIF" in _formats() else ["JPEG", "WEBP"]
    got = sorted((r.spec, r.format, r.width, r.height) for r in asset.renditions.all())
    assert got == sorted(
        [("thumb", f, 32, 24) for f in formats] + [("social", f, 40, 20) for f in formats]
    )


def test_default_rendition_dispatcher_runs_in_process(settings):
    settings.MEDIA_ASSETS_RENDITION_DISPATCHER = None
    assert rendition_dispatcher() is generate_standard_renditions_for
    settings.MEDIA_ASSETS_RENDITION_DISPATCHER = "builtins.print"
    assert rendition_dispatcher() is print


def _formats():
    from media_assets.imaging import available_formats

    return available_formats("JPEG")


# --- metadata -----------------------------------------------------------------


def test_metadata_fills_fields_the_caller_left_empty(shared_data):
    path = shared_data / "iptc" / "IPTC-PhotometadataRef-Std2017.1.jpg"
    asset = media_create(
        file=SimpleUploadedFile("ref.jpg", path.read_bytes()), caption="", alt_text="Typed alt"
    )
    asset.refresh_from_db()
    assert asset.caption == "The description aka caption (ref2017.1)"
    assert asset.title == "The Title (ref2017.1)"
    assert asset.credit == "Credit Line (ref2017.1)"
    assert asset.agency == "Source (ref2017.1)"
    assert asset.photographer == "Creator1 (ref2017.1), Creator2 (ref2017.1)"
    assert asset.copyright == "Copyright (Notice) 2017.1 IPTC - www.iptc.org  (ref2017.1)"
    assert asset.keywords == ["Keyword1ref2017.1", "Keyword2ref2017.1", "Keyword3ref2017.1"]
    assert asset.date_taken.isoformat() == "2017-07-13T17:01:00+00:00"
    assert asset.alt_text == "Typed alt"


def test_typed_values_win_over_metadata(shared_data):
    path = shared_data / "iptc" / "IPTC-PhotometadataRef-Std2017.1.jpg"
    asset = media_create(
        file=SimpleUploadedFile("ref.jpg", path.read_bytes()),
        caption="Typed caption",
        credit="AP Photo/Jane Doe",
        title="Typed title",
        keywords=["typed"],
    )
    assert (asset.caption, asset.credit, asset.title, asset.keywords) == (
        "Typed caption",
        "AP Photo/Jane Doe",
        "Typed title",
        ["typed"],
    )
    # Agency and photographer come from the typed credit, not from the file.
    assert (asset.agency, asset.photographer) == ("AP", "Jane Doe")


def test_files_with_little_metadata(shared_data):
    iptc = media_create(
        file=SimpleUploadedFile("a.jpg", (shared_data / "iptc/iptc.jpg").read_bytes())
    )
    assert iptc.keywords == ["HvK", "2006", "summer", "July", "holiday", "Hungary", "Budapest"]
    assert (iptc.caption, iptc.credit, iptc.agency) == ("", "", "")
    shop = media_create(
        file=SimpleUploadedFile("b.jpg", (shared_data / "iptc/metaphotoshop.jpg").read_bytes())
    )
    assert (shop.title, shop.caption) == ("Headline", "")


def test_credit_in_a_typed_caption_is_split_out():
    asset = media_create(
        file=ContentFile(image_bytes(), name="a.jpg"),
        caption="FILE PHOTO: A guard at the border, July 18, 2014. REUTERS/Yuri Maltsev/File Photo",
    )
    assert asset.caption == "FILE PHOTO: A guard at the border, July 18, 2014."
    assert asset.credit == "REUTERS/Yuri Maltsev/File Photo"
    assert (asset.agency, asset.photographer, asset.is_file_photo) == (
        "Reuters",
        "Yuri Maltsev",
        True,
    )


def test_caption_without_a_credit_form_is_left_untouched():
    caption = "Protesters gather in the square. Photo courtesy of the family."
    asset = media_create(file=ContentFile(image_bytes(), name="a.jpg"), caption=caption)
    assert (asset.caption, asset.credit, asset.agency) == (caption, "", "")


def test_suggested_fields_prefer_the_caption_credit_to_the_bare_agency_credit():
    fields = suggested_fields(
        {
            "caption": "Ministers meet in Ottawa on Tuesday. THE CANADIAN PRESS/Paul Chiasson",
            "credit": "THE CANADIAN PRESS",
            "creator": "Paul Chiasson",
        }
    )
    assert fields == {
        "caption": "Ministers meet in Ottawa on Tuesday.",
        "credit": "THE CANADIAN PRESS/Paul Chiasson",
        "agency": "The Canadian Press",
        "photographer": "Paul Chiasson",
    }


# --- near duplicates, update, delete --------------------------------------------


def _scene(size, shift=0):
    img = Image.linear_gradient("L").resize(size).convert("RGB")
    img.paste(
        (200, 30, 30), (size[0] // 4 + shift, size[1] // 4, size[0] // 2 + shift, size[1] // 2)
    )
    buffer = io.BytesIO()
    img.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def test_near_duplicates_are_found_and_others_are_not():
    original = media_create(file=ContentFile(_scene((200, 150)), name="a.jpg"))
    resized = media_create(file=ContentFile(_scene((100, 75)), name="b.jpg"))
    other = media_create(file=ContentFile(photo_bytes(seed=3), name="c.jpg"))
    found = find_near_duplicates(resized)
    assert [asset for asset, _distance in found] == [original]
    assert found[0][1] <= 6
    assert other not in [asset for asset, _ in find_near_duplicates(original)]
    # Given a bare hash, nothing is excluded: the asset itself comes first.
    assert find_near_duplicates(resized.phash)[0] == (resized, 0)


def test_near_duplicate_search_is_bounded_by_the_window():
    original = media_create(file=ContentFile(_scene((200, 150)), name="a.jpg"))
    for seed in range(3):
        media_create(file=ContentFile(photo_bytes(seed=seed + 10), name="x.jpg"))
    near = media_create(file=ContentFile(_scene((100, 75)), name="b.jpg"))
    if near.phash == original.phash:
        pytest.skip("hashes equal: the exact-match path finds it whatever the window")
    assert find_near_duplicates(near, window=2) == []
    assert [a for a, _ in find_near_duplicates(near, window=10)] == [original]


def test_moving_the_focal_point_drops_crop_renditions(django_capture_on_commit_callbacks, settings):
    settings.MEDIA_ASSETS_RENDITIONS = {
        "thumb": {"width": 32},
        "social": {"width": 40, "height": 20, "crop": True},
    }
    with django_capture_on_commit_callbacks(execute=True):
        asset = media_create(file=ContentFile(image_bytes(), name="a.jpg"))
    before = {r.pk for r in asset.renditions.filter(spec="social")}
    thumbs = {r.pk for r in asset.renditions.filter(spec="thumb")}
    with django_capture_on_commit_callbacks(execute=True):
        media_update(asset=asset, focal_x=0.1, focal_y=0.9, caption="New")
    assert {r.pk for r in asset.renditions.filter(spec="thumb")} == thumbs
    after = {r.pk for r in asset.renditions.filter(spec="social")}
    assert after and not (after & before)
    with django_capture_on_commit_callbacks(execute=True):
        media_update(asset=asset, caption="Only the caption")
    assert {r.pk for r in asset.renditions.filter(spec="social")} == after


def test_delete_removes_files_after_commit(django_capture_on_commit_callbacks, settings):
    settings.MEDIA_ASSETS_RENDITIONS = {"thumb": {"width": 32}}
    with django_capture_on_commit_callbacks(execute=True):
        asset = media_create(file=ContentFile(image_bytes(), name="a.jpg"))
    assert len(stored_files(settings)) == 1 + asset.renditions.count()
    with django_capture_on_commit_callbacks(execute=True):
        media_delete(asset=asset)
    assert stored_files(settings) == []


def test_delete_is_refused_while_in_use(settings):
    from media_assets.usage import Use

    asset = media_create(file=ContentFile(image_bytes(), name="a.jpg"))
    use = Use(label="lead photo", obj=asset)
    with (
        mock.patch("media_assets.usage.find_uses", return_value=[use]),
        pytest.raises(MediaInUse) as excinfo,
    ):
        media_delete(asset=asset)
    assert "cannot be deleted" in str(excinfo.value) and "lead photo" in str(excinfo.value)
    assert MediaAsset.objects.filter(pk=asset.pk).exists()
