"""Faults the site must ride out: Redis down (pages, API and logins still
work, uncached), the database down (503 with Retry-After, not 500), and media
storage full or read-only (uploads refused cleanly, pages still render)."""

import errno
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.test import RequestFactory
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from articles.tests.factories import make_article
from cms.cache_backends import FailOpenRedisCache
from cms.middleware import DatabaseUnavailableMiddleware
from media_assets.models import MediaAsset
from media_assets.services import MediaStorageUnavailable
from media_assets.tests.factories import image_bytes

# Nothing listens on port 1: every call is a real, immediate connection error.
DEAD_REDIS = {
    "BACKEND": "cms.cache_backends.FailOpenRedisCache",
    "LOCATION": "redis://127.0.0.1:1/0",
    "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
}


def test_fail_open_cache_misses_and_drops_writes():
    cache = FailOpenRedisCache(DEAD_REDIS["LOCATION"], {"OPTIONS": DEAD_REDIS["OPTIONS"]})
    assert cache.get("k", "fallback") == "fallback"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.set("k", 1) is None
    assert cache.add("k", 1) is False
    assert cache.delete("k") is False
    with pytest.raises(ValueError, match="cache unavailable"):
        cache.incr("k")


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {"default": DEAD_REDIS}


@pytest.mark.django_db
def test_pages_and_api_answer_with_redis_down(client, redis_down):
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/articles/").status_code == 200


@pytest.mark.django_db
def test_logins_and_sessions_work_with_redis_down(client, redis_down):
    user = get_user_model().objects.create_user(
        "desk", password="right-password-123", is_staff=True, is_superuser=True
    )
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "desk", "password": "right-password-123"}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get("/admin/").status_code == 200


def test_database_errors_become_503_with_retry_after():
    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    page = middleware.process_exception(
        RequestFactory().get("/opinion/"), OperationalError("connection refused")
    )
    assert page.status_code == 503
    assert page["Retry-After"] == "5"
    assert page["Cache-Control"] == "no-store"
    api = middleware.process_exception(
        RequestFactory().get("/api/v1/articles/"), OperationalError("connection refused")
    )
    assert api.status_code == 503
    assert api["Content-Type"] == "application/json"
    assert middleware.process_exception(RequestFactory().get("/"), ValueError("x")) is None


# --- media storage full or read-only --------------------------------------------------


class FullDiskStorage(FileSystemStorage):
    """A disk that fills up mid-write: part of the file lands, then ENOSPC."""

    def _save(self, name, content):
        path = Path(self.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.read(100))
        raise OSError(errno.ENOSPC, "No space left on device", str(path))


class ReadOnlyStorage(FileSystemStorage):
    """A file system mounted read-only."""

    def _save(self, name, content):
        raise PermissionError(errno.EROFS, "Read-only file system", self.path(name))


@pytest.fixture(params=[FullDiskStorage, ReadOnlyStorage], ids=["full", "read-only"])
def broken_storage(request, settings):
    media_root = Path(settings.MEDIA_ROOT)
    media_root.mkdir(parents=True, exist_ok=True)
    backend = f"{__name__}.{request.param.__name__}"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": backend, "OPTIONS": {"location": str(media_root)}},
    }
    return media_root


def _files_under(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def _photo(name="wire.jpg"):
    return SimpleUploadedFile(name, image_bytes(size=(64, 48)), content_type="image/jpeg")


@pytest.mark.django_db
def test_admin_upload_to_broken_storage_is_refused_cleanly(client, broken_storage):
    client.force_login(get_user_model().objects.create_superuser("desk", "d@example.com", "pw"))
    add = "/admin/media_assets/mediaasset/add/"
    data = dict.fromkeys(("media_id", "title", "caption", "credit", "agency"), "")
    data.update({"keywords": "[]", "file": _photo()})
    response = client.post(add, data)
    assert response.status_code == 302
    assert response["Location"] == add
    page = client.get(add)
    assert page.status_code == 200
    assert [str(m) for m in page.context["messages"]] == [MediaStorageUnavailable.message]
    assert MediaAsset.objects.count() == 0
    assert _files_under(broken_storage) == []


@pytest.mark.django_db
def test_api_upload_to_broken_storage_answers_503(broken_storage):
    user = get_user_model().objects.create_superuser("api", "a@example.com", "pw")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    response = api.post("/api/v1/media/", {"file": _photo()}, format="multipart")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": MediaStorageUnavailable.message}
    assert MediaAsset.objects.count() == 0
    assert _files_under(broken_storage) == []


@pytest.mark.django_db
def test_pages_render_with_broken_storage(client, broken_storage):
    article = make_article()
    assert client.get("/").status_code == 200
    assert client.get(article.get_absolute_url()).status_code == 200
