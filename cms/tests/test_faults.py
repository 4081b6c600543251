"""Faults the site must ride out: Redis down (pages, API and logins still
work, uncached) and the database down (503 with Retry-After, not 500)."""

import pytest
from django.contrib.auth import get_user_model
from django.db import OperationalError
from django.test import RequestFactory

from cms.cache_backends import FailOpenRedisCache
from cms.middleware import DatabaseUnavailableMiddleware

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
