"""Hardening: headers, CSP scopes, HTTPS, hosts, upload limits, password
hashing, admin login throttling, and `check --deploy` with production settings."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.core.files.uploadedfile import SimpleUploadedFile

import cms.settings as production_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def https(settings):
    settings.SECURE_SSL_REDIRECT = True
    return {"HTTP_X_FORWARDED_PROTO": "https"}


@pytest.mark.django_db
def test_public_page_headers(client, https):
    response = client.get("/", **https)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    csp = response["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert "script-src 'self';" in csp
    assert "style-src 'self';" in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_admin_gets_the_relaxed_policy_only_there(client, https):
    csp = client.get("/admin/login/", **https)["Content-Security-Policy"]
    assert "script-src 'self' 'unsafe-inline'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in client.get("/", **https)["Content-Security-Policy"]


@pytest.mark.django_db
def test_public_html_has_no_inline_script_or_style(client):
    # The public CSP forbids them; JSON-LD is a data block, not script.
    html = client.get("/").content.decode()
    for marker in ("<style", " style=", " onload=", " onclick="):
        assert marker not in html
    for tag in html.split("<script")[1:]:
        head = tag.split(">", 1)[0]
        assert "src=" in head or 'type="application/ld+json"' in head, head


def test_plain_http_redirects_to_https(client, https):
    response = client.get("/a/1/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/a/1/"


def test_unknown_host_is_refused(client):
    assert client.get("/", HTTP_HOST="evil.example.com").status_code == 400


@pytest.mark.django_db
def test_request_id_from_proxy_is_kept_only_when_well_formed(client):
    good = client.get("/healthz", HTTP_X_REQUEST_ID="lb-1234abcd-5678")
    # RequestIdMiddleware runs after the probe shortcut: probes carry none.
    assert "X-Request-ID" not in good
    ok = client.get("/a/999999/", HTTP_X_REQUEST_ID="lb-1234abcd-5678")
    assert ok["X-Request-ID"] == "lb-1234abcd-5678"
    forged = client.get("/a/999999/", HTTP_X_REQUEST_ID="x\nINFO fake log line")
    assert forged["X-Request-ID"] != "x\nINFO fake log line"
    assert len(forged["X-Request-ID"]) == 32


def test_oversized_body_is_refused_before_reading(client, settings):
    settings.MAX_REQUEST_BYTES = 1024
    response = client.post("/admin/login/", {"file": SimpleUploadedFile("a.jpg", b"x" * 2048)})
    assert response.status_code == 413
    api = client.post("/api/v1/media/", {"file": SimpleUploadedFile("a.jpg", b"x" * 2048)})
    assert api.status_code == 413
    assert api.json() == {"detail": "Request body too large (limit 1024 bytes)."}


@pytest.mark.django_db
def test_too_many_files_in_one_request_is_refused(client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    files = {f"f{i}": SimpleUploadedFile(f"{i}.jpg", b"x") for i in range(3)}
    response = client.post("/admin/login/", files)
    assert response.status_code == 400


def test_argon2_hashes_passwords_in_production(settings):
    # The suite itself uses a fast hasher (settings_test); production's list:
    settings.PASSWORD_HASHERS = production_settings.PASSWORD_HASHERS
    assert production_settings.PASSWORD_HASHERS[0] == (
        "django.contrib.auth.hashers.Argon2PasswordHasher"
    )
    encoded = make_password("correct horse")
    assert encoded.startswith("argon2$argon2id$")
    assert check_password("correct horse", encoded)


# --- admin login throttling ------------------------------------------------------


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user(
        "desk", password="right-password-123", is_staff=True, is_superuser=True
    )


def _login(client, username, password, ip="192.0.2.10"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
    )


def test_locked_out_user_is_refused_even_with_the_right_password(client, staff, settings):
    settings.LOGIN_THROTTLE_MAX_FAILURES = 3
    for _ in range(3):
        assert _login(client, "desk", "wrong").status_code == 200  # the form again
    response = _login(client, "desk", "right-password-123")
    assert response.status_code == 429
    assert "Too many failed login attempts" in response.content.decode()
    assert response["Retry-After"] == str(settings.LOGIN_THROTTLE_LOCKOUT_SECONDS)
    assert "_auth_user_id" not in client.session
    # The lockout is per username: the same name from another address too.
    assert _login(client, "DESK", "right-password-123", ip="198.51.100.7").status_code == 429


def test_failures_below_the_limit_do_not_lock_and_success_resets(client, staff, settings):
    settings.LOGIN_THROTTLE_MAX_FAILURES = 3
    for _ in range(2):
        _login(client, "desk", "wrong")
    response = _login(client, "desk", "right-password-123")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(staff.pk)
    client.logout()
    for _ in range(2):
        _login(client, "desk", "wrong")
    assert _login(client, "desk", "right-password-123").status_code == 302


def test_one_address_guessing_many_usernames_is_locked(client, staff, settings):
    settings.LOGIN_THROTTLE_MAX_FAILURES_PER_IP = 4
    for n in range(4):
        _login(client, f"user{n}", "wrong", ip="203.0.113.9")
    assert _login(client, "desk", "right-password-123", ip="203.0.113.9").status_code == 429
    assert _login(client, "desk", "right-password-123", ip="203.0.113.10").status_code == 302


# --- check --deploy --------------------------------------------------------------

PRODUCTION_ENV = {
    "SECRET_KEY": "k3Y" * 20 + "-production-like-secret-for-the-deploy-check",
    "ALLOWED_HOSTS": "news.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://news.example.com",
    "SITE_URL": "https://news.example.com",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
}


def _production_env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DEBUG"))}
    env.update(PRODUCTION_ENV, CMS_VAR_DIR=str(tmp_path), **extra)
    return env


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=_production_env(tmp_path), capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_fails_when_hardening_is_turned_off(tmp_path):
    env = _production_env(tmp_path, SECURE_SSL_REDIRECT="0", SECURE_COOKIES="0")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode != 0
    for check_id in ("security.W008", "security.W012", "security.W016"):
        assert check_id in result.stderr
