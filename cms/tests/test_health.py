"""/healthz and /readyz: what load balancers see."""

import threading

import pytest

from cms.health import run_checks


def test_healthz_answers_any_host_over_plain_http(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    # A probe uses the instance's address, which is not in ALLOWED_HOSTS.
    response = client.get("/healthz", HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response


def test_other_paths_still_redirect_and_validate_host(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/a/1/", HTTP_HOST="localhost")
    assert response.status_code == 301
    assert response["Location"] == "https://localhost/a/1/"
    assert client.get("/a/1/", HTTP_HOST="10.1.2.3").status_code == 400


@pytest.mark.django_db
def test_readyz_ok_when_database_cache_and_storage_answer(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/readyz", HTTP_HOST="10.1.2.3")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "storage"}
    assert all(check["ok"] for check in body["checks"].values())
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_readyz_503_when_cache_is_unreachable(client, settings):
    # Nothing listens on port 1: a real connection failure, no patching.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["cache"] == {"ok": False, "error": "ConnectionError"}
    assert body["checks"]["database"]["ok"] is True


def test_readyz_names_the_failing_check_without_its_message():
    def broken():
        raise RuntimeError("password=hunter2 host=db.internal")

    results = run_checks({"database": broken, "cache": lambda: None}, timeout=5)
    assert results["database"] == {"ok": False, "error": "RuntimeError"}
    assert results["cache"]["ok"] is True


def test_readyz_does_not_wait_for_a_hung_check():
    release = threading.Event()
    try:
        results = run_checks({"database": lambda: release.wait(30)}, timeout=0.05)
    finally:
        release.set()
    assert results == {"database": {"ok": False, "error": "timeout"}}
